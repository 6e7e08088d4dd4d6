/**
 * Hooks: your code, called after the worker wrote a job's new status. They run at least once per
 * status change (a redelivery after a crash may run one again: key side effects by `info.jobId`), and a
 * hook that throws is logged and changes nothing about the job.
 */
import type { SerializedError } from './errors.js';

/** What a hook learns about the job besides its result or error. */
export interface HookInfo {
  readonly jobId: string;
  readonly task: string;
  /** The attempt that ended, 1 for the first. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** The workflow the job belongs to, if any. */
  readonly workflowId?: string;
}

/** Hooks on a task (`defineTask({ onSuccess, ... })`) or on every task of a worker (`hooks`). */
export interface JobHooks<TResult = unknown> {
  /** The job succeeded; `result` is what was stored. */
  readonly onSuccess?: (result: TResult, info: HookInfo) => void | Promise<void>;
  /** An attempt failed, whether it will be retried or not: for metrics and logs. */
  readonly onFailure?: (error: SerializedError, info: HookInfo) => void | Promise<void>;
  /** The job failed for good (no retry left, or unrecoverable): for alerting. */
  readonly onFinalFailure?: (error: SerializedError, info: HookInfo) => void | Promise<void>;
}
