import { setTimeout as sleep } from 'node:timers/promises';
import type { Envelope } from '../core/envelope.js';
import {
  JobCancelledError,
  JobNotFoundError,
  ScheduleOverlapError,
  serializeError,
  UnexpectedRecordError,
  WorkerLostError,
} from '../core/errors.js';
import { isFinalStatus, type JobRecord, JobStatus, jobStatuses } from '../core/job.js';
import { stateChangeOf } from '../core/job-events.js';
import { mayCreateRecord, pendingRecordRetrySeconds } from '../core/pending-record.js';
import type { ClaimRequest, ClaimResult, Fence, QueueMessage } from '../core/ports.js';
import { isExpired } from '../core/retention.js';
import { maxVisibilitySeconds } from '../core/retry.js';
import { OverlapPolicy } from '../core/schedule-ref.js';
import type { AnyTask } from '../core/task.js';
import { newUuid } from '../core/uuid.js';
import { type Disposition, deadLetter, deadLetterReason } from './disposition.js';
import type { RunnerParts } from './runner-parts.js';

/**
 * Claims the admitted job with a conditional write and announces it running; or, when the record says it
 * must not run now, settles `message` (the disposition returned is already applied to it):
 *
 * - running under a lapsed lease (its worker crashed or was killed): a cancel requested meanwhile is
 *   honoured, a job out of attempts fails, any other is taken over;
 * - final: acknowledged, after repeating its effects (they are safe to repeat);
 * - final and past its retention: it counts as deleted, so this message is a new job;
 * - running and moving to a fresh message: this delivery is left on the record for its owner to adopt;
 * - running under a live lease: released until that lease would have lapsed;
 * - a scheduled run whose schedule skips overlaps, with the previous run unfinished: cancelled;
 * - in a state it does not know (an unknown status, running with no lease): logged at error level and
 *   released, then dead-lettered as `unexpected_record` on its {@link unexpectedRecordMaxDeliveries}th
 *   delivery (or the queue's last, if sooner). The record is left as found.
 */
/** The delivery on which a message whose job's record is in an unexpected state is dead-lettered. */
export const unexpectedRecordMaxDeliveries = 5;
/** How long such a message is hidden before the next look (the record may be mid-repair). */
export const unexpectedRecordRetrySeconds = 10;

/**
 * Pauses between claims of a `pendingRecord` job whose record is not there yet, before the message is
 * handed back: only a worker that received the message within a few round trips of its send waits, and
 * only as long as the record takes to land, instead of every such message waiting a fixed settle time.
 */
const pendingRecordClaimPausesMs = [25, 50, 100, 200, 400];

