/**
 * The types of the `Longhaul` client's API: its options, what its methods take and return. A module of
 * their own so the client's parts (enqueue, reads, control, workflows) share them without importing the
 * class.
 */
import type { JobCounts, JobStatus } from '../core/job.js';
import type { Backend, QueueDepth } from '../core/ports.js';
import type { Priority } from '../core/priority.js';
import type { RetentionOptions } from '../core/retention.js';
import type { AnyTask, TaskArgs } from '../core/task.js';

/** Options of one `enqueue`. */
export interface EnqueueOptions {
  /**
   * Your own id for the job (1–128 characters). Enqueueing the same id again returns the existing job
   * instead of creating a second one, so a retried web request does not start the work twice.
   * 1–128 characters, not beginning with `#` (the prefix of Longhaul's own items): otherwise
   * `InvalidJobIdError`. The id of another task's job throws `JobConflictError`.
   */
  readonly jobId?: string;
  /**
   * Wait this long before the first attempt, in whole seconds, of any length (up to 5 years). Up to 900 s
   * the queue holds the message; longer waits need the backend's delay scheduler. Default 0. Not with
   * `runAt`.
   */
  readonly delaySeconds?: number;
  /**
   * A unique key (1–512 characters, per task): while a job of this task with this key is queued, running or
   * retrying, enqueueing returns that job (`created: false`, `matched: 'key'`) instead of a new one.
   * Overrides the task's `unique.key`. Needs `tracking: 'full'`. Default: the task's, or none.
   */
  readonly key?: string;
  /** With `key`: the key also blocks for this long after the holder was enqueued. Default: the task's, or 0. */
  readonly keyWindowMs?: number;
  /** Run at this time (a `Date` or epoch milliseconds); a time in the past runs at once. Not with `delaySeconds`. */
  readonly runAt?: Date | number;
  /** The job's priority. Default: the task's (`normal` unless it says otherwise). */
  readonly priority?: Priority;
}

/** Options of `waitForResult`. */
export interface WaitOptions {
  /** Give up (the job goes on) after this long. Default 30 000. */
  readonly timeoutMs?: number;
  /** How often the job is read. Default 250. */
  readonly pollIntervalMs?: number;
  /** Stops waiting early. */
  readonly signal?: AbortSignal;
}

/** A schedule's last succeeded run, as `latestScheduleResult` reads it. */
export interface LatestScheduleResult<TResult = unknown> {
  readonly schedule: string;
  /** The run's job (`<schedule>@<firing time>`). */
  readonly jobId: string;
  readonly result: TResult;
  readonly finishedAt: Date;
  /** The firing time the run was scheduled for: runs are ordered by it, not by when they finished. */
  readonly scheduledFor: Date;
}

/** What `stats` reports. */
export interface QueueStats {
  readonly counts: JobCounts;
  readonly depth: QueueDepth;
  /** The oldest job still waiting for its first attempt, if any. */
  readonly oldestQueued?: { readonly id: string; readonly enqueuedAt: number; readonly ageMs: number };
}

/** A dead-letter queue message, with what Longhaul can tell about it. */
export interface DeadLetter {
  readonly messageId: string;
  /** The job it belongs to, from its attributes or its body. */
  readonly jobId?: string;
  readonly task?: string;
  /** The error code and message Longhaul attached; absent when SQS's redrive policy moved it. */
  readonly code?: string;
  readonly message?: string;
  readonly sentAt: number;
  readonly body: string;
}

/** Which dead letters `redrive` moves back, and how it reports. */
export interface RedriveOptions {
  readonly task?: string;
  readonly jobId?: string;
  /** At most this many. Default: all. */
  readonly limit?: number;
  /** The total shown to `onProgress`. Default: the dead-letter queue's approximate depth. */
  readonly total?: number;
  readonly onProgress?: (progress: { done: number; total: number }) => void;
}

/** What `redrive` did. */
export interface RedriveResult {
  /** Ids of the jobs sent back to work. */
  readonly redriven: readonly string[];
  /** Dead letters left where they were (not chosen, or naming no job). */
  readonly left: number;
}

/** Which finished jobs `purge` deletes. */
export interface PurgeOptions {
  readonly status: JobStatus;
  /** Only jobs enqueued at least this long ago (milliseconds). */
  readonly olderThanMs: number;
  readonly task?: string;
  readonly onProgress?: (progress: { deleted: number }) => void;
}

/**
 * How much a producer writes. `full` (default): `enqueue` writes the job's record, so `getJob` finds a
 * queued job at once (3 DynamoDB writes per successful job). `lean`: `enqueue` only sends the message and
 * the worker's claim creates the record (2 writes per job); until a worker claims it, `getJob` throws
 * `JobNotFoundError` and listings do not show it.
 */
export type Tracking = 'full' | 'lean';

/** What `new Longhaul(...)` takes. */
export interface LonghaulOptions {
  readonly backend: Backend;
  /** Default `full`. */
  readonly tracking?: Tracking;
  /**
   * How long the jobs this client cancels are kept (`cancelledMs`), and a job whose `retry` could not be
   * sent (`failedMs`). Workers apply their own retention to the jobs they finish. Defaults: 7 days
   * cancelled, 30 days failed.
   */
  readonly retention?: RetentionOptions;
}

/** A reference to an enqueued job that remembers the task's result type. */
export interface JobHandle<TResult = unknown> {
  readonly id: string;
  readonly task: string;
  /** False when `jobId` named a job that already existed. */
  readonly created: boolean;
  /** Type-only marker of the result type. */
  readonly __result?: TResult;
  /** When `created` is false: the existing job had the `jobId`, or holds the unique `key`. */
  readonly matched?: 'jobId' | 'key';
}

/** The rest of `enqueue`'s parameters: the task's arguments (optional when it takes none), then the options. */
export type EnqueueParams<T extends AnyTask> =
  undefined extends TaskArgs<T>
    ? [args?: TaskArgs<T>, options?: EnqueueOptions]
    : [args: TaskArgs<T>, options: EnqueueOptions] | [args: TaskArgs<T>];
