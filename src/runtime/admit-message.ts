import { decodeEnvelope, type Envelope, salvageFrom } from '../core/envelope.js';
import {
  InvalidArgsError,
  InvalidJobIdError,
  InvalidKeyError,
  type LonghaulError,
  MalformedMessageError,
  PayloadUnavailableError,
  serializeError,
  UnknownTaskError,
} from '../core/errors.js';
import { JobStatus } from '../core/job.js';
import { jsonBytes, limits, truncateUtf8 } from '../core/limits.js';
import { mayCreateRecord, pendingRecordRetrySeconds } from '../core/pending-record.js';
import type { QueueMessage } from '../core/ports.js';
import type { AnyTask } from '../core/task.js';
import { type Disposition, deadLetter } from './disposition.js';
import type { RunnerParts } from './runner-parts.js';
import type { Admission, Permit } from './task-limiter.js';

/**
 * A job admitted to run: what its message said, its task and parsed arguments, and `permit`, its
 * concurrency slot if its task is limited (the caller releases it once the job settles).
 */
export interface Admitted {
  readonly receivedAt: number;
  readonly envelope: Envelope;
  readonly task: AnyTask;
  readonly args: unknown;
  readonly permit: Permit | undefined;
}

/**
 * Decides whether `message` may start a job: decodes its envelope, finds its task, reads offloaded
 * arguments back, validates them against the task's schema and takes the task's limits. A message that
 * can never run is recorded on its job and dead-lettered; one over a limit is postponed: either way the
 * answer is the disposition, already applied. An admitted job is answered as {@link Admitted}.
 */
export async function admitMessage(
  parts: RunnerParts,
  message: QueueMessage,
  stopSignal: AbortSignal | undefined,
): Promise<Admitted | Disposition> {
  const { options: o, payloads, limiter } = parts;
  const receivedAt = Date.now();
  let envelope: Envelope;
  try {
    envelope = decodeEnvelope(message.body);
  } catch (error) {
    if (!(error instanceof MalformedMessageError)) throw error;
    const salvage = salvageFrom(error);
    if (salvage.id) {
      await rejectMessage(
        parts,
        message,
        { id: salvage.id, task: salvage.task ?? '(unknown)', enqueuedAt: message.sentAt },
        error,
      );
    } else {
      o.logger.error('malformed message moved to the dead-letter queue', {
        messageId: message.messageId,
        reason: error.message,
      });
    }
    // A reserved id is dead-lettered with its own code, never recorded (it is no job's id).
    const reason = error.cause instanceof InvalidJobIdError ? error.cause : error;
    return deadLetter(o.transport, message, reason, salvage.id);
  }

  const task = o.registry.get(envelope.task);
  if (!task) {
    const error = new UnknownTaskError(envelope.task, o.registry.names);
    return await refuse(parts, message, envelope, error);
  }

  let rawArgs: unknown = envelope.args;
  if (envelope.argsRef) {
    try {
      rawArgs = await payloads.read(envelope.argsRef);
    } catch (error) {
      if (!(error instanceof PayloadUnavailableError)) throw error;
      return await refuse(parts, message, envelope, error, task.retry.maxAttempts, task);
    }
  }
  let args: unknown;
  try {
    args = await task.parseArgs(rawArgs);
  } catch (error) {
    if (!(error instanceof InvalidArgsError)) throw error;
    return await refuse(parts, message, envelope, error, task.retry.maxAttempts, task);
  }

  if (stopSignal?.aborted) {
    // The worker is stopping: starting now would only interrupt the task. Hand the message back.
    await o.transport.changeVisibility(message, 0);
    return { kind: 'release', delaySeconds: 0 };
  }
  let admission: Admission = unlimited;
  try {
    if (task.limits) {
      admission = await limiter.admit(task, args, parts.leaseExpiry(Date.now()), envelope.enqueuedAt);
    }
  } catch (error) {
    if (!(error instanceof InvalidKeyError)) throw error;
    return await refuse(parts, message, envelope, error, task.retry.maxAttempts);
  }
  // Over a limit: a delayed copy carries the job, so this delivery is done with (deleted, not released).
  if (!admission.admitted && (await limiter.postpone(message, envelope.id, admission.limited))) {
    return { kind: 'ack' };
  }
  return { receivedAt, envelope, task, args, permit: admission.admitted ? admission.permit : undefined };
}

/** The admission of a task without limits: nothing to ask the limiter. */
const unlimited: Admission = { admitted: true };

/**
 * Records a bad message's error on its job and dead-letters the message. While the job's producer may
 * still write its record (`pendingRecord`, see `src/core/pending-record.ts`) a missing record is not
 * created, and the message is handed back to be refused once the record is there or the wait is over:
 * dead-lettering it now could leave the producer's record queued with no message.
 */
async function refuse(
  parts: RunnerParts,
  message: QueueMessage,
  envelope: Envelope,
  error: LonghaulError,
  maxAttempts = 1,
  task?: AnyTask,
): Promise<Disposition> {
  const now = Date.now();
  const createMissing = mayCreateRecord(envelope, message.sentAt, now);
  const recorded = await rejectMessage(parts, message, envelope, error, maxAttempts, task, createMissing);
  if (!recorded && !createMissing) {
    const delaySeconds = pendingRecordRetrySeconds(message.sentAt, now, message.receiveCount);
    await parts.options.transport.changeVisibility(message, delaySeconds);
    return { kind: 'release', delaySeconds };
  }
  return deadLetter(parts.options.transport, message, error, envelope.id);
}

/**
 * Records a bad message's error on its job (creating the record if needed and `createMissing`); no
 * attempt is started. Resolves with whether the error was recorded.
 */
async function rejectMessage(
  parts: RunnerParts,
  message: QueueMessage,
  job: { id: string; task: string; args?: unknown; enqueuedAt: number },
  error: LonghaulError,
  maxAttempts = 1,
  task?: AnyTask,
  createMissing = true,
): Promise<boolean> {
  const { options: o } = parts;
  const at = Date.now();
  const recorded = await o.store.reject({
    id: job.id,
    task: job.task,
    ...(job.args !== undefined && jsonBytes(job.args) <= limits.maxArgsBytes ? { args: job.args } : {}),
    enqueuedAt: job.enqueuedAt,
    maxAttempts,
    guard: { kind: 'unstarted', createMissing },
    error: serializeError(error),
    deadLettered: true,
    at,
    expiresAt: parts.expiry('failed', at, task),
  });
  o.logger.error('rejected a job message', {
    jobId: job.id,
    messageId: message.messageId,
    code: error.code,
    recordedOnJob: recorded,
  });
  if (recorded) {
    await parts.effects.changed([
      {
        jobId: job.id,
        task: job.task,
        status: JobStatus.failed,
        attempt: 0,
        error: { code: error.code, message: truncateUtf8(error.message) },
        at: Date.now(),
      },
    ]);
  }
  return recorded;
}
