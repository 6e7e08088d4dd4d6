// The counts aggregator against the emulator's real DynamoDB stream: jobs run on a table whose stream
// is on, the stream's records are read with the DynamoDB Streams API and handed to the aggregator in
// Lambda-sized batches (one of them twice, as a Lambda retry would), and the counters must equal an
// exact count from the status index.
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { CountsChangedError, Longhaul } from 'longhaul';
import { awsBackend, createJobResources, deleteJobResources, type JobResources } from 'longhaul/aws';
import { createCountsHandler, type JobStreamRecord } from 'longhaul/lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../support/backends.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';
import { makeTasks } from '../support/tasks.js';

const sqsClient = new SQSClient({ useQueueUrlAsEndpoint: false });
const dynamoClient = new DynamoDBClient({});
let resources: JobResources;

beforeAll(async () => {
  resources = await createJobResources({
    sqsClient,
    dynamoClient,
    prefix: uniquePrefix('integration/job-counts'),
    stream: true,
  });
});
afterAll(async () => {
  if (resources) await deleteJobResources({ sqsClient, dynamoClient }, resources);
});

async function streamRecords(tableName: string): Promise<_Record[]> {
  const { Table } = await dynamoClient.send(new DescribeTableCommand({ TableName: tableName }));
  const streams = new DynamoDBStreamsClient({});
  const { StreamDescription } = await streams.send(
    new DescribeStreamCommand({ StreamArn: Table?.LatestStreamArn as string }),
  );
  const records: _Record[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: Table?.LatestStreamArn as string,
        ShardId: shard.ShardId as string,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    while (ShardIterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
      records.push(...(page.Records ?? []));
      if (!page.Records?.length) break;
      ShardIterator = page.NextShardIterator;
    }
  }
  return records;
}

describe('the counts aggregator on the emulator', () => {
  it('keeps counters equal to an exact count, applying a retried batch once', async () => {
    const backend = awsBackend({ ...resources, sqsClient, dynamoClient });
    const longhaul = new Longhaul({ backend });
    const { tasks, all } = makeTasks();
    const ids = [
      (await longhaul.enqueue(tasks.add, { a: 1, b: 2 })).id,
      (await longhaul.enqueue(tasks.add, { a: 3, b: 4 })).id,
      (await longhaul.enqueue(tasks.doomed, { unrecoverable: true })).id,
    ];
    await serveUntil(testWorker(backend, all), async () => {
      const jobs = await Promise.all(ids.map((id) => longhaul.getJob(id)));
      return jobs.every((job) => job.status === 'succeeded' || job.status === 'failed');
    });
    await longhaul.enqueue(tasks.add, { a: 5, b: 6 });
    await longhaul.cancel((await longhaul.enqueue(tasks.add, { a: 7, b: 8 })).id);
    expect(await longhaul.purge({ status: 'succeeded', olderThanMs: 0, task: 'math.add' })).toEqual({
      deleted: 2,
    });

    const exact = await backend.store.countFromIndex();
    expect(exact.byStatus).toMatchObject({ queued: 1, failed: 1, cancelled: 1, succeeded: 0 });
    // Before the aggregator writes anything, counts() falls back to the exact count.
    expect(await longhaul.counts()).toMatchObject({ source: 'exact', byStatus: exact.byStatus });

    const records = await eventually(async () => {
      const found = await streamRecords(resources.tableName);
      return found.length > 0 ? found : undefined;
    });
    const handler = createCountsHandler({ tableName: resources.tableName });
    const batches: JobStreamRecord[][] = [];
    for (let i = 0; i < records.length; i += 7) batches.push(records.slice(i, i + 7) as JobStreamRecord[]);
    for (const batch of batches) await handler({ Records: batch });
    // Lambda retries a batch whose invocation failed after the write: it must not count twice.
    await handler({ Records: batches[0] as JobStreamRecord[] });

    const counted = await longhaul.counts();
    expect(counted.source).toBe('counters');
    expect(counted.byStatus).toEqual(exact.byStatus);
    expect(counted.byTask).toEqual(exact.byTask);
  });

  describe('a rebuild racing the aggregator', () => {
    // The aggregator applies a batch (of a made-up job, so only the counters move) right after the
    // rebuild has read the counts item's revision, as a concurrent invocation would.
    const racing = (races: number) => {
      const client = new DynamoDBClient({});
      const handler = createCountsHandler({ tableName: resources.tableName });
      let raced = 0;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          const input = args.input as { ProjectionExpression?: string };
          if (context.commandName === 'GetItemCommand' && input.ProjectionExpression === '#rev') {
            if (raced < races) {
              raced++;
              const image = { id: { S: `racer-${raced}` }, status: { S: 'running' }, task: { S: 'racer' } };
              await handler({
                Records: [
                  {
                    eventID: `race-${Date.now()}-${raced}`,
                    eventName: 'INSERT',
                    dynamodb: { NewImage: image },
                  },
                ],
              });
            }
          }
          return result;
        },
        { step: 'initialize', name: 'raceTheAggregator' },
      );
      return { backend: awsBackend({ ...resources, sqsClient, dynamoClient: client }), raced: () => raced };
    };
    const revision = async () =>
      (
        await DynamoDBDocumentClient.from(dynamoClient).send(
          new GetCommand({ TableName: resources.tableName, Key: { id: '#counts' }, ConsistentRead: true }),
        )
      ).Item?.rev as number | undefined;

    it('recounts when a batch was applied while it counted, and writes the recount', async () => {
      const race = racing(1);
      const before = (await revision()) ?? 0;
      const rebuilt = await race.backend.store.rebuildCounts();
      expect(race.raced()).toBe(1);
      const exact = await race.backend.store.countFromIndex();
      expect(rebuilt.byStatus).toEqual(exact.byStatus);
      expect(rebuilt.byTask.racer).toBeUndefined();
      // One for the racing batch, one for the rebuild that won on its second recount.
      expect(await revision()).toBe(before + 2);
      expect((await race.backend.store.counts()).byTask).toEqual(exact.byTask);
    });

    it('gives up with CountsChangedError, writing nothing, when every recount is raced', async () => {
      const race = racing(3);
      const before = (await revision()) ?? 0;
      await expect(race.backend.store.rebuildCounts()).rejects.toBeInstanceOf(CountsChangedError);
      expect(race.raced()).toBe(3);
      // Only the three racing batches moved the counters.
      expect(await revision()).toBe(before + 3);
      expect((await race.backend.store.counts()).byTask.racer?.running).toBe(3);
    });
  });
});
