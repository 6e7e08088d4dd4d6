/**
 * The pointer to a schedule's last succeeded run, and the one rule that orders runs: by the firing time
 * each run was scheduled for, not by when it finished. A slow run fired at 12:00 that finishes after
 * the 12:05 run must not replace it (the page would go back to older figures), and finish times order
 * exactly that case wrongly. The firing time is fixed per run (it is in the job id), so the order is
 * the same on every worker and every redelivery. Within one firing (a redelivery, or an operator's
 * `retry` of that run), the later finish wins, and an equal one writes the same pointer again.
 */
import { type JobRecord, JobStatus } from './job.js';
import type { ScheduleResultPointer } from './ports.js';

/** Whether `candidate` may replace `current` as the schedule's latest run. */
export function replacesLatest(
  candidate: Pick<ScheduleResultPointer, 'scheduledFor' | 'finishedAt'>,
  current: Pick<ScheduleResultPointer, 'scheduledFor' | 'finishedAt'> | undefined,
): boolean {
  if (current === undefined) return true;
  if (candidate.scheduledFor !== current.scheduledFor) return candidate.scheduledFor > current.scheduledFor;
  return candidate.finishedAt >= current.finishedAt;
}

/** The pointer a succeeded run of a schedule leaves; undefined for any other job. */
export function scheduleResultPointerOf(job: JobRecord): ScheduleResultPointer | undefined {
  if (job.status !== JobStatus.succeeded || job.schedule === undefined || job.finishedAt === undefined) {
    return undefined;
  }
  return {
    schedule: job.schedule,
    jobId: job.id,
    scheduledFor: job.enqueuedAt,
    finishedAt: job.finishedAt,
    // An offloaded result stays in its object: the pointer names it, so the item stays small.
    result: job.resultRef ? null : (job.result ?? null),
    ...(job.resultRef ? { resultRef: job.resultRef } : {}),
  };
}
