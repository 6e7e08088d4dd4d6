// SQS error paths the emulator cannot produce (moto accepts stale receipts and has no 12-hour ceiling).
// A real SQSClient is used, with a middleware that throws the error SQS would answer before any request
// leaves the process: the narrow SDK stub the project allows for such cases.
import { SQSClient } from '@aws-sdk/client-sqs';
import type { QueueMessage } from 'longhaul';
import { SqsTransport } from 'longhaul/aws';
import { describe, expect, it } from 'vitest';

function transportAnswering(error: { name: string; message: string }): SqsTransport {
  const client = new SQSClient({
    region: 'us-east-1',
    endpoint: 'http://localhost:9',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  client.middlewareStack.add(
    () => async () => {
      throw Object.assign(new Error(error.message), { name: error.name });
    },
    { step: 'initialize', name: 'answerWithError' },
  );
  return new SqsTransport({
    client,
    queueUrl: 'http://localhost:9/1/q',
    deadLetterQueueUrl: 'http://localhost:9/1/dlq',
  });
}

const message: QueueMessage = {
  messageId: 'm1',
  body: '{}',
  receiveCount: 1,
  sentAt: 0,
  receipt: 'old-receipt',
};

describe('SqsTransport.changeVisibility', () => {
  it('reports a receipt that no longer holds the message as a lost lock', async () => {
    const transport = transportAnswering({
      name: 'InvalidParameterValue',
      message:
        'Value old-receipt for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.',
    });
    expect(await transport.changeVisibility(message, 30)).toBe(false);
  });

  it('reports MessageNotInflight as a lost lock', async () => {
    const transport = transportAnswering({ name: 'MessageNotInflight', message: 'Message not inflight' });
    expect(await transport.changeVisibility(message, 30)).toBe(false);
  });

  it('throws when the visibility would pass the 12-hour ceiling, which is no lost receipt', async () => {
    const transport = transportAnswering({
      name: 'InvalidParameterValue',
      message:
        'Value 60 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]',
    });
    await expect(transport.changeVisibility(message, 60)).rejects.toThrow(/beyond the limit/);
  });
});
