import {
  InvalidResultError,
  JobCancelledError,
  PayloadTooLargeError,
  ResultTooLargeError,
  serializeError,
  TooManyInterruptionsError,
  UnrecoverableError,
  WorkerShutdownError,
} from '../core/errors.js';
import type { JobLogLine, JobProgress, JobRecord } from '../core/job.js';
import { limits } from '../core/limits.js';
import type { Completion, Fence } from '../core/ports.js';
import { backoffDelaySeconds, maxInterruptions } from '../core/retry.js';
import type { AnyTask } from '../core/task.js';
import type { WorkflowRef } from '../core/workflow-ref.js';
import type { AttemptLease } from './attempt-lease.js';
import type { AttemptState } from './attempt-state.js';
import { type Disposition, deadLetter } from './disposition.js';
import type { RunnerParts } from './runner-parts.js';
import type { AttemptOutcome } from './settle-within-grace.js';
import {
  appliedCompletion,
  retryWhileLocked,
  type WriteWhileLockedOptions,
  writeWhileLocked,
} from './write-while-locked.js';

type AckDisposition = Extract<Disposition, { kind: 'ack' }>;

/**
 * Writes how the attempt ended, under its fence, and runs what follows: a result stored (offloaded when
 * large), a cancel honoured, a retry scheduled with its backoff, or a failure for good that dead-letters
 * the message; then the effects of the new status (events, hooks, a workflow's next jobs). Rejects with
 * `LockLostError` when the attempt no longer owns the job.
 *
 * The write that ends the attempt (and a large result's object) is tried again with back-off while it
 * fails for a transient reason (a lost connection, throttling) and the attempt holds its message, so work
 * finished during a store outage is not thrown away; `stopSignal` ends the tries early.
 */
export async function recordOutcome(
  parts: RunnerParts,
  lease: AttemptLease,
  task: AnyTask,
  job: JobRecord,
  fence: Fence,
  attempt: AttemptState,
  outcome: AttemptOutcome,
  workflow: WorkflowRef | undefined,
  stopSignal?: AbortSignal,
): Promise<Disposition> {
  const { options: o, effects } = parts;
  const at = Date.now();
  const ends = new AttemptEnd(parts, lease, job, fence, stopSignal);
  const message = lease.message;
  // The ack names the message to delete when the job moved to a fresh one.
  const ack: AckDisposition =
    message.receipt === lease.received.receipt ? { kind: 'ack' } : { kind: 'ack', message };
  const stored = outcome.ok
    ? await storeResult(parts, ends, task, job, fence, attempt, outcome.value, at)
    : { failure: outcome.error };
  if ('succeeded' in stored) {
    await effects.final(task, stored.succeeded, workflow);
    return ack;
  }
  const failure = stored.failure;
  if (failure instanceof JobCancelledError) {
    const cancelled = await completeCancelled(parts, ends, task, attempt, failure, at);
    await effects.final(task, cancelled, workflow);
    return ack;
  }

  if (failure instanceof WorkerShutdownError) {
    return await recordInterruption(parts, lease, task, job, attempt, failure, workflow, ack, at, ends);
  }
  const error = serializeError(failure);
  const unrecoverable =
    failure instanceof UnrecoverableError ||
    failure instanceof ResultTooLargeError ||
    failure instanceof InvalidResultError;
  // On the last delivery the queue allows, a retry would end in the dead-letter queue with no reason
  // on the job: fail it here instead, with its error.
  const lastDelivery = o.deliveryLimit !== undefined && message.receiveCount >= o.deliveryLimit;
  if (unrecoverable || lastDelivery || job.attempts >= job.maxAttempts) {
    const failed = await ends.complete({
      status: 'failed',
      at,
      error,
      deadLettered: true,
      ...attempt.takeFinal(),
      expiresAt: parts.expiry('failed', at, task),
    });
    const disposition = await deadLetter(o.transport, message, failure, job.id);
    await effects.final(task, failed, workflow);
    return disposition;
  }
  const delaySeconds = backoffDelaySeconds(task.retry, job.attempts);
  const retrying = await completeRetrying(parts, ends, task, attempt, workflow, {
    at,
    error,
    nextAttemptAt: at + delaySeconds * 1000,
  });
  if (!retrying) return ack;
  await o.transport.changeVisibility(message, delaySeconds);
  await effects.retrying(task, retrying);
  return { kind: 'release', delaySeconds };
}

/**
 * Records an attempt a stopping worker handed back (shutdown past its grace period) as interrupted, not
 * failed: the job is `retrying` at once with the attempt given back, so a deploy uses up no retries. The
 * job goes on in a fresh copy of its message, so the interruption uses up none of the queue's receives
 * either (`maxReceiveCount`), and the message held is deleted. Past `maxInterruptions` the job fails and
 * is dead-lettered with `too_many_interruptions`, so a stop loop still ends.
 */
