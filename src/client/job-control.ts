/**
 * What `Longhaul` changes about jobs it did not just enqueue: cancel one, run a failed or cancelled one
 * again, delete old finished ones.
 */
import { ConfigError, serializeError } from '../core/errors.js';
import { isFinalStatus, type JobRecord, JobStatus } from '../core/job.js';
import { expiryOf } from '../core/retention.js';
import {
  atOnce,
  type ClientContext,
  checkReadableId,
  publishJobs,
  sendJob,
  storedJob,
} from './client-context.js';
import type { PurgeOptions } from './client-types.js';
import { cancelDelivery } from './delivery.js';

/** Cancels the job, or asks its worker to when it runs; see `Longhaul.cancel`. */
export async function cancelJob(ctx: ClientContext, id: string): Promise<JobRecord> {
  checkReadableId(id);
  const at = Date.now();
  const job = await ctx.backend.store.cancel(id, at, expiryOf(JobStatus.cancelled, at, ctx.retention));
  // A running job's cancel is only a request: its worker publishes the change when the job ends.
  if (job.status === JobStatus.cancelled) {
    await cancelDelivery(ctx.backend, job);
    await publishJobs(ctx, [job]);
  }
  return job;
}

/** Puts the job back to queued and sends its message again; see `Longhaul.retry`. */
export async function retryJob(ctx: ClientContext, id: string): Promise<JobRecord> {
  const current = await storedJob(ctx, id);
  if (current.status === JobStatus.queued) {
    await sendJob(ctx, current, atOnce);
    return current;
  }
  if (current.argsRef) await ctx.payloads.refresh(current.argsRef);
  const job = await ctx.backend.store.requeue(id, Date.now());
  try {
    await sendJob(ctx, job, atOnce);
  } catch (error) {
    // Put the job back to failed rather than leave it queued with no message.
    await ctx.backend.store
      .reject({
        id,
        task: job.task,
        maxAttempts: job.maxAttempts,
        guard: { kind: 'unstarted' },
        error: serializeError(error),
        deadLettered: false,
        at: Date.now(),
        expiresAt: expiryOf(JobStatus.failed, Date.now(), ctx.retention),
      })
      .catch(() => false);
    throw error;
  }
  await publishJobs(ctx, [job]);
  return job;
}

/** Deletes old finished jobs; see `Longhaul.purge`. */
export async function purgeJobs(ctx: ClientContext, options: PurgeOptions): Promise<{ deleted: number }> {
  if (!isFinalStatus(options.status)) {
    throw new ConfigError(
      `Expected \`status\` to be succeeded, failed or cancelled (jobs still going are never purged), got \`${options.status}\``,
    );
  }
  if (!Number.isFinite(options.olderThanMs) || options.olderThanMs < 0) {
    throw new ConfigError(
      `Expected \`olderThanMs\` to be a duration of 0 or more, got \`${options.olderThanMs}\``,
    );
  }
  const enqueuedBefore = Date.now() - options.olderThanMs;
  let deleted = 0;
  let cursor: string | undefined;
  do {
    // A cursor is a position (enqueue time and id), so deleting the jobs of a page leaves it valid. A
    // page may be short or empty with a cursor when the listing reached its read bound: page on.
    const page = await ctx.backend.store.list({
      status: options.status,
      ...(options.task ? { task: options.task } : {}),
      enqueuedBefore,
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    if (page.jobs.length > 0) {
      const removed = await ctx.backend.store.remove(page.jobs.map((job) => job.id));
      deleted += removed.length;
      options.onProgress?.({ deleted });
    }
    cursor = page.nextCursor;
  } while (cursor);
  return { deleted };
}
