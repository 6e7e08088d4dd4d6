// The job writes skip the document client (src/backends/aws/attribute-values.ts): their values must be
// stored exactly as the document client, with this backend's options, would have stored them.
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { marshallOptions, toAttributeValues } from '../../src/backends/aws/attribute-values.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('toAttributeValues', () => {
  it('stores every kind of value as the document client does', () => {
    const values = {
      ':text': 'running',
      ':empty': '',
      ':unicode': 'zażółć 🚀',
      ':int': 1796602407162,
      ':negative': -3,
      ':float': 0.1 + 0.2,
      ':seconds': 1796602407.162,
      ':zero': 0,
      ':yes': true,
      ':no': false,
      ':null': null,
      ':list': [],
      ':events': [{ at: 1, status: 'running', workerId: 'w1' }],
      ':map': { percent: 50, message: 'half', nested: { deep: [1, 'two', null] } },
      ':sparse': { kept: 1, dropped: undefined },
      ':instance': new Point(1, 2),
    };
    expect(toAttributeValues(values)).toEqual(marshall(values, marshallOptions));
  });

  it('leaves out undefined entries, as removeUndefinedValues does', () => {
    expect(toAttributeValues({ a: 'x', b: undefined })).toEqual({ a: { S: 'x' } });
  });

  it('refuses what the document client refuses (a number DynamoDB cannot hold)', () => {
    expect(() => toAttributeValues({ ':nan': Number.NaN })).toThrow();
    expect(() => marshall({ ':nan': Number.NaN }, marshallOptions)).toThrow();
  });
});

describe('the backend and toAttributeValues', () => {
  it('keeps its marshalling options to itself once a backend made its document client', async () => {
    // lib-dynamodb adds `convertTopLevelContainer` to the options object it is given; had the backend
    // handed it the shared one, every list and map would have been sent as an empty value.
    const { awsBackend } = await import('../../src/backends/aws/aws-backend.js');
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { SQSClient } = await import('@aws-sdk/client-sqs');
    // Nothing listens there: the read fails at once, after the document client marshalled its input.
    const nowhere = {
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      maxAttempts: 1,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    };
    const backend = awsBackend({
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/jobs',
      deadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/jobs-dlq',
      tableName: 'jobs',
      sqsClient: new SQSClient(nowhere),
      dynamoClient: new DynamoDBClient(nowhere),
    });
    await expect(backend.store.get('job-1')).rejects.toThrow();
    expect(toAttributeValues({ ':list': [], ':map': { a: 1 } })).toEqual({
      ':list': { L: [] },
      ':map': { M: { a: { N: '1' } } },
    });
  });
});