async function recordInterruption(
  parts: RunnerParts,
  lease: AttemptLease,
  task: AnyTask,
  job: JobRecord,
  attempt: AttemptState,
  failure: WorkerShutdownError,
  workflow: WorkflowRef | undefined,
  ack: AckDisposition,
  at: number,
  ends: EndAttempt,
): Promise<Disposition> {
  const { options: o, effects } = parts;
  const message = lease.message;
  const interruptions = (job.interruptions ?? 0) + 1;
  if (interruptions > maxInterruptions) {
    const error = new TooManyInterruptionsError(job.id, interruptions, maxInterruptions);
    const failed = await ends.complete({
      status: 'failed',
      at,
      error: serializeError(error),
      deadLettered: true,
      interrupted: true,
      ...attempt.takeFinal(),
      expiresAt: parts.expiry('failed', at, task),
    });
    const disposition = await deadLetter(o.transport, message, error, job.id);
    await effects.final(task, failed, workflow);
    return disposition;
  }
  const retrying = await completeRetrying(parts, ends, task, attempt, workflow, {
    at,
    error: serializeError(failure),
    nextAttemptAt: at,
    interrupted: true,
  });
  if (!retrying) return ack;
  await effects.retrying(task, retrying);
  // Without records (`tracking: 'off'`) the receive count is the attempt number: hand the message back.
  if (retrying.interruptions !== undefined) {
    try {
      await o.transport.send([{ body: message.body, ...(message.trace ? { trace: message.trace } : {}) }]);
      return { ...ack, requeued: true };
    } catch (error) {
      o.logger.warn('could not send an interrupted job a fresh message; handing back the one held', {
        jobId: job.id,
        error: String(error),
      });
    }
  }
  await o.transport.changeVisibility(message, 0);
  return { kind: 'release', delaySeconds: 0 };
}

/** The writes that end an attempt, each tried again while the attempt holds its lock. */
interface EndAttempt {
  complete(completion: Completion): Promise<JobRecord>;
  offload<T>(write: () => Promise<T>): Promise<T>;
}

/**
 * The ending writes of one attempt. The first try of its completion is made here, and what tries it
 * again (`retryWhileLocked`'s options and closures) is built only when that try fails: one object per
 * job rather than a handful.
 */
class AttemptEnd implements EndAttempt {
  readonly #parts: RunnerParts;
  readonly #lease: AttemptLease;
  readonly #job: JobRecord;
  readonly #fence: Fence;
  readonly #stopSignal: AbortSignal | undefined;

  constructor(
    parts: RunnerParts,
    lease: AttemptLease,
    job: JobRecord,
    fence: Fence,
    stopSignal: AbortSignal | undefined,
  ) {
    this.#parts = parts;
    this.#lease = lease;
    this.#job = job;
    this.#fence = fence;
    this.#stopSignal = stopSignal;
  }

  async complete(completion: Completion): Promise<JobRecord> {
    try {
      return await this.#complete(completion);
    } catch (error) {
      const { store } = this.#parts.options;
      return await retryWhileLocked(
        () => this.#complete(completion),
        { ...this.#retry(), applied: () => appliedCompletion(store, this.#job.id, this.#fence, completion) },
        error,
      );
    }
  }

  offload<T>(write: () => Promise<T>): Promise<T> {
    return writeWhileLocked(write, this.#retry());
  }

  #complete(completion: Completion): Promise<JobRecord> {
    const job = this.#job;
    // The record as this attempt last saw it spares the store reading the item back.
    return this.#parts.options.store.complete(
      job.id,
      this.#fence,
      completion,
      this.#lease.latest ?? job,
      true,
    );
  }

  #retry(): WriteWhileLockedOptions<never> {
    const lease = this.#lease;
    return {
      jobId: this.#job.id,
      logger: this.#parts.options.logger,
      lockedUntil: () => lease.lockedUntil,
      signal: this.#stopSignal,
    };
  }
}

/**
 * Writes the job `retrying` (after a failed or an interrupted attempt). A cancel requested while the
 * attempt was ending wins: the job ends `cancelled` instead, its effects run, and this returns undefined.
 */
