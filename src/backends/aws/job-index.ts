/**
 * The job table's index attributes (see `jobTable` in src/core/names.ts): the time shard every job has
 * from its creation and never changes, and the sparse attention shard a job has only while it is in a
 * state an operator hunts for.
 */
import { attentionStateOf, shardOf } from '../../core/index-shards.js';
import type { JobStatus } from '../../core/job.js';
import { type AttentionState, jobTable, legacyJobIndexes } from '../../core/names.js';
import type { UpdateExpression } from './update-expression.js';

/** The `by-time-v2` partition key: the index has no value, its shards are the partitions. */
export function timeShardKey(id: string): string {
  return `all#${shardOf(id)}`;
}

/** The `by-attention` partition key of a job in `state`. */
export function attentionShardKey(state: AttentionState, id: string): string {
  return `${state}#${shardOf(id)}`;
}

/**
 * The index attributes of a new job item: its time shard, and its attention shard when it is created in
 * an attention state (scheduled or delayed). A job created `queued` writes one index entry in its life
 * unless it later fails, retries, is cancelled or runs long.
 */
export function indexAttributes(job: {
  id: string;
  status: JobStatus;
  task: string;
}): Record<string, string> {
  const state = attentionStateOf(job.status, false);
  return {
    [jobTable.timeIndex.partitionKey]: timeShardKey(job.id),
    ...(state ? { [jobTable.attentionIndex.partitionKey]: attentionShardKey(state, job.id) } : {}),
  };
}

/** Attributes that exist only for the indexes, never part of a `JobRecord` (legacy ones included). */
export const indexOnlyAttributes: readonly string[] = [
  ...new Set([
    jobTable.timeIndex.partitionKey,
    jobTable.attentionIndex.partitionKey,
    ...legacyJobIndexes.map((index) => index.partitionKey),
  ]),
];

/**
 * Adds to `u` the attention attribute of a job entering `status`, in the same UpdateItem as the status:
 * SET when the state is listed, else REMOVE (free when the job had none, so a quick job's claim and
 * success write no index entry).
 */
export function enterStatus(u: UpdateExpression, status: JobStatus, id: string): UpdateExpression {
  const state = attentionStateOf(status, false);
  const attribute = jobTable.attentionIndex.partitionKey;
  return state ? u.set(attribute, attentionShardKey(state, id)) : u.remove(attribute);
}

/**
 * Lists a running job as long-running: on a lease extension, which writes the item anyway. Only when
 * missing, so later extensions leave the index alone.
 */
export function markLongRunning(u: UpdateExpression, id: string): UpdateExpression {
  return u.setIfMissing(jobTable.attentionIndex.partitionKey, attentionShardKey('running', id));
}