export async function claimJob(
  parts: RunnerParts,
  message: QueueMessage,
  receivedAt: number,
  envelope: Envelope,
  task: AnyTask,
): Promise<{ readonly job: JobRecord } | Disposition> {
  const { options: o, effects } = parts;
  const token = newUuid();
  let now = Date.now();
  let outcome: ClaimResult;
  for (let tries = 0; ; tries++) {
    const request = claimRequest(parts, message, envelope, task, token, now);
    try {
      outcome = await o.store.claim(request);
      break;
    } catch (error) {
      if (!(error instanceof JobNotFoundError) || request.createMissing) throw error;
      // Its producer writes the record in a batch a few round trips after sending (`pendingRecord`) and
      // has not yet: creating it here would let that unconditional write replace this claim. Look again
      // in a moment (the usual case: the write is in flight), then hand the message back for longer.
      const pause = pendingRecordClaimPausesMs[tries];
      if (pause === undefined) {
        const delaySeconds = pendingRecordRetrySeconds(message.sentAt, now, message.receiveCount);
        await o.transport.changeVisibility(message, delaySeconds);
        return { kind: 'release', delaySeconds };
      }
      await sleep(pause);
      now = Date.now();
    }
  }
  let job = outcome.job;
  if (
    !outcome.claimed &&
    job.status === JobStatus.running &&
    job.leaseExpiresAt !== undefined &&
    job.leaseExpiresAt < now
  ) {
    // The worker of attempt `job.attempts` stopped renewing its lease: it crashed or was killed.
    if (job.cancelRequestedAt !== undefined) {
      // Cancelled while it ran: the cancel is honoured at dequeue instead of starting it again.
      const rejected = await o.store.reject({
        id: job.id,
        task: job.task,
        maxAttempts: job.maxAttempts,
        guard: { kind: 'lost', attempt: job.attempts, now },
        error: serializeError(new JobCancelledError(job.id)),
        deadLettered: false,
        at: now,
        status: 'cancelled',
        expiresAt: parts.expiry('cancelled', now, task),
      });
      if (rejected) {
        const cancelled = await o.store.get(job.id);
        // Its effects are owed as for any finished job found on a redelivery (below).
        if (cancelled) await effects.final(task, cancelled, envelope.workflow, true);
        return { kind: 'ack' };
      }
    } else if (job.attempts >= job.maxAttempts) {
      const error = new WorkerLostError(job.workerId, job.attempts);
      const rejected = await o.store.reject({
        id: job.id,
        task: job.task,
        maxAttempts: job.maxAttempts,
        guard: { kind: 'lost', attempt: job.attempts, now },
        error: serializeError(error),
        deadLettered: true,
        at: now,
        expiresAt: parts.expiry('failed', now, task),
      });
      if (rejected) {
        await effects.changed([
          {
            ...stateChangeOf(job, JobStatus.running),
            status: JobStatus.failed,
            error: { code: error.code, message: error.message },
            at: now,
          },
        ]);
        const reason = deadLetterReason(error, job.id);
        await o.transport.deadLetter(message, reason);
        return { kind: 'deadLettered', reason };
      }
    } else {
      outcome = await o.store.takeOver(claimRequest(parts, message, envelope, task, token, now), job);
    }
    if (!outcome.claimed) job = (await o.store.get(job.id)) ?? job;
  }
  if (!outcome.claimed && isFinalStatus(job.status) && isExpired(job, now)) {
    // Its retention is over: the record counts as deleted (TTL deletes it within days), so this message
    // (a redrive, a resend) is a new job, as it would be once the item is gone.
    await o.store.remove([job.id]);
    outcome = await o.store.claim(claimRequest(parts, message, envelope, task, token, now));
    job = outcome.job;
  }
  if (!outcome.claimed) {
    if (isFinalStatus(job.status)) {
      // A redelivery of a finished job: its worker may have died before the effects, which repeat safely.
      await effects.final(task, job, envelope.workflow, true);
      return { kind: 'ack' };
    }
    if (job.status === JobStatus.running && job.handoff !== undefined) {
      // The owner is moving the job to a fresh message (this one, or another copy): leave this delivery
      // on the record for it to adopt, and let go of it without touching its visibility.
      const registered = await o.store.registerHandoff(job.id, {
        messageId: message.messageId,
        receipt: message.receipt,
        receiveCount: message.receiveCount,
        sentAt: message.sentAt,
        receivedAt,
      });
      if (registered) return { kind: 'abandon' };
    }
    if (isUnexpected(job)) return await unexpectedRecord(parts, message, envelope.id, job);
    // Another delivery of this job holds a live lease: look again once it would have lapsed.
    const waitMs = (job.leaseExpiresAt ?? now) - now;
    const delaySeconds = Math.min(maxVisibilitySeconds, Math.max(1, Math.ceil(waitMs / 1000) + 1));
    await o.transport.changeVisibility(message, delaySeconds);
    return { kind: 'release', delaySeconds };
  }

  const claimed = outcome.job;
  if (envelope.schedule?.overlap === OverlapPolicy.skip) {
    const previous = await unfinishedPreviousRun(parts, envelope.schedule.name, claimed.id);
    if (previous !== undefined) {
      const error = new ScheduleOverlapError(envelope.schedule.name, previous);
      o.logger.info('skipped a scheduled run: the previous run has not finished', {
        jobId: claimed.id,
        previousJobId: previous,
      });
      const fence: Fence = {
        attempt: claimed.attempts,
        workerId: o.workerId,
        token: claimed.leaseToken ?? '',
      };
      const at = Date.now();
      const cancelled = await o.store.complete(claimed.id, fence, {
        status: 'cancelled',
        at,
        error: serializeError(error),
        deadLettered: false,
        logs: [],
        expiresAt: parts.expiry('cancelled', at, task),
      });
      await effects.final(task, cancelled, envelope.workflow);
      return { kind: 'ack' };
    }
  }
  if (effects.publishing) await effects.jobChanged(claimed);
  return { job: claimed };
}