async function completeRetrying(
  parts: RunnerParts,
  ends: EndAttempt,
  task: AnyTask,
  attempt: AttemptState,
  workflow: WorkflowRef | undefined,
  retry: Pick<Extract<Completion, { status: 'retrying' }>, 'at' | 'error' | 'nextAttemptAt' | 'interrupted'>,
): Promise<JobRecord | undefined> {
  const final = attempt.takeFinal();
  try {
    return await ends.complete({ status: 'retrying', ...retry, ...final });
  } catch (completion) {
    if (!(completion instanceof JobCancelledError)) throw completion;
    attempt.putBack(final);
    const cancelled = await completeCancelled(parts, ends, task, attempt, completion, retry.at);
    await parts.effects.final(task, cancelled, workflow);
    return undefined;
  }
}

async function completeCancelled(
  parts: RunnerParts,
  ends: EndAttempt,
  task: AnyTask,
  attempt: AttemptState,
  error: JobCancelledError,
  at: number,
): Promise<JobRecord> {
  // Its log line is the job event the effects write once it is recorded.
  return await ends.complete({
    status: 'cancelled',
    at,
    error: serializeError(error),
    deadLettered: false,
    ...attempt.takeFinal(),
    expiresAt: parts.expiry('cancelled', at, task),
  });
}

/** Writes a successful result, or returns the error that makes it a failure instead. */
async function storeResult(
  parts: RunnerParts,
  ends: EndAttempt,
  task: AnyTask,
  job: JobRecord,
  fence: Fence,
  attempt: AttemptState,
  value: unknown,
  at: number,
): Promise<{ succeeded: JobRecord } | { failure: unknown }> {
  const { payloads } = parts;
  let json: string;
  try {
    json = JSON.stringify(value ?? null);
  } catch (cause) {
    return { failure: new InvalidResultError(task.name, cause) };
  }
  // Null, a boolean, a finite number or a string comes back from its JSON as it was: the parse that
  // copies a result (and drops what JSON cannot hold) is owed by objects only, and the JSON of anything
  // but a string is ASCII, one byte a character.
  const asIs = isJsonScalar(value);
  const bytes = asIs && typeof value !== 'string' ? json.length : Buffer.byteLength(json, 'utf8');
  const maxBytes = payloads.maxResultBytes;
  if (bytes > maxBytes) return { failure: new ResultTooLargeError(task.name, bytes, maxBytes) };
  const final = attempt.takeFinal();
  const expiresAt = parts.expiry('succeeded', at, task);
  const offload = payloads.offloadsResult(bytes);
  try {
    // Most results are stored inline: written at once, with no closure made for the offload.
    const written = offload
      ? await completeOffloaded(parts, ends, job, fence, json, succeeded(at, null, final, expiresAt))
      : await ends.complete(succeeded(at, asIs ? (value ?? null) : JSON.parse(json), final, expiresAt));
    return { succeeded: written };
  } catch (error) {
    if (!(error instanceof PayloadTooLargeError)) throw error;
    // The result fits its own limit but not beside the rest of the record (logs, history): offload it
    // when there is a payload store, else fail the job.
    if (!offload && payloads.canOffload) {
      try {
        const completion = succeeded(at, null, final, expiresAt);
        return { succeeded: await completeOffloaded(parts, ends, job, fence, json, completion) };
      } catch (retryError) {
        if (!(retryError instanceof PayloadTooLargeError)) throw retryError;
      }
    }
    attempt.putBack(final);
    return {
      failure: new ResultTooLargeError(task.name, bytes, offload ? maxBytes : limits.maxResultBytes),
    };
  }
}

/**
 * Writes a succeeded attempt whose result (`json`) goes to the payload store: the object first, then
 * `completion` (its result null) pointing at it, so a reader never follows a dangling reference.
 */
async function completeOffloaded(
  parts: RunnerParts,
  ends: EndAttempt,
  job: JobRecord,
  fence: Fence,
  json: string,
  completion: Extract<Completion, { status: 'succeeded' }>,
): Promise<JobRecord> {
  const { payloads } = parts;
  const resultRef = await ends.offload(() =>
    payloads.offloadResult(job.id, fence.attempt, fence.token, json),
  );
  return await ends.complete({ ...completion, resultRef });
}

/**
 * The completion of a succeeded attempt, built as one literal (no spreads: one per job), its fields in
 * the order the record gets them.
 */
function succeeded(
  at: number,
  result: unknown,
  final: { progress?: JobProgress; logs: JobLogLine[] },
  expiresAt: number,
): Extract<Completion, { status: 'succeeded' }> {
  const { progress, logs } = final;
  return progress
    ? { status: 'succeeded', at, result, progress, logs, expiresAt }
    : { status: 'succeeded', at, result, logs, expiresAt };
}

/** True for a value JSON holds as it is: null, undefined (stored as null), a boolean, a finite number but -0, a string. */
function isJsonScalar(value: unknown): boolean {
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
    case 'string':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    default:
      return value === null;
  }
}
