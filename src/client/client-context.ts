/**
 * What the parts of the `Longhaul` client share: the backend and the settings its constructor resolved,
 * and the steps several parts take (read a stored job, send a job's message, publish status changes).
 */

import type { DelayPlan } from '../core/delay.js';
import type { RecordWriter } from '../core/envelope.js';
import { EnqueueError, JobNotFoundError } from '../core/errors.js';
import type { JobRecord } from '../core/job.js';
import { publishChanges, stateChangeOf } from '../core/job-events.js';
import { jobIdProblem } from '../core/job-id.js';
import { jsonLogger } from '../core/logger.js';
import type { Backend } from '../core/ports.js';
import type { Retention } from '../core/retention.js';
import type { JobHandle, Tracking } from './client-types.js';
import { deliver } from './delivery.js';
import type { PayloadOffload } from './payload-offload.js';

/** The client's state, built once by `new Longhaul(...)`; it never changes afterwards. */
export interface ClientContext {
  readonly backend: Backend;
  readonly tracking: Tracking;
  readonly payloads: PayloadOffload;
  readonly retention: Retention;
}

/** Delivery at once, for `retry`. */
export const atOnce: DelayPlan = { kind: 'none' };

/** The record as stored: offloaded payloads are null beside their references. */
export async function storedJob(ctx: ClientContext, job: string | JobHandle<unknown>): Promise<JobRecord> {
  const id = typeof job === 'string' ? job : job.id;
  checkReadableId(id);
  const record = await ctx.backend.store.get(id);
  if (!record) throw new JobNotFoundError(id);
  return record;
}

/**
 * Throws {@link JobNotFoundError} for an id no job can have: one beginning with the prefix of Longhaul's
 * own items (a limit's slots, a key's hold), which must never be read, cancelled or retried as a job.
 */
export function checkReadableId(id: string): void {
  if (jobIdProblem(id) === 'reserved-prefix') throw new JobNotFoundError(id);
}

/** Sends the job's message. Throws {@link EnqueueError} when the queue refuses it. */
export async function sendJob(
  ctx: ClientContext,
  job: JobRecord,
  plan: DelayPlan,
  record: RecordWriter = 'producer',
): Promise<void> {
  try {
    await deliver(ctx.backend, [job], plan, record);
  } catch (cause) {
    throw new EnqueueError(job.id, cause, { sent: false });
  }
}

/** Publishes the jobs' current status when the backend has events; a failure is only logged. */
export async function publishJobs(ctx: ClientContext, jobs: readonly JobRecord[]): Promise<void> {
  await publishChanges(
    ctx.backend.events,
    jobs.map((job) => stateChangeOf(job)),
    jsonLogger,
  );
}
