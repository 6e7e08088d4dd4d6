import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { defineTask, EnqueueError, Longhaul } from 'longhaul';
import {
  awsBackend,
  awsBackendFromEnv,
  createClients,
  createJobResources,
  createS3Client,
  deleteJobResources,
  type JobResources,
  S3PayloadStore,
} from 'longhaul/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { environmentOf, uniquePrefix } from '../support/backends.js';
import { serveUntil, testWorker } from '../support/serve.js';

// What only S3 and DynamoDB themselves can show: the objects really are in the bucket, as JSON under the
// payloads/ prefix, and the message and item carry the reference, not the payload.
describe('large payloads in S3 on the emulator', () => {
  const clients = createClients();
  const s3Client = createS3Client();
  let resources: JobResources;
  beforeAll(async () => {
    resources = await createJobResources({
      ...clients,
      s3Client,
      payloadBucket: true,
      prefix: uniquePrefix('integration/s3-payloads'),
      visibilityTimeoutSeconds: 2,
    });
  });
  afterAll(async () => {
    await deleteJobResources({ ...clients, s3Client }, resources);
  });

  const shout = defineTask({
    name: 'shout',
    args: z.object({ text: z.string() }),
    async run({ text }) {
      return text.toUpperCase();
    },
  });

  it('writes arguments and results as JSON objects and keeps them out of the message and the item', async () => {
    // The backend as a deployed worker builds it: from the variables the construct sets.
    const backend = awsBackendFromEnv({ ...process.env, ...environmentOf(resources) });
    expect(backend.payloads).toBeInstanceOf(S3PayloadStore);
    const longhaul = new Longhaul({ backend });
    const text = 'quiet '.repeat(40_000);
    const handle = await longhaul.enqueue(shout, { text });

    const [message] =
      (
        await clients.sqsClient.send(
          new ReceiveMessageCommand({ QueueUrl: resources.queueUrl, VisibilityTimeout: 0 }),
        )
      ).Messages ?? [];
    expect(message?.Body?.length).toBeLessThan(1_000);
    expect(JSON.parse(message?.Body ?? '{}').argsRef.key).toMatch(new RegExp(`^${handle.id}/args-`));

    await serveUntil(testWorker(backend, [shout]), async () => {
      return (await longhaul.getJob(handle.id)).status === 'succeeded';
    });
    const listing = await s3Client.send(
      new ListObjectsV2Command({ Bucket: resources.payloadBucketName, Prefix: `payloads/${handle.id}/` }),
    );
    const keys = (listing.Contents ?? []).map((object) => object.Key).sort();
    expect(keys).toEqual([
      expect.stringMatching(/\/args-[0-9a-f]{16}\.json$/),
      expect.stringMatching(/\/result-1-[0-9a-f-]{36}\.json$/),
    ]);
    const resultObject = await s3Client.send(
      new GetObjectCommand({ Bucket: resources.payloadBucketName, Key: keys[1] }),
    );
    expect(resultObject.ContentType).toBe('application/json');
    expect(JSON.parse((await resultObject.Body?.transformToString('utf8')) ?? 'null')).toBe(
      text.toUpperCase(),
    );

    const item = await clients.dynamoClient.send(
      new GetItemCommand({ TableName: resources.tableName, Key: { id: { S: handle.id } } }),
    );
    expect(item.Item?.args).toEqual({ NULL: true });
    expect(item.Item?.result).toEqual({ NULL: true });
    expect(item.Item?.argsRef?.M?.key?.S).toBe(keys[0]?.replace('payloads/', ''));
    expect(item.Item?.resultRef?.M?.key?.S).toBe(keys[1]?.replace('payloads/', ''));
    // The TTL attribute is in epoch seconds, as DynamoDB requires.
    const ttl = Number(item.Item?.expiresAt?.N);
    expect(ttl).toBeLessThan(Date.now() / 100);
    expect(ttl * 1000).toBeGreaterThan(Date.now());
    expect(await longhaul.waitForResult(handle)).toBe(text.toUpperCase());
    backend.sqsClient.destroy();
    backend.dynamoClient.destroy();
  });

  it("counts the backend's S3 requests: one write per offloaded payload", async () => {
    const backend = awsBackendFromEnv({ ...process.env, ...environmentOf(resources) });
    const longhaul = new Longhaul({ backend });
    backend.requests.reset();
    await longhaul.enqueue(shout, { text: 'x'.repeat(200_000) });
    await longhaul.enqueue(shout, { text: 'small' });
    expect(backend.requests.snapshot().s3).toEqual({ PutObject: 1 });
  });

  it('creates no job when the bucket refuses the arguments: EnqueueError, nothing sent', async () => {
    const backend = awsBackend({
      queueUrl: resources.queueUrl,
      deadLetterQueueUrl: resources.deadLetterQueueUrl,
      tableName: resources.tableName,
      ...clients,
      payloads: { bucketName: `${resources.payloadBucketName}-missing`, client: s3Client },
    });
    const longhaul = new Longhaul({ backend });
    const error = await longhaul
      .enqueue(shout, { text: 'x'.repeat(200_000) }, { jobId: 'refused-by-s3' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(EnqueueError);
    expect(error).toMatchObject({ context: { jobId: 'refused-by-s3', sent: false } });
    expect((error as Error).cause).toMatchObject({ name: 'NoSuchBucket' });
    expect(await backend.store.get('refused-by-s3')).toBeUndefined();
    const { Messages = [] } = await clients.sqsClient.send(
      new ReceiveMessageCommand({ QueueUrl: resources.queueUrl, VisibilityTimeout: 0, WaitTimeSeconds: 0 }),
    );
    expect(Messages.filter((m) => m.Body?.includes('refused-by-s3'))).toEqual([]);
  });
});
