/**
 * Pages of jobs, newest first, from the sharded indexes (by status, by task, or every job by time),
 * the index keys merged across shards and the page's items read in batches.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { JobPage, JobQuery, JobRecord } from '../../core/job.js';
import { type jobIndexes, jobTable } from '../../core/names.js';
import { decodeCursor, encodeCursor, resolvePageSize } from '../../core/paging.js';
import { isExpired } from '../../core/retention.js';
import { fromItem } from './dynamo-job-item.js';
import type { JobTable } from './dynamo-job-table.js';
import { type IndexKey, shardKeys } from './job-index.js';

/** One page of the jobs `query` asks for, newest first (see `DynamoJobStore.list` for how). */
export async function listJobs(table: JobTable, query: JobQuery): Promise<JobPage> {
  const limit = resolvePageSize(query.limit);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const index =
    query.status !== undefined
      ? { spec: jobTable.statusIndex, value: query.status }
      : query.task !== undefined
        ? { spec: jobTable.taskIndex, value: query.task }
        : { spec: jobTable.timeIndex, value: 'all' };
  const before = Math.min(
    after ? after.enqueuedAt : Number.POSITIVE_INFINITY,
    query.enqueuedBefore !== undefined ? query.enqueuedBefore - 1 : Number.POSITIVE_INFINITY,
  );
  const isAfterCursor = (key: IndexKey) =>
    !after || key.enqueuedAt < after.enqueuedAt || (key.enqueuedAt === after.enqueuedAt && key.id < after.id);
  const taskFilter = query.status !== undefined && query.task !== undefined ? query.task : undefined;

  const perShard = await Promise.all(
    shardKeys(index.value).map((partition) =>
      queryShard(table, index.spec, partition, before, limit, isAfterCursor, taskFilter),
    ),
  );
  const candidates = perShard
    .flatMap((shard) => shard.keys)
    .sort((a, b) => b.enqueuedAt - a.enqueuedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const page = candidates.slice(0, limit);
  const more = candidates.length > limit || perShard.some((shard) => shard.more);
  const items = await batchGet(
    table,
    page.map((key) => key.id),
  );
  const jobs = page
    .map((key) => items.get(key.id))
    .filter((job): job is JobRecord => job !== undefined && !isExpired(job))
    .filter(
      (job) =>
        (query.status === undefined || job.status === query.status) &&
        (query.task === undefined || job.task === query.task),
    );
  const last = page.at(-1);
  return {
    jobs,
    ...(more && last ? { nextCursor: encodeCursor({ enqueuedAt: last.enqueuedAt, id: last.id }) } : {}),
  };
}

/** Up to `limit` keys of one index shard, newest first, after the cursor. */
async function queryShard(
  table: JobTable,
  spec: (typeof jobIndexes)[number],
  partition: string,
  before: number,
  limit: number,
  isAfterCursor: (key: IndexKey) => boolean,
  task: string | undefined,
): Promise<{ keys: IndexKey[]; more: boolean }> {
  const keys: IndexKey[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const output = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: spec.name,
        KeyConditionExpression: Number.isFinite(before) ? '#pk = :pk AND #sk <= :before' : '#pk = :pk',
        ...(task !== undefined ? { FilterExpression: '#task = :task' } : {}),
        ExpressionAttributeNames: {
          '#pk': spec.partitionKey,
          ...(Number.isFinite(before) ? { '#sk': spec.sortKey } : {}),
          ...(task !== undefined ? { '#task': 'task' } : {}),
        },
        ExpressionAttributeValues: {
          ':pk': partition,
          ...(Number.isFinite(before) ? { ':before': before } : {}),
          ...(task !== undefined ? { ':task': task } : {}),
        },
        ScanIndexForward: false,
        Limit: limit - keys.length + 1,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      } satisfies QueryCommandInput),
    );
    for (const item of output.Items ?? []) {
      const key = { id: String(item[jobTable.partitionKey]), enqueuedAt: Number(item[spec.sortKey]) };
      if (isAfterCursor(key)) keys.push(key);
    }
    startKey = output.LastEvaluatedKey;
  } while (startKey && keys.length < limit);
  return { keys: keys.slice(0, limit), more: keys.length > limit || startKey !== undefined };
}

/** Reads items by id, 100 per request, retrying what DynamoDB leaves unprocessed. */
async function batchGet(table: JobTable, ids: readonly string[]): Promise<Map<string, JobRecord>> {
  const found = new Map<string, JobRecord>();
  for (let i = 0; i < ids.length; i += 100) {
    let keys: Record<string, unknown>[] | undefined = ids
      .slice(i, i + 100)
      .map((id) => ({ [jobTable.partitionKey]: id }));
    for (let round = 0; keys?.length && round < 8; round++) {
      if (round > 0) await sleep(25 * 2 ** round);
      const output = await table.client.send(
        new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of output.Responses?.[table.tableName] ?? []) {
        const job = fromItem(item);
        found.set(job.id, job);
      }
      keys = output.UnprocessedKeys?.[table.tableName]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return found;
}
