import { LockLostError } from '../core/errors.js';
import type { JobRecord } from '../core/job.js';
import type { Logger } from '../core/logger.js';
import type { Completion, Fence, WorkerJobStore } from '../core/ports.js';
import { isLostConnection } from './receive-outage.js';

/** The first pause between tries of an attempt's final write; each next pause doubles, up to the max. */
export const outcomeRetryFirstPauseMs = 250;
/** The longest pause between tries, so a worker records the outcome within it of the store answering. */
export const outcomeRetryMaxPauseMs = 2_000;

/** Errors a store answers when it is overloaded or failing for a moment, rather than refusing a write. */
const transientNames =
  /^(ThrottlingException|ProvisionedThroughputExceededException|RequestLimitExceeded|InternalServerError|ServiceUnavailable|SlowDown|RequestTimeout)$/;

/**
 * True when `error` says the write may work if tried again: a lost connection, throttling, a 5xx. A
 * refusal (a failed condition: lock lost, cancelled; a validation error) is not.
 */
export function isTransientStoreError(error: unknown): boolean {
  if (isLostConnection(error)) return true;
  const { name, $metadata, $retryable } = (error ?? {}) as {
    name?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: unknown;
  };
  if (typeof name === 'string' && transientNames.test(name)) return true;
  if ($retryable !== undefined && $retryable !== null) return true;
  const status = $metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 500;
}

/** What {@link writeWhileLocked} needs. */
export interface WriteWhileLockedOptions<T> {
  readonly jobId: string;
  readonly logger: Logger;
  /** When the attempt's lock is due to lapse (minus a margin): no try starts after it. */
  readonly lockedUntil: () => number;
  /** Ends the tries early (the worker stopping, a Lambda deadline); a write begun after it is tried once. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Called when a retry is refused with `LockLostError`: an earlier try may have been applied with its
   * answer lost. Resolves with what that write returned, or undefined when it was not applied.
   */
  readonly applied?: () => Promise<T | undefined>;
}

/**
 * Runs `write` (the write that records how an attempt ended), trying again with back-off while it fails
 * for a transient reason and the attempt still holds its lock: work finished during a store outage keeps
 * its outcome instead of running again. Pauses grow from 250 ms to 2 s. Rejects with the last error once
 * the next try would start after `lockedUntil()`; the message then brings the job back as it would have.
 */
export async function writeWhileLocked<T>(
  write: () => Promise<T>,
  options: WriteWhileLockedOptions<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    return await retryWhileLocked(write, options, error);
  }
}

/**
 * {@link writeWhileLocked} once its first try failed with `error`: a caller that makes the first try
 * itself builds the options (and their closures) only when a write fails, not for every job.
 */
export async function retryWhileLocked<T>(
  write: () => Promise<T>,
  options: WriteWhileLockedOptions<T>,
  error: unknown,
): Promise<T> {
  const { jobId, logger, signal } = options;
  let failures = 0;
  let failure = error;
  for (;;) {
    if (failures > 0 && failure instanceof LockLostError && options.applied) {
      const done = await options.applied();
      if (done !== undefined) {
        logger.warn(`recorded the outcome of a job after ${failures} failed tries`, { jobId, failures });
        return done;
      }
    }
    if (!isTransientStoreError(failure)) throw failure;
    failures++;
    const pauseMs = Math.min(outcomeRetryMaxPauseMs, outcomeRetryFirstPauseMs * 2 ** (failures - 1));
    const lockedUntil = options.lockedUntil();
    if (signal?.aborted || Date.now() + pauseMs >= lockedUntil) {
      logger.error('could not record the outcome of a job before the lock lapses; it will run again', {
        jobId,
        tries: failures,
        error: String(failure),
      });
      throw failure;
    }
    if (failures === 1) {
      logger.warn('could not record the outcome of a job; retrying while the lock holds', {
        jobId,
        error: String(failure),
        lockedUntil: new Date(lockedUntil).toISOString(),
      });
    }
    if (!(await pause(pauseMs, signal))) {
      logger.error('could not record the outcome of a job before the worker stopped; it will run again', {
        jobId,
        tries: failures,
        error: String(failure),
      });
      throw failure;
    }
    try {
      const written = await write();
      logger.warn(`recorded the outcome of a job after ${failures} failed tries`, { jobId, failures });
      return written;
    } catch (next) {
      failure = next;
    }
  }
}

/**
 * The record as `completion` left it, if that completion was applied under `fence` (its answer lost):
 * the last event of the record is that end of that attempt, at that time, by that worker.
 */
export async function appliedCompletion(
  store: WorkerJobStore,
  jobId: string,
  fence: Fence,
  completion: Completion,
): Promise<JobRecord | undefined> {
  const job = await store.get(jobId);
  const last = job?.history.at(-1);
  const applied =
    job !== undefined &&
    job.status === completion.status &&
    job.attempts === fence.attempt &&
    last?.status === completion.status &&
    last.at === completion.at &&
    last.attempt === fence.attempt &&
    last.workerId === fence.workerId;
  return applied ? job : undefined;
}

/** Waits `ms`; resolves false at once if `signal` aborts first. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (slept: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      resolve(slept);
    };
    const aborted = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
