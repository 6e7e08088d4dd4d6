/**
 * Where a job sits in the job table's indexes (see `jobTable` in names.ts): its shard, and the attention
 * state it is listed under, if any. Pure, so the AWS backend writes and the embedded backend lists by
 * the same rules.
 */
import type { JobStatus } from './job.js';
import { type AttentionState, jobTable } from './names.js';

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

const listedWhileIn: ReadonlySet<JobStatus> = new Set(['failed', 'cancelled', 'retrying', 'scheduled']);

/**
 * The attention state a job in `status` is listed under, or undefined when it has no attention entry.
 * A running job has one only once its attempt outlived the first lease extension (`longRunning`).
 */
export function attentionStateOf(status: JobStatus, longRunning: boolean): AttentionState | undefined {
  if (listedWhileIn.has(status)) return status as AttentionState;
  return status === 'running' && longRunning ? 'running' : undefined;
}

/** True when a listing by `status` reads the attention index alone: it holds every such job. */
export function isAttentionListed(status: JobStatus): boolean {
  return listedWhileIn.has(status);
}
