/**
 * What the HTTP routes show of a job: its state, progress, timing and outcome, with ISO times. Never the
 * worker's internals (lease, worker id, history) and never the arguments unless the app opts in per task.
 */
import type { JobLogLine, JobProgress, JobRecord, JobStatus } from '../core/job.js';

/** A job as the HTTP routes and the event stream show it. Times are ISO 8601 strings. */
export interface JobView {
  readonly id: string;
  readonly task: string;
  readonly status: JobStatus;
  /** The task's last report: `fraction` from 0 to 1, and an optional message. */
  readonly progress?: JobProgress;
  /** Attempts started so far. */
  readonly attempts: number;
  /** Attempts the job may start in all. */
  readonly maxAttempts: number;
  readonly enqueuedAt: string;
  /** A delayed job's run time. */
  readonly runAt?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Set when someone asked to cancel the running job; it ends `cancelled` at its worker's next heartbeat. */
  readonly cancelRequestedAt?: string;
  /** The task's result, once the job succeeded. */
  readonly result?: unknown;
  /** The last attempt's error (while `retrying`) or the final one (`failed`), without its stack. */
  readonly error?: { readonly name: string; readonly code?: string; readonly message: string };
  /** The arguments, only for tasks the app allowed with `includeArgs: true`. */
  readonly args?: unknown;
}

/** One log line as the event stream sends it. */
export interface JobViewLogLine {
  readonly at: string;
  readonly level: JobLogLine['level'];
  readonly message: string;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The view of a record; `includeArgs` adds its arguments. */
export function toJobView(job: JobRecord, options: { readonly includeArgs: boolean }): JobView {
  const optional: Record<string, unknown> = {
    progress: job.progress ? { ...job.progress } : undefined,
    runAt: iso(job.runAt),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    cancelRequestedAt: iso(job.cancelRequestedAt),
    result: job.status === 'succeeded' ? (job.result ?? null) : undefined,
    error: job.error ? { name: job.error.name, code: job.error.code, message: job.error.message } : undefined,
    args: options.includeArgs ? (job.args ?? null) : undefined,
  };
  return {
    id: job.id,
    task: job.task,
    status: job.status,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    enqueuedAt: new Date(job.enqueuedAt).toISOString(),
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  } as JobView;
}

/** A log line with its ISO time. */
export function toLogLine(line: JobLogLine): JobViewLogLine {
  return { at: new Date(line.at).toISOString(), level: line.level, message: line.message };
}
