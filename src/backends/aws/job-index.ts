/**
 * The job table's sharded index keys. Each index partition key is a value (a status, a task) plus `#`
 * and a shard number derived from the job id, so no single partition takes every write of a busy
 * status. Readers query all shards of a value and merge them newest first.
 */
import type { JobStatus } from '../../core/job.js';
import { jobTable } from '../../core/names.js';

const shardNames = Array.from({ length: jobTable.indexShards }, (_, i) => String(i).padStart(2, '0'));

/** The shard of a job: FNV-1a of its id, modulo the shard count. Stable for the job's whole life. */
export function shardOf(id: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return shardNames[(hash >>> 0) % jobTable.indexShards] as string;
}

/** Every partition key an index spreads `value` over. */
export function shardKeys(value: string): string[] {
  return shardNames.map((shard) => `${value}#${shard}`);
}

export function statusShardKey(status: JobStatus, id: string): string {
  return `${status}#${shardOf(id)}`;
}

export function taskShardKey(task: string, id: string): string {
  return `${task}#${shardOf(id)}`;
}

/** The `by-time` index has no value: its shards are the partitions. */
export function timeShardKey(id: string): string {
  return `all#${shardOf(id)}`;
}

/** The index attributes of a job item. */
export function indexAttributes(job: {
  id: string;
  status: JobStatus;
  task: string;
}): Record<string, string> {
  return {
    [jobTable.statusIndex.partitionKey]: statusShardKey(job.status, job.id),
    [jobTable.taskIndex.partitionKey]: taskShardKey(job.task, job.id),
    [jobTable.timeIndex.partitionKey]: timeShardKey(job.id),
  };
}

/** Attributes that exist only for the indexes, never part of a `JobRecord`. */
export const indexOnlyAttributes: readonly string[] = [
  jobTable.statusIndex.partitionKey,
  jobTable.taskIndex.partitionKey,
  jobTable.timeIndex.partitionKey,
];

/** An index entry: enough to order and fetch a job. */
export interface IndexKey {
  readonly id: string;
  readonly enqueuedAt: number;
}
