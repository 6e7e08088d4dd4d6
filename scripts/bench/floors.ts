// The two floors a user weighs Longhaul's cost against, measured rather than assumed: the requests the
// minimal code for each makes on the emulator, counted by the same request counter as Longhaul's.
//
// - SQS only: a producer sending with SendMessageBatch (10 a request) and a worker receiving up to 10
//   a request and deleting each batch with DeleteMessageBatch. No job record at all.
// - SQS plus a two-write job record without indexes, the shape of Powertools' idempotency record: a
//   conditional PutItem of an "in progress" item before the handler, an UpdateItem marking it completed
//   with the result after. No status listing, history, retries or counts.
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoWriteOperations, totalRequests } from 'longhaul';
import { motoBackend } from './shared.js';

export interface Floor {
  readonly id: 'sqsOnly' | 'sqsPlusRecord';
  readonly label: string;
  readonly jobs: number;
  /** Requests per job by operation. */
  readonly operations: Record<string, number>;
  readonly sqsRequests: number;
  readonly writeUnits: number;
}

/** Runs one floor's minimal loop over `jobs` messages and counts its requests per job. */
async function measureFloor(id: Floor['id'], jobs: number): Promise<Floor> {
  const made = await motoBackend(`floor-${id}`);
  const { sqsClient } = made.clients;
  const dynamo = DynamoDBDocumentClient.from(made.clients.dynamoClient);
  const { queueUrl, tableName } = made.resources;
  const counter = made.backend.requests;
  try {
    counter.reset();
    for (let start = 0; start < jobs; start += 10) {
      const entries = Array.from({ length: Math.min(10, jobs - start) }, (_, i) => ({
        Id: String(i),
        MessageBody: JSON.stringify({ id: `floor-${start + i}`, args: { i: start + i } }),
      }));
      await sqsClient.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
    let done = 0;
    while (done < jobs) {
      const { Messages = [] } = await sqsClient.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const message of Messages) {
        const body = JSON.parse(message.Body ?? '{}') as { id: string; args: unknown };
        if (id === 'sqsPlusRecord') {
          const expiration = Math.floor(Date.now() / 1000) + 3600;
          await dynamo.send(
            new PutCommand({
              TableName: tableName,
              Item: { id: body.id, status: 'INPROGRESS', expiration },
              ConditionExpression: 'attribute_not_exists(id)',
            }),
          );
          await dynamo.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { id: body.id },
              UpdateExpression: 'SET #status = :done, #data = :data',
              ExpressionAttributeNames: { '#status': 'status', '#data': 'data' },
              ExpressionAttributeValues: { ':done': 'COMPLETED', ':data': JSON.stringify(body.args) },
            }),
          );
        }
      }
      if (Messages.length) {
        await sqsClient.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
      done += Messages.length;
    }
    const counts = counter.snapshot();
    const operations: Record<string, number> = {};
    for (const service of ['sqs', 'dynamodb'])
      for (const [op, n] of Object.entries(counts[service] ?? {})) operations[op] = n / jobs;
    // Items of well under 1 KB: one write unit per write.
    const writes = Object.entries(counts.dynamodb ?? {})
      .filter(([op]) => dynamoWriteOperations.has(op))
      .reduce((sum, [, n]) => sum + n, 0);
    return {
      id,
      label:
        id === 'sqsOnly'
          ? 'SQS-only worker (batched send, receive and delete)'
          : 'SQS + a two-write job record, no indexes (Powertools idempotency shape)',
      jobs,
      operations,
      sqsRequests: totalRequests(counts, 'sqs') / jobs,
      writeUnits: writes / jobs,
    };
  } finally {
    await made.dispose();
  }
}

/** Both floors, measured over `jobs` messages each. */
export async function measureFloors(jobs: number): Promise<Floor[]> {
  return [await measureFloor('sqsOnly', jobs), await measureFloor('sqsPlusRecord', jobs)];
}
