/**
 * Job counts kept by a DynamoDB Streams aggregator, so reading them is one GetItem however many jobs
 * there are. The aggregator (a Lambda function the CDK construct deploys, see `createCountsHandler`)
 * turns each batch of stream records into count changes (a new job: +1 for its status; a status change:
 * -1 old, +1 new; a deleted job: -1) and applies the whole batch in one transaction with a marker item,
 * so a batch Lambda retries after its write succeeded is not counted twice. The job's own writes are
 * untouched: counting costs one transaction (4 write units) per batch of up to `countsStream.batchSize`
 * stream records. The marker is its own item, not an attribute of the counts item: it must outlive every
 * retry of its batch, and an UpdateItem pays for the whole item, so markers piling up there would make
 * every batch dearer; marker items expire by TTL for free.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { emptyStatusCounts, type JobCounts, type JobStatus, jobStatuses } from '../../core/job.js';
import { jobTable } from '../../core/names.js';

/** The item holding the counts, beside the jobs (no status: in no index, skipped by listings). */
export const countsKey = '#counts';
/**
 * The counts item's revision: every batch the aggregator applies adds one, so a rebuild can write its
 * recount only if no batch was applied while it counted (see `rebuildJobCounts`).
 */
export const countsRevision = 'rev';
/** Prefix of the per-batch marker items, which expire after two days (streams keep records one day). */
const batchMarkerPrefix = '#counts#batch#';
const markerLifetimeSeconds = 2 * 24 * 3600;

/** A DynamoDB stream record as Lambda delivers it (the parts the aggregator reads). */
export interface JobStreamRecord {
  readonly eventID?: string;
  readonly eventName?: 'INSERT' | 'MODIFY' | 'REMOVE' | string;
  readonly dynamodb?: {
    readonly OldImage?: Record<string, AttributeValue>;
    readonly NewImage?: Record<string, AttributeValue>;
  };
}

/** Counter attribute names: `n:<status>` overall, `t:<status>:<task>` per task. */
function statusCounter(status: string): string {
  return `n:${status}`;
}
function taskCounter(status: string, task: string): string {
  return `t:${status}:${task}`;
}

/** What a stream image says about a job: its status and task, or undefined for any other item. */
function jobOf(
  image: Record<string, AttributeValue> | undefined,
): { status: string; task: string } | undefined {
  if (!image) return undefined;
  const id = image[jobTable.partitionKey]?.S;
  const status = image.status?.S;
  const task = image.task?.S;
  if (!id || id.startsWith('#') || !status || !task) return undefined;
  return { status, task };
}

/** The count changes a batch of stream records makes, by counter name; zero changes are left out. */
export function countDeltas(records: readonly JobStreamRecord[]): Map<string, number> {
  const deltas = new Map<string, number>();
  const add = (name: string, by: number) => deltas.set(name, (deltas.get(name) ?? 0) + by);
  for (const record of records) {
    const before = jobOf(record.dynamodb?.OldImage);
    const after = jobOf(record.dynamodb?.NewImage);
    if (before && after && before.status === after.status && before.task === after.task) continue;
    if (before) {
      add(statusCounter(before.status), -1);
      add(taskCounter(before.status, before.task), -1);
    }
    if (after) {
      add(statusCounter(after.status), 1);
      add(taskCounter(after.status, after.task), 1);
    }
  }
  for (const [name, delta] of deltas) if (delta === 0) deltas.delete(name);
  return deltas;
}

/**
 * Applies a batch's count changes once: the counts update and a marker item named after the batch's
 * records are one transaction, and the marker must not exist yet. Resolves false when the batch was
 * already applied.
 */
export async function applyCountDeltas(
  client: DynamoDBDocumentClient,
  tableName: string,
  records: readonly JobStreamRecord[],
  now = Date.now(),
): Promise<boolean> {
  const deltas = countDeltas(records);
  if (deltas.size === 0) return true;
  const batchId = createHash('sha256')
    .update(records.map((r) => r.eventID ?? '').join('\n'))
    .digest('hex')
    .slice(0, 32);
  const names: Record<string, string> = {};
  const values: Record<string, number> = {};
  const adds = [...deltas].map(([name, delta], i) => {
    names[`#c${i}`] = name;
    values[`:d${i}`] = delta;
    return `#c${i} :d${i}`;
  });
  names['#rev'] = countsRevision;
  values[':one'] = 1;
  adds.push('#rev :one');
  try {
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: {
                [jobTable.partitionKey]: `${batchMarkerPrefix}${batchId}`,
                [jobTable.ttlAttribute]: Math.floor(now / 1000) + markerLifetimeSeconds,
              },
              ConditionExpression: 'attribute_not_exists(#id)',
              ExpressionAttributeNames: { '#id': jobTable.partitionKey },
            },
          },
          {
            Update: {
              TableName: tableName,
              Key: { [jobTable.partitionKey]: countsKey },
              UpdateExpression: `ADD ${adds.join(', ')}`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
        ],
      }),
    );
    return true;
  } catch (error) {
    const reasons = (error as TransactionCanceledException).CancellationReasons;
    if (error instanceof TransactionCanceledException && reasons?.[0]?.Code === 'ConditionalCheckFailed') {
      return false;
    }
    throw error;
  }
}

/**
 * The counts item holding exactly `counts` at revision `revision`: every status's counter, and the
 * per-task counters that are not zero.
 */
export function itemFromCounts(counts: JobCounts, revision: number): Record<string, unknown> {
  const item: Record<string, unknown> = {
    [jobTable.partitionKey]: countsKey,
    [countsRevision]: revision,
  };
  for (const status of jobStatuses) item[statusCounter(status)] = counts.byStatus[status];
  for (const [task, byStatus] of Object.entries(counts.byTask)) {
    for (const status of jobStatuses) {
      if (byStatus[status] !== 0) item[taskCounter(status, task)] = byStatus[status];
    }
  }
  return item;
}

/** Reads the counts item into `JobCounts`; undefined when no aggregator has written it. */
export function countsFromItem(item: Record<string, unknown> | undefined, at: number): JobCounts | undefined {
  if (!item) return undefined;
  const byStatus = emptyStatusCounts();
  const byTask: Record<string, Record<JobStatus, number>> = {};
  const known = new Set<string>(jobStatuses);
  for (const [name, value] of Object.entries(item)) {
    const count = Number(value);
    if (!Number.isFinite(count)) continue;
    const overall = /^n:([a-z]+)$/.exec(name);
    if (overall && known.has(overall[1] as string)) {
      byStatus[overall[1] as JobStatus] = count;
      continue;
    }
    const perTask = /^t:([a-z]+):(.+)$/.exec(name);
    if (perTask && known.has(perTask[1] as string) && count !== 0) {
      const task = byTask[perTask[2] as string] ?? emptyStatusCounts();
      task[perTask[1] as JobStatus] = count;
      byTask[perTask[2] as string] = task;
    }
  }
  return { byStatus, byTask, at, source: 'counters' };
}
