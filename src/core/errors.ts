// The whole error tree in one module, past the usual length on purpose: every code sits beside its class,
// so a reader sees the full list of what Longhaul can raise or record on a job in one place.
import { limits } from './limits.js';

/**
 * Every error Longhaul raises or records on a job is a {@link LonghaulError}: it carries a stable
 * string `code` that scripts and dashboards can switch on, an optional `cause`, and context.
 */

/** The stable codes of Longhaul's errors. A job's recorded `error.code` is one of these or a task's own. */
export const ErrorCode = {
  config: 'invalid_config',
  unknownTask: 'unknown_task',
  invalidArgs: 'invalid_args',
  malformedMessage: 'malformed_message',
  resultTooLarge: 'result_too_large',
  invalidResult: 'invalid_result',
  payloadTooLarge: 'payload_too_large',
  unrecoverable: 'unrecoverable',
  timeout: 'timeout',
  workerLost: 'worker_lost',
  workerShutdown: 'worker_shutdown',
  invocationDeadline: 'invocation_deadline',
  scheduleOverlap: 'schedule_overlap',
  jobNotFound: 'job_not_found',
  jobConflict: 'job_conflict',
  lockLost: 'lock_lost',
  waitTimeout: 'wait_timeout',
  jobFailed: 'job_failed',
  enqueueFailed: 'enqueue_failed',
  taskError: 'task_error',
  workflowNotFound: 'workflow_not_found',
  invalidWorkflow: 'invalid_workflow',
  eventsFailed: 'events_failed',
  cancelled: 'cancelled',
  isolateExited: 'isolate_exited',
  invalidKey: 'invalid_key',
  payloadUnavailable: 'payload_unavailable',
  tooManyInterruptions: 'too_many_interruptions',
  countsChanged: 'counts_changed',
  unexpectedRecord: 'unexpected_record',
  invalidJobId: 'invalid_job_id',
} as const;
/** One of the codes in {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options shared by every Longhaul error. */
export interface LonghaulErrorOptions {
  /** The underlying error, kept for logs and stack traces. */
  readonly cause?: unknown;
  /** Facts that help an operator: job id, task name, limits and values. Never secrets. */
  readonly context?: Readonly<Record<string, unknown>>;
}

/**
 * The base of every error Longhaul throws.
 *
 * @example
 * try { await longhaul.getJob(id) } catch (e) { if (e instanceof LonghaulError && e.code === 'job_not_found') ... }
 */
export class LonghaulError extends Error {
  readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: LonghaulErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = options.context ?? {};
  }
}

/** Options or props that break a documented rule. Thrown at construction, never silently corrected. */
export class ConfigError extends LonghaulError {
  constructor(message: string, options?: LonghaulErrorOptions) {
    super(ErrorCode.config, message, options);
  }
}

/** A message names a task that this worker does not have registered. Never resolved by import. */
export class UnknownTaskError extends LonghaulError {
  constructor(taskName: string, known: readonly string[]) {
    super(
      ErrorCode.unknownTask,
      `Task "${taskName}" is not registered with this worker (registered: ${known.join(', ') || 'none'})`,
      { context: { task: taskName } },
    );
  }
}

/** One problem a schema reported, with the path to the offending value. */
export interface ValidationIssue {
  readonly message: string;
  readonly path: readonly (string | number)[];
}

/** A task's arguments failed its schema, at enqueue or when the worker received them. */
export class InvalidArgsError extends LonghaulError {
  readonly issues: readonly ValidationIssue[];

  constructor(taskName: string, issues: readonly ValidationIssue[]) {
    const summary = issues
      .slice(0, 5)
      .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
      .join('; ');
    super(ErrorCode.invalidArgs, `Arguments for task "${taskName}" failed validation: ${summary}`, {
      context: { task: taskName },
    });
    this.issues = issues;
  }
}

/** A queue message that is not a Longhaul envelope (bad JSON, wrong version, missing fields). */
export class MalformedMessageError extends LonghaulError {
  constructor(reason: string, options?: LonghaulErrorOptions) {
    super(ErrorCode.malformedMessage, `Malformed job message: ${reason}`, options);
  }
}