/** The claim of `message`'s job at `at`, under `token`. */
function claimRequest(
  parts: RunnerParts,
  message: QueueMessage,
  envelope: Envelope,
  task: AnyTask,
  token: string,
  at: number,
): ClaimRequest {
  const request: { -readonly [K in keyof ClaimRequest]: ClaimRequest[K] } = {
    envelope,
    deliveryCount: message.receiveCount,
    sentAt: message.sentAt,
    maxAttempts: task.retry.maxAttempts,
    workerId: parts.options.workerId,
    token,
    now: at,
    leaseExpiresAt: parts.leaseExpiry(at),
    createMissing: mayCreateRecord(envelope, message.sentAt, at),
    // The runner reads the records it gets and never changes them: a store may answer with its own.
    readOnly: true,
  };
  // Set, not spread from a literal: one request per job.
  if (message.trace) request.trace = message.trace;
  return request;
}

/**
 * True for a record the claim cannot act on: a status this worker does not know, or running with no
 * lease. (A claimable status seen here is a race with another worker's write: the next look claims it.)
 */
function isUnexpected(job: JobRecord): boolean {
  if (!jobStatuses.includes(job.status)) return true;
  return job.status === JobStatus.running && typeof job.leaseExpiresAt !== 'number';
}

/**
 * Says what was found (never the arguments or the result), then releases the message for another look,
 * or dead-letters it with an `unexpected_record` reason once it has been delivered often enough.
 */
async function unexpectedRecord(
  parts: RunnerParts,
  message: QueueMessage,
  jobId: string,
  job: JobRecord,
): Promise<Disposition> {
  const { options: o } = parts;
  const maxDeliveries = Math.min(unexpectedRecordMaxDeliveries, o.deliveryLimit ?? Number.POSITIVE_INFINITY);
  const last = message.receiveCount >= maxDeliveries;
  o.logger.error(
    last
      ? 'job record in an unexpected state; message moved to the dead-letter queue'
      : `job record in an unexpected state; looking again in ${unexpectedRecordRetrySeconds} s`,
    {
      jobId,
      messageId: message.messageId,
      receiveCount: message.receiveCount,
      // A partial record may lack either: null says so in the JSON line.
      status: job.status ?? null,
      attempts: job.attempts ?? null,
      maxDeliveries,
    },
  );
  if (last) {
    return deadLetter(
      o.transport,
      message,
      new UnexpectedRecordError(jobId, { status: job.status, attempts: job.attempts }),
      jobId,
    );
  }
  await o.transport.changeVisibility(message, unexpectedRecordRetrySeconds);
  return { kind: 'release', delaySeconds: unexpectedRecordRetrySeconds };
}

/**
 * Takes the schedule's hold for `jobId` unless an earlier run holds it and is still queued, running or
 * retrying; returns that run's id. A holder found finished (or expired) is replaced in the same
 * conditional write, so two runs racing for the hold cannot both win.
 */
async function unfinishedPreviousRun(
  parts: RunnerParts,
  schedule: string,
  jobId: string,
): Promise<string | undefined> {
  const { store } = parts.options;
  let replacing: string | undefined;
  for (let tries = 0; tries < 5; tries++) {
    const hold = await store.holdSchedule(schedule, jobId, replacing);
    if (hold.held) return undefined;
    const holder = await store.get(hold.holder);
    if (holder && !isFinalStatus(holder.status)) return hold.holder;
    replacing = hold.holder;
  }
  // Holders keep changing under us: other runs are starting right now, so this one overlaps them.
  return replacing;
}
