// The job as `longhaul/http` sends it to a browser, typed for the client. The browser client cannot
// import the server's modules (it must bundle without Node built-ins or npm packages), so it states the
// wire shape here; test/unit/browser-job-view.test.ts checks that the server's `JobView` still fits it.
import type { ValidationIssue } from '../core/errors.js';
import type { JobStatus, LogLevel } from '../core/job.js';

/** How far the task got, as it last reported. */
export interface JobViewProgress {
  /** From 0 to 1. */
  readonly fraction: number;
  readonly message?: string;
}

/** Why a job failed (or why its last attempt did, while it retries). */
export interface JobViewError {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
}

/** One line the task logged. */
export interface JobViewLogLine {
  /** ISO 8601. */
  readonly at: string;
  readonly level: LogLevel;
  readonly message: string;
}

/** A job as the server shows it; `TResult` is the task's result type. Times are ISO 8601 strings. */
export interface JobView<TResult = unknown> {
  readonly id: string;
  readonly task: string;
  readonly status: JobStatus;
  readonly progress?: JobViewProgress;
  /** Attempts started so far. */
  readonly attempts: number;
  /** Attempts the job may start in all. */
  readonly maxAttempts: number;
  readonly enqueuedAt: string;
  /** A delayed job's run time. */
  readonly runAt?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Someone asked to cancel the running job: it ends `cancelled` at its worker's next heartbeat. */
  readonly cancelRequestedAt?: string;
  /** Set once the job succeeded. */
  readonly result?: TResult;
  readonly error?: JobViewError;
  /** Only when the app's handler opts in with `includeArgs`. */
  readonly args?: unknown;
}

/** The first event of a stream: the job and every log line so far. */
export interface JobSnapshot<TResult = unknown> extends JobView<TResult> {
  readonly logs: readonly JobViewLogLine[];
}

/** A schedule's last succeeded run, as `GET <prefix>/schedules/<name>/latest` answers. */
export interface LatestScheduleResultView<TResult = unknown> {
  readonly schedule: string;
  /** The run's job id. */
  readonly jobId: string;
  readonly result: TResult;
  /** When the run finished, ISO 8601. */
  readonly finishedAt: string;
  /** The firing time the run was scheduled for, ISO 8601: runs are ordered by it, not by when they finished. */
  readonly scheduledFor: string;
}

/** A JSON error answer of `longhaul/http`. */
export interface HttpErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly issues?: readonly ValidationIssue[];
  };
}