/** A task returned a result that cannot be stored on its job. */
export class ResultTooLargeError extends LonghaulError {
  constructor(taskName: string, bytes: number, limitBytes: number) {
    super(
      ErrorCode.resultTooLarge,
      `Result of task "${taskName}" is ${bytes} bytes serialized; the limit is ${limitBytes} bytes`,
      { context: { task: taskName, bytes, limitBytes } },
    );
  }
}

/** A task returned a value that is not JSON: cyclic, a BigInt, ... */
export class InvalidResultError extends LonghaulError {
  constructor(taskName: string, cause: unknown) {
    super(
      ErrorCode.invalidResult,
      `Result of task "${taskName}" cannot be serialized as JSON: ${String(cause)}`,
      {
        cause,
        context: { task: taskName },
      },
    );
  }
}

/** Arguments too large for the queue message or the job record. */
export class PayloadTooLargeError extends LonghaulError {
  constructor(what: string, bytes: number, limitBytes: number) {
    super(
      ErrorCode.payloadTooLarge,
      `${what} is ${bytes} bytes serialized; the limit is ${limitBytes} bytes`,
      {
        context: { bytes, limitBytes },
      },
    );
  }
}

/**
 * An offloaded payload (arguments or result) cannot be read back: no payload store is configured, its
 * object is gone (expired by the bucket's lifecycle rule, deleted), or it is not what the reference says.
 */
export class PayloadUnavailableError extends LonghaulError {
  constructor(key: string, reason: string, options: LonghaulErrorOptions = {}) {
    super(ErrorCode.payloadUnavailable, `Payload "${key}" is unavailable: ${reason}`, {
      ...options,
      context: { key, ...options.context },
    });
  }
}

/**
 * Throw this from a task to fail the job at once, without the remaining retries: for errors that
 * retrying cannot fix (a deleted account, a malformed document).
 *
 * @example
 * if (!user) throw new UnrecoverableError(`user ${args.userId} no longer exists`);
 */
export class UnrecoverableError extends LonghaulError {
  constructor(message: string, options?: LonghaulErrorOptions) {
    super(ErrorCode.unrecoverable, message, options);
  }
}

/** An attempt ran past its task's `timeoutMs`. Counts as a failed attempt. */
export class TaskTimeoutError extends LonghaulError {
  constructor(taskName: string, timeoutMs: number) {
    super(ErrorCode.timeout, `Task "${taskName}" did not finish within ${timeoutMs} ms`, {
      context: { task: taskName, timeoutMs },
    });
  }
}

/**
 * Aborts a running attempt whose job an operator cancelled (`longhaul.cancel`, `longhaul cancel`, the
 * dashboard). The job ends `cancelled`: no retry, no dead-letter queue.
 */
export class JobCancelledError extends LonghaulError {
  constructor(jobId: string) {
    super(ErrorCode.cancelled, `Job "${jobId}" was cancelled while it ran`, { context: { jobId } });
  }
}

/** An isolated function's thread or process exited (crashed, ran out of memory) without answering. */
export class IsolateExitedError extends LonghaulError {
  constructor(isolation: string, exit: string) {
    super(ErrorCode.isolateExited, `The isolated ${isolation} exited without a result (${exit})`, {
      context: { isolation, exit },
    });
  }
}

/** The worker running an attempt stopped heartbeating (crashed, killed, partitioned). */
export class WorkerLostError extends LonghaulError {
  constructor(workerId: string | undefined, attempt: number) {
    super(
      ErrorCode.workerLost,
      `Attempt ${attempt} was lost: worker ${workerId ?? '(unknown)'} stopped renewing its lock`,
      { context: { workerId, attempt } },
    );
  }
}

/**
 * A delivery found its job's record in a state the worker does not know (an unknown status, or running
 * with no lease): it cannot tell whether the job may run. After a few such deliveries the message is
 * dead-lettered with this reason; the record is left as it was found, for an operator to look at.
 *
 * @example
 * // the reason on a dead-lettered message: { code: 'unexpected_record', message: 'Job "j1" ...', jobId: 'j1' }
 */
export class UnexpectedRecordError extends LonghaulError {
  constructor(jobId: string, found: { readonly status: unknown; readonly attempts: unknown }) {
    super(
      ErrorCode.unexpectedRecord,
      `Job "${jobId}" has a record in an unexpected state (status ${JSON.stringify(found.status) ?? 'missing'}, attempts ${JSON.stringify(found.attempts) ?? 'missing'}); it was not run`,
      { context: { jobId, status: found.status, attempts: found.attempts } },
    );
  }
}

