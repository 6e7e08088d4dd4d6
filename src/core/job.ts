import type { SerializedError } from './errors.js';
import type { JobHandoff } from './handoff.js';
import type { PayloadRef } from './payload.js';
import type { Priority } from './priority.js';
import type { WorkflowRef } from './workflow-ref.js';

/**
 * The states of a job. `scheduled` waits for its run time (`runAt`: a delayed enqueue); `retrying` waits
 * for its next attempt (its message is hidden for the backoff); `succeeded`, `failed` and `cancelled` are
 * final: nothing moves a job out of them but an explicit `retry`.
 *
 * ```text
 * scheduled ──(runAt)──┐
 *   │                  ▼
 *   │               queued ──▶ running ──▶ succeeded
 *   │                  │          │  ▲
 *   │                  │          ▼  │
 *   │                  │        retrying ──▶ (running again)
 *   ▼                  ▼          │
 * cancelled ◀──────────┘        failed ──(retry)──▶ queued
 * ```
 *
 * A scheduled job is claimed straight from `scheduled` when its message arrives: it never needs a write
 * to become `queued`, so waiting costs nothing.
 */
export const JobStatus = {
  scheduled: 'scheduled',
  queued: 'queued',
  running: 'running',
  retrying: 'retrying',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
/** One of the statuses in {@link JobStatus}. */
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** Every status, in lifecycle order. */
export const jobStatuses: readonly JobStatus[] = Object.values(JobStatus);

const finalStatuses: ReadonlySet<JobStatus> = new Set([
  JobStatus.succeeded,
  JobStatus.failed,
  JobStatus.cancelled,
]);

/** True for statuses a job never leaves on its own. */
export function isFinalStatus(status: JobStatus): boolean {
  return finalStatuses.has(status);
}

/** Statuses from which a worker may start an attempt (besides a running job whose lease expired). */
export const claimableStatuses: readonly JobStatus[] = [
  JobStatus.scheduled,
  JobStatus.queued,
  JobStatus.retrying,
];

/** Statuses `cancel` applies to: the job has not started, or waits between attempts. */
export const cancellableStatuses: readonly JobStatus[] = [
  JobStatus.scheduled,
  JobStatus.queued,
  JobStatus.retrying,
];

/** Statuses `retry` applies to. */
export const retryableStatuses: readonly JobStatus[] = [JobStatus.failed, JobStatus.cancelled];

/** What a task reported about how far it got. */
export interface JobProgress {
  /** From 0 to 1. */
  readonly fraction: number;
  readonly message?: string;
}

/** Levels of a job's log lines. */
export const LogLevel = { info: 'info', warn: 'warn', error: 'error' } as const;
/** One of the levels in {@link LogLevel}. */
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** One line a task logged through its context. */
export interface JobLogLine {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly level: LogLevel;
  readonly message: string;
}

/** One entry of a job's status history. */
export interface JobEvent {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly status: JobStatus;
  readonly attempt: number;
  readonly workerId?: string;
  /** Set when the event records a failure. */
  readonly error?: Pick<SerializedError, 'code' | 'message'>;
  /**
   * Set on the end of an attempt a stopping worker handed back: it is not counted in `attempts`, and
   * the next `running` event starts the same attempt number again.
   */
  readonly interrupted?: true;
}

/**
 * A job as stored. Times are epoch milliseconds. `TArgs`/`TResult` are the task's types when the record
 * comes through a typed handle, `unknown` otherwise.
 */
export interface JobRecord<TArgs = unknown, TResult = unknown> {
  readonly id: string;
  readonly task: string;
  readonly status: JobStatus;
  readonly args: TArgs;
  /**
   * Attempts started so far (a lost or timed-out attempt counts; one interrupted by a stopping worker
   * does not: see `interruptions`).
   */
  readonly attempts: number;
  /**
   * Attempts handed back by a stopping worker (shutdown past its grace period), which run again without
   * using up the retry budget. Absent when none were. Past `maxInterruptions` the job fails.
   */
  readonly interruptions?: number;
  /** The task's retry budget when the job was enqueued: attempts it may start in all. */
  readonly maxAttempts: number;
  readonly enqueuedAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly heartbeatAt?: number;
  /** While running: when the current attempt's lock lapses unless renewed. */
  readonly leaseExpiresAt?: number;
  /** While retrying: when the next attempt becomes due. */
  readonly nextAttemptAt?: number;
  /** While running: the token of the current claim, which every write of the attempt must present. */
  readonly leaseToken?: string;
  /** The schedule this job is a run of, if any. */
  readonly schedule?: string;
  /** The worker running (or that last ran) the job. */
  readonly workerId?: string;
  readonly progress?: JobProgress;
  readonly result?: TResult;
  /** The last attempt's error (for `retrying`) or the final one (for `failed`). */
  readonly error?: SerializedError;
  /** The job's message was moved to the dead-letter queue. */
  readonly deadLettered?: boolean;
  readonly logs: readonly JobLogLine[];
  readonly history: readonly JobEvent[];
  /** The workflow this job belongs to, kept so a `retry` of the job carries its continuation again. */
  readonly workflow?: WorkflowRef;
  /**
   * While running: when an operator asked to cancel the job. Its worker aborts the attempt at its next
   * heartbeat and the job ends `cancelled`. Kept on the finished job as a fact.
   */
  readonly cancelRequestedAt?: number;
  /** While running past the queue's visibility ceiling: the move to a fresh message under way. */
  readonly handoff?: JobHandoff;
  /** The job's unique key, when it was enqueued with one (`enqueue(..., { key })` or the task's `unique`). */
  readonly key?: string;
  /** The last time the job waited for a concurrency or rate limit instead of starting. */
  readonly limited?: JobLimited;
  /** Set when the arguments were offloaded to the payload store; `args` is then null in listings. */
  readonly argsRef?: PayloadRef;
  /** Set when the result was offloaded to the payload store; `result` is then null in listings. */
  readonly resultRef?: PayloadRef;
  /** Epoch milliseconds after which the finished job is treated as deleted (its retention is over). */
  readonly expiresAt?: number;
  /** A delayed job's run time: when its message becomes due (status `scheduled` until then). */
  readonly runAt?: number;
  /** The job's priority, when not `normal` (its message went to that priority's queue). */
  readonly priority?: Priority;
}

/** Why and until when a job waited for a limit (its message was sent again with a delay). */
export interface JobLimited {
  readonly by: 'concurrency' | 'rate';
  /** The limit's name: the task's, or `<task>#<key>` for a per-key limit. */
  readonly limit: string;
  /** Epoch milliseconds: when it decided to wait. */
  readonly at: number;
  /** Epoch milliseconds: when the job's message comes back. */
  readonly until: number;
}

/** A filter for listing jobs. */
export interface JobQuery {
  readonly status?: JobStatus;
  readonly task?: string;
  /** Only jobs enqueued before this time (epoch milliseconds), e.g. for purging old jobs. */
  readonly enqueuedBefore?: number;
  /** Page size, 1–1000. Default 50. */
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** One page of jobs, newest first. */
export interface JobPage {
  readonly jobs: readonly JobRecord[];
  /** Present when more jobs may match; the page it leads to can be empty. */
  readonly nextCursor?: string;
}

/** How many jobs are in each status, overall and per task. */
export interface JobCounts {
  readonly byStatus: Readonly<Record<JobStatus, number>>;
  /** Task name → its jobs by status; tasks with no jobs are absent. */
  readonly byTask: Readonly<Record<string, Readonly<Record<JobStatus, number>>>>;
  /** When the counts were taken (epoch milliseconds). */
  readonly at: number;
  /**
   * `exact`: counted now (the embedded backend, or a scan of the DynamoDB table); `counters`: read from the
   * counters a DynamoDB Streams aggregator keeps, a second or so behind the jobs.
   */
  readonly source: 'exact' | 'counters';
}

/** A count of zero for every status. */
export function emptyStatusCounts(): Record<JobStatus, number> {
  return Object.fromEntries(jobStatuses.map((status) => [status, 0])) as Record<JobStatus, number>;
}

/** Counts being built: one more job of `task` in `status`. */
export function countJob(
  counts: { byStatus: Record<JobStatus, number>; byTask: Record<string, Record<JobStatus, number>> },
  task: string,
  status: JobStatus,
): void {
  counts.byStatus[status]++;
  const perTask = counts.byTask[task] ?? emptyStatusCounts();
  perTask[status]++;
  counts.byTask[task] = perTask;
}
