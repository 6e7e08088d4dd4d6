/**
 * How many jobs there are of each status and task, and the oldest of a status: what `Longhaul.counts()`
 * and `Longhaul.stats()` (so `longhaul stats` and the dashboard) read.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { CountsChangedError } from '../../core/errors.js';
import { isAttentionListed, shardKeys } from '../../core/index-shards.js';
import { countJob, emptyStatusCounts, type JobCounts, type JobStatus, jobStatuses } from '../../core/job.js';
import type { IndexEntry } from '../../core/job-listing.js';
import { type AttentionState, jobTable } from '../../core/names.js';
import { dynamoListingReads } from './dynamo-job-listing.js';
import type { JobTable } from './dynamo-job-table.js';
import { countsFromItem, countsKey, countsRevision, itemFromCounts } from './job-counts.js';

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

/** How many segments a recount scans in parallel. */
const countSegments = 4;

/**
 * Exact counts from a scan of the table (see `DynamoJobStore.countFromIndex`): no index is keyed on the
 * status any more, so only the items know it. Items that are not jobs (keys starting with `#`) are left
 * out by the filter, and expired jobs TTL has not deleted yet count until it does.
 */
export async function countJobsFromIndex(table: JobTable): Promise<JobCounts> {
  const byStatus = emptyStatusCounts();
  const byTask: Record<string, Record<JobStatus, number>> = {};
  await Promise.all(
    Array.from({ length: countSegments }, async (_, segment) => {
      let startKey: Record<string, unknown> | undefined;
      do {
        const output = await table.client.send(
          new ScanCommand({
            TableName: table.tableName,
            Segment: segment,
            TotalSegments: countSegments,
            ProjectionExpression: '#status, #task',
            FilterExpression: 'NOT begins_with(#id, :reserved) AND attribute_exists(#status)',
            ExpressionAttributeNames: { '#status': 'status', '#task': 'task', '#id': jobTable.partitionKey },
            ExpressionAttributeValues: { ':reserved': jobTable.reservedKeyPrefix },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of output.Items ?? []) {
          if (isJobStatus(item.status)) countJob({ byStatus, byTask }, String(item.task), item.status);
        }
        startKey = output.LastEvaluatedKey;
      } while (startKey);
    }),
  );
  return { byStatus, byTask, at: Date.now(), source: 'exact' };
}

function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && (jobStatuses as readonly string[]).includes(value);
}

/** How many recounts a rebuild makes when the aggregator applies changes while it counts. */
const rebuildAttempts = 3;

/**
 * Recounts the jobs from a scan of the table ({@link countJobsFromIndex}) and overwrites the counts item
 * with the result, in one PutItem conditional on the item's revision being the one read before the
 * recount: if the aggregator applied a batch meanwhile, the recount is dropped and made again (up to
 * three times, then `CountsChangedError`), so a batch is never both in the recount and lost from the
 * counters. What the condition cannot see: the stream trails the table by about a
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

/** How many of the newest jobs `oldest` checks for a status the attention index does not hold. */
export const oldestSearchBound = 200;

/**
 * The oldest job of `status`. For a status the attention index holds in full (failed, cancelled,
 * retrying, scheduled), exact: the first entry of each shard, one one-item query per shard. For queued,
 * running and succeeded, the oldest of that status among the newest {@link oldestSearchBound} jobs (plus,
 * for running, the long-running ones): no index knows those statuses, and reading every job to find
 * the oldest queued one would be a scan. A backlog deeper than that shows its oldest job in the bound.
 */
export async function oldestJob(
  table: JobTable,
  status: JobStatus,
): Promise<{ id: string; enqueuedAt: number } | undefined> {
  const candidates: IndexEntry[] = [];
  if (isAttentionListed(status) || status === 'running') {
    candidates.push(...(await firstAttentionEntries(table, status as AttentionState)));
  }
  if (!isAttentionListed(status)) {
    const reads = dynamoListingReads(table);
    const stream = reads.entries([{ index: 'time' }], {
      atMost: Number.POSITIVE_INFINITY,
      expected: oldestSearchBound,
    });
    const newest: IndexEntry[] = [];
    for (let entry = await stream.next(); !entry.done && newest.length < oldestSearchBound; ) {
      newest.push(entry.value);
      if (newest.length < oldestSearchBound) entry = await stream.next();
    }
    const items = await reads.items(newest.map((entry) => entry.id));
    candidates.push(...newest.filter((entry) => items.get(entry.id)?.status === status));
  }
  const oldest = candidates.reduce<IndexEntry | undefined>(
    (first, key) => (!first || key.enqueuedAt < first.enqueuedAt ? key : first),
    undefined,
  );
  return oldest && { id: oldest.id, enqueuedAt: oldest.enqueuedAt };
}

async function firstAttentionEntries(table: JobTable, state: AttentionState): Promise<IndexEntry[]> {
  const { attentionIndex } = jobTable;
  const firsts = await Promise.all(
    shardKeys(state).map(async (partition) => {
      const output = await table.client.send(
        new QueryCommand({
          TableName: table.tableName,
          IndexName: attentionIndex.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': attentionIndex.partitionKey },
          ExpressionAttributeValues: { ':pk': partition },
          ScanIndexForward: true,
          Limit: 1,
        }),
      );
      const item = output.Items?.[0];
      return item
        ? [
            {
              id: String(item[jobTable.partitionKey]),
              enqueuedAt: Number(item[attentionIndex.sortKey]),
              task: '',
            },
          ]
        : [];
    }),
  );
  return firsts.flat();
}
