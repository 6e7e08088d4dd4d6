/**
 * What `Longhaul` reads: one job (with its offloaded payloads), its result once it is final, its log
 * lines as they are written, and the queue's stats.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { JobFailedError, WaitTimeoutError } from '../core/errors.js';
import { isFinalStatus, type JobLogLine, type JobRecord, JobStatus } from '../core/job.js';
import { type ClientContext, storedJob } from './client-context.js';
import type { JobHandle, LatestScheduleResult, QueueStats, WaitOptions } from './client-types.js';

/** The job with its offloaded arguments and result read back; see `Longhaul.getJob`. */
export async function readJob<TResult>(
  ctx: ClientContext,
  job: string | JobHandle<TResult>,
): Promise<JobRecord<unknown, TResult>> {
  const record = await storedJob(ctx, job);
  return (await ctx.payloads.resolve(record, { args: true, result: true })) as JobRecord<unknown, TResult>;
}

/** Polls the job until it is final; see `Longhaul.waitForResult`. */
export async function waitForJobResult<TResult>(
  ctx: ClientContext,
  job: string | JobHandle<TResult>,
  options: WaitOptions,
): Promise<TResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Polls the bare record: the arguments are never read, the result only once it is there.
    const record = await storedJob(ctx, job);
    if (record.status === JobStatus.succeeded) {
      return (await ctx.payloads.resolve(record, { args: false, result: true })).result as TResult;
    }
    if (isFinalStatus(record.status)) throw new JobFailedError(record.id, record.status, record.error);
    if (Date.now() >= deadline) throw new WaitTimeoutError(record.id, timeoutMs, record.status);
    options.signal?.throwIfAborted();
    await sleep(Math.min(pollIntervalMs, Math.max(0, deadline - Date.now())), undefined, {
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
}

/** The job's log lines as they are written; see `Longhaul.followLogs`. */
export async function* followJobLogs(
  ctx: ClientContext,
  id: string,
  options: { signal?: AbortSignal; pollIntervalMs?: number; fromStart?: boolean },
): AsyncGenerator<JobLogLine> {
  let job = await storedJob(ctx, id);
  let seen = options.fromStart === false ? job.logs.length : 0;
  for (;;) {
    for (const line of job.logs.slice(seen)) yield line;
    seen = Math.max(seen, job.logs.length);
    if (isFinalStatus(job.status) || options.signal?.aborted) return;
    try {
      await sleep(
        options.pollIntervalMs ?? 1_000,
        undefined,
        options.signal ? { signal: options.signal } : {},
      );
    } catch {
      return;
    }
    job = await storedJob(ctx, id);
  }
}

/** The schedule's last succeeded run, from its pointer item; see `Longhaul.latestScheduleResult`. */
export async function readLatestScheduleResult<TResult>(
  ctx: ClientContext,
  schedule: string,
): Promise<LatestScheduleResult<TResult> | undefined> {
  const pointer = await ctx.backend.store.latestScheduleResult(schedule);
  if (!pointer) return undefined;
  const result = pointer.resultRef ? await ctx.payloads.read(pointer.resultRef) : pointer.result;
  return {
    schedule: pointer.schedule,
    jobId: pointer.jobId,
    result: result as TResult,
    finishedAt: new Date(pointer.finishedAt),
    scheduledFor: new Date(pointer.scheduledFor),
  };
}

/** Counts, queue depth and the oldest waiting job; see `Longhaul.stats`. */
export async function queueStats(ctx: ClientContext): Promise<QueueStats> {
  const [counts, depth, oldest] = await Promise.all([
    ctx.backend.store.counts(),
    ctx.backend.transport.depth(),
    ctx.backend.store.oldest(JobStatus.queued),
  ]);
  const at = Date.now();
  return {
    counts,
    depth,
    ...(oldest
      ? { oldestQueued: { id: oldest.id, enqueuedAt: oldest.enqueuedAt, ageMs: at - oldest.enqueuedAt } }
      : {}),
  };
}