/**
 * Aborts an attempt when its worker stops and the grace period is over. The attempt is recorded as
 * interrupted, not failed: it does not use up the job's retries, and the job runs again at once.
 */
export class WorkerShutdownError extends LonghaulError {
  constructor() {
    super(ErrorCode.workerShutdown, 'The worker shut down before the attempt finished; it will run again');
  }
}

/**
 * Fails a job whose attempts were interrupted by stopping workers more than `maxInterruptions` times
 * (a stop or deploy loop): it ends `failed` and dead-lettered rather than running again forever.
 */
export class TooManyInterruptionsError extends LonghaulError {
  constructor(jobId: string, interruptions: number, max: number) {
    super(
      ErrorCode.tooManyInterruptions,
      `Job ${jobId} was interrupted by a stopping worker ${interruptions} times, more than the ${max} allowed; check for workers stopped in a loop or a shutdown grace period shorter than the task`,
      { context: { jobId, interruptions, max } },
    );
  }
}

/**
 * Aborts an attempt that a Lambda invocation cannot finish before its own timeout. Unlike a worker
 * shutdown it counts as a failed attempt, so a task too long for Lambda ends failed, not in a loop.
 */
export class InvocationDeadlineError extends LonghaulError {
  constructor(remainingMs: number) {
    super(
      ErrorCode.invocationDeadline,
      `The Lambda invocation was about to time out (${remainingMs} ms left); the attempt was stopped and its message handed back. Raise the function's timeout or run this task on a long-running worker.`,
      { context: { remainingMs } },
    );
  }
}

/** A scheduled run with overlap policy `skip` found the schedule's previous run still unfinished. */
export class ScheduleOverlapError extends LonghaulError {
  constructor(schedule: string, previousJobId: string) {
    super(
      ErrorCode.scheduleOverlap,
      `Skipped: the previous run of schedule "${schedule}" (job ${previousJobId}) has not finished`,
      { context: { schedule, previousJobId } },
    );
  }
}

/** No job with this id exists (or it has expired). */
export class JobNotFoundError extends LonghaulError {
  constructor(jobId: string) {
    super(ErrorCode.jobNotFound, `No job with id "${jobId}"`, { context: { jobId } });
  }
}

/** An operation does not apply to the job's current status (e.g. cancelling a running job). */
export class JobConflictError extends LonghaulError {
  constructor(jobId: string, operation: string, status: string) {
    super(ErrorCode.jobConflict, `Cannot ${operation} job "${jobId}": it is ${status}`, {
      context: { jobId, operation, status },
    });
  }
}

/** This worker no longer owns the job: another attempt superseded it. Its writes are refused. */
export class LockLostError extends LonghaulError {
  constructor(jobId: string, attempt: number) {
    super(ErrorCode.lockLost, `Lost the lock on job "${jobId}" (attempt ${attempt})`, {
      context: { jobId, attempt },
    });
  }
}

/** `waitForResult` gave up before the job finished. The job itself goes on. */
export class WaitTimeoutError extends LonghaulError {
  constructor(jobId: string, timeoutMs: number, status: string) {
    super(ErrorCode.waitTimeout, `Job "${jobId}" is still ${status} after waiting ${timeoutMs} ms`, {
      context: { jobId, timeoutMs, status },
    });
  }
}

/** `waitForResult` on a job that ended failed or cancelled; `jobError` is the recorded error. */
export class JobFailedError extends LonghaulError {
  readonly jobError: SerializedError | undefined;

  constructor(jobId: string, status: string, jobError: SerializedError | undefined) {
    super(ErrorCode.jobFailed, `Job "${jobId}" ended ${status}${jobError ? `: ${jobError.message}` : ''}`, {
      context: { jobId, status },
    });
    this.jobError = jobError;
  }
}

/**
 * `enqueue` could not complete. With `context.sent: false` the message was not sent and no job exists;
 * with `sent: true` the message was sent but the job record not written: the job will still run (its
 * worker writes the record), so retry with the same `jobId` to stay idempotent.
 */
