/**
 * How many jobs there are of each status and task, and the oldest of a status: what `Longhaul.counts()`
 * and `Longhaul.stats()` (so `longhaul stats` and the dashboard) read.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { CountsChangedError } from '../../core/errors.js';
import { countJob, emptyStatusCounts, type JobCounts, type JobStatus, jobStatuses } from '../../core/job.js';
import { jobTable } from '../../core/names.js';
import type { JobTable } from './dynamo-job-table.js';
import { countsFromItem, countsKey, countsRevision, itemFromCounts } from './job-counts.js';
import { type IndexKey, shardKeys } from './job-index.js';

/** The counters the stream aggregator keeps, else {@link countJobsFromIndex}. */
export async function readJobCounts(table: JobTable): Promise<JobCounts> {
  const output = await table.client.send(
    new GetCommand({
      TableName: table.tableName,
      Key: { [jobTable.partitionKey]: countsKey },
      ConsistentRead: true,
    }),
  );
  return countsFromItem(output.Item, Date.now()) ?? (await countJobsFromIndex(table));
}

/** Exact counts from every shard of every status in the status index (see `DynamoJobStore.countFromIndex`). */
export async function countJobsFromIndex(table: JobTable): Promise<JobCounts> {
  const byStatus = emptyStatusCounts();
  const byTask: Record<string, Record<JobStatus, number>> = {};
  await Promise.all(
    jobStatuses.flatMap((status) =>
      shardKeys(status).map(async (partition) => {
        let startKey: Record<string, unknown> | undefined;
        do {
          const output = await table.client.send(
            new QueryCommand({
              TableName: table.tableName,
              IndexName: jobTable.statusIndex.name,
              KeyConditionExpression: '#pk = :pk',
              ProjectionExpression: '#task',
              ExpressionAttributeNames: { '#pk': jobTable.statusIndex.partitionKey, '#task': 'task' },
              ExpressionAttributeValues: { ':pk': partition },
              ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            }),
          );
          for (const item of output.Items ?? []) countJob({ byStatus, byTask }, String(item.task), status);
          startKey = output.LastEvaluatedKey;
        } while (startKey);
      }),
    ),
  );
  return { byStatus, byTask, at: Date.now(), source: 'exact' };
}

/** How many recounts a rebuild makes when the aggregator applies changes while it counts. */
const rebuildAttempts = 3;

/**
 * Recounts the jobs from the status index ({@link countJobsFromIndex}) and overwrites the counts item
 * with the result, in one PutItem conditional on the item's revision being the one read before the
 * recount: if the aggregator applied a batch meanwhile, the recount is dropped and made again (up to
 * three times, then `CountsChangedError`), so a batch is never both in the recount and lost from the
 * counters. What the condition cannot see: the index and the stream both trail the table by about a
 * second, so a job that changed status in that second before the write may be counted once too often
 * or too few; on a queue at rest the result is exact.
 */
export async function rebuildJobCounts(table: JobTable): Promise<JobCounts> {
  const names = { '#rev': countsRevision };
  for (let attempt = 1; attempt <= rebuildAttempts; attempt++) {
    const before = await table.client.send(
      new GetCommand({
        TableName: table.tableName,
        Key: { [jobTable.partitionKey]: countsKey },
        ConsistentRead: true,
        ProjectionExpression: '#rev',
        ExpressionAttributeNames: names,
      }),
    );
    const revision = before.Item?.[countsRevision];
    const counts = await countJobsFromIndex(table);
    try {
      await table.client.send(
        new PutCommand({
          TableName: table.tableName,
          Item: itemFromCounts(counts, (typeof revision === 'number' ? revision : 0) + 1),
          ...(typeof revision === 'number'
            ? { ConditionExpression: '#rev = :rev', ExpressionAttributeValues: { ':rev': revision } }
            : { ConditionExpression: 'attribute_not_exists(#rev)' }),
          ExpressionAttributeNames: names,
        }),
      );
      return counts;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  throw new CountsChangedError(rebuildAttempts);
}

/** The oldest job of `status`: the first key of each of its shards, one one-item query per shard. */
export async function oldestJob(table: JobTable, status: JobStatus): Promise<IndexKey | undefined> {
  const { statusIndex } = jobTable;
  const firsts = await Promise.all(
    shardKeys(status).map(async (partition) => {
      const output = await table.client.send(
        new QueryCommand({
          TableName: table.tableName,
          IndexName: statusIndex.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': statusIndex.partitionKey },
          ExpressionAttributeValues: { ':pk': partition },
          ScanIndexForward: true,
          Limit: 1,
        }),
      );
      const item = output.Items?.[0];
      return (
        item && { id: String(item[jobTable.partitionKey]), enqueuedAt: Number(item[statusIndex.sortKey]) }
      );
    }),
  );
  return firsts.reduce<IndexKey | undefined>(
    (first, key) => (key && (!first || key.enqueuedAt < first.enqueuedAt) ? key : first),
    undefined,
  );
}