export class EnqueueError extends LonghaulError {
  /**
   * `enqueued`: for `enqueueMany`, the jobs of the batches sent before this one failed (they will run).
   */
  constructor(jobId: string, cause: unknown, facts: { sent: boolean; enqueued?: readonly string[] }) {
    super(
      ErrorCode.enqueueFailed,
      facts.sent
        ? `Sent the message of job "${jobId}" but could not write its record; the job will still run`
        : `Could not send the message of job "${jobId}"; no job was created${facts.enqueued?.length ? ` (the ${facts.enqueued.length} jobs sent before it were)` : ''}`,
      {
        cause,
        context: { jobId, sent: facts.sent, ...(facts.enqueued ? { enqueued: [...facts.enqueued] } : {}) },
      },
    );
  }
}

/** No workflow has this id. */
export class WorkflowNotFoundError extends LonghaulError {
  constructor(id: string) {
    super(ErrorCode.workflowNotFound, `No workflow with id "${id}"`, { context: { workflowId: id } });
  }
}

/** A workflow's continuation could not be carried out: a chain step's arguments or a callback's are too large. */
export class InvalidWorkflowError extends LonghaulError {
  constructor(message: string, options?: LonghaulErrorOptions) {
    super(ErrorCode.invalidWorkflow, message, options);
  }
}

/**
 * A job's unique key or limit key could not be computed from its arguments (the key function threw or
 * returned something other than a string of 1–512 characters). Bad input, like invalid arguments.
 */
export class InvalidKeyError extends LonghaulError {
  constructor(taskName: string, what: string, reason: string, cause?: unknown) {
    super(ErrorCode.invalidKey, `The ${what} of task "${taskName}" is invalid: ${reason}`, {
      ...(cause === undefined ? {} : { cause }),
      context: { task: taskName },
    });
  }
}

/**
 * `rebuildCounts()` gave up: the counts aggregator applied changes while each of its recounts ran, so
 * writing a recount would have lost them. Run it again when fewer jobs are changing.
 */
export class CountsChangedError extends LonghaulError {
  constructor(attempts: number) {
    super(
      ErrorCode.countsChanged,
      `The counts changed while they were being recounted, ${attempts} times; nothing was written`,
      { context: { attempts } },
    );
  }
}

/** The rule a job id broke: its length, the reserved prefix `#`, or a lone UTF-16 surrogate. */
export type JobIdRule = 'length' | 'reserved-prefix' | 'utf16';

/**
 * A job id (or a workflow id, which its jobs' ids are made of) breaks a rule: 1–128 characters, not
 * beginning with `#`, which starts the keys of Longhaul's own items in the job table (limits, unique
 * keys, schedules, workflows), well-formed UTF-16. `context.rule` names the rule broken.
 *
 * @example
 * await longhaul.enqueue(task, args, { jobId: '#limit#x' }); // throws InvalidJobIdError (reserved-prefix)
 */
export class InvalidJobIdError extends LonghaulError {
  constructor(what: string, given: unknown, rule: JobIdRule, maxChars: number) {
    const shown = typeof given === 'string' ? JSON.stringify(given.slice(0, 200)) : String(given);
    super(
      ErrorCode.invalidJobId,
      rule === 'length'
        ? `Expected \`${what}\` to be a string of 1–${maxChars} characters, got ${shown}`
        : rule === 'utf16'
          ? `Expected \`${what}\` to be well-formed UTF-16 (no lone surrogate), got ${shown}`
          : `\`${what}\` must not begin with "#": that prefix is reserved for the keys of Longhaul's own items (limits, unique keys, schedules, workflows); got ${shown}`,
      { context: { rule, given: typeof given === 'string' ? given.slice(0, 200) : String(given) } },
    );
  }
}

/** An error as stored on a job record. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code: string;
  readonly stack?: string;
}

const maxStackChars = 8_000;

/** Turns anything thrown into the record stored on the job, keeping the code of Longhaul errors. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const ownCode: unknown = (error as { code?: unknown }).code;
    const code =
      error instanceof LonghaulError
        ? error.code
        : typeof ownCode === 'string'
          ? ownCode
          : ErrorCode.taskError;
    return {
      name: error.name,
      message: error.message.slice(0, limits.maxErrorMessageChars),
      code,
      ...(error.stack ? { stack: error.stack.slice(0, maxStackChars) } : {}),
    };
  }
  return {
    name: 'Error',
    message: String(error).slice(0, limits.maxErrorMessageChars),
    code: ErrorCode.taskError,
  };
}
