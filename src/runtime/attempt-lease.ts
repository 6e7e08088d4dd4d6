import { LockLostError } from '../core/errors.js';
import type { HandoffDelivery, JobHandoff } from '../core/handoff.js';
import type { JobRecord } from '../core/job.js';
import type { Logger } from '../core/logger.js';
import type { Fence, JobTouch, QueueMessage, Transport, WorkerJobStore } from '../core/ports.js';
import type { AttemptState } from './attempt-state.js';

/** What an {@link AttemptLease} needs besides its job: the same for every attempt of a runner. */
export interface AttemptLeaseOptions {
  readonly store: WorkerJobStore;
  readonly transport: Transport;
  readonly logger: Logger;
  readonly visibilityTimeoutSeconds: number;
  /** When a lease renewed at `now` lapses. */
  readonly leaseExpiry: (now: number) => number;
  /**
   * How long one delivery may be held before the job moves to a fresh message; undefined never moves it
   * (a Lambda invocation ends long before SQS's 12-hour ceiling).
   */
  readonly visibilityCeilingSeconds?: number | undefined;
}

/**
 * The two locks of a running attempt: the queue message's visibility and the job record's lease with its
 * fencing token. Each heartbeat renews both in one go and answers with the record as written, so a cancel
 * request or a delivery left for this worker is seen at no extra request.
 *
 * Past the visibility ceiling it moves the job to a fresh message: it marks the record (`handoff`, under
 * its fence) and sends a copy of the message. Whichever worker receives the copy finds the job running
 * under a live lease with a move under way, leaves its delivery on the record and lets go of it; the next
 * heartbeat here adopts that delivery (extends its visibility), deletes the old message and ends the
 * move. The record's lease stays the lock throughout, so the job never runs twice, and a message (old,
 * new or both) stays in the queue to bring the job back if this worker dies.
 */
export class AttemptLease {
  readonly #o: AttemptLeaseOptions;
  readonly #jobId: string;
  readonly #fence: Fence;
  /** The delivery the attempt started from. */
  readonly received: QueueMessage;
  #message: QueueMessage;
  #receivedAt: number;
  /** When the held message's visibility was last set (by its receive, or a renewal that worked). */
  #renewedAt: number;
  #latest: JobRecord | undefined;

  constructor(
    options: AttemptLeaseOptions,
    jobId: string,
    fence: Fence,
    message: QueueMessage,
    receivedAt: number,
  ) {
    this.#o = options;
    this.#jobId = jobId;
    this.#fence = fence;
    this.received = message;
    this.#message = message;
    this.#receivedAt = receivedAt;
    this.#renewedAt = receivedAt;
  }

  /**
   * Until when the attempt surely holds its message (epoch ms): a margin before the visibility set last
   * lapses, after which another worker may receive it and take the job over.
   */
  get lockedUntil(): number {
    return this.#o.leaseExpiry(this.#renewedAt);
  }

  /** The record as the last heartbeat or flush wrote it; undefined before the first. */
  get latest(): JobRecord | undefined {
    return this.#latest;
  }

  /** The delivery that holds the job now: the one received, or the fresh one it moved to. */
  get message(): QueueMessage {
    return this.#message;
  }

  /** Renews both locks and writes what `attempt` has pending. Throws `LockLostError` when either is gone. */
  async heartbeat(attempt: AttemptState): Promise<JobRecord> {
    const { transport, visibilityTimeoutSeconds, leaseExpiry } = this.#o;
    const now = Date.now();
    const held = await transport.changeVisibility(this.#message, visibilityTimeoutSeconds);
    if (!held) throw new LockLostError(this.#jobId, this.#fence.attempt);
    this.#renewedAt = now;
    const job = await this.#touch(attempt, { at: now, leaseExpiresAt: leaseExpiry(now) });
    if (this.#o.visibilityCeilingSeconds !== undefined) await this.#moveBeyondCeiling(job, attempt, now);
    return job;
  }

  /** Writes pending progress and log lines, if any; resolves with the record, or undefined for no write. */
  async flush(attempt: AttemptState): Promise<JobRecord | undefined> {
    const updates = attempt.takeUpdates();
    if (!updates.progress && !updates.logs) return undefined;
    return this.#touch(attempt, { at: Date.now(), ...updates });
  }

  async #touch(attempt: AttemptState, base: JobTouch): Promise<JobRecord> {
    const touch: JobTouch = { ...base, ...attempt.takeUpdates() };
    try {
      this.#latest = await this.#o.store.touch(this.#jobId, this.#fence, touch);
      return this.#latest;
    } catch (error) {
      // Keep what the failed write carried for the next one.
      attempt.putBack(touch);
      throw error;
    }
  }

  async #moveBeyondCeiling(job: JobRecord, attempt: AttemptState, now: number): Promise<void> {
    const { store, transport } = this.#o;
    const jobId = this.#jobId;
    const fence = this.#fence;
    const handoff = job.handoff;
    if (handoff?.delivery) {
      await this.#adopt(handoff, handoff.delivery, attempt);
      return;
    }
    const ceilingMs = (this.#o.visibilityCeilingSeconds ?? Number.POSITIVE_INFINITY) * 1000;
    if (handoff?.requestedBy === fence.token || now - this.#receivedAt < ceilingMs) return;
    // Mark first, then send: a worker receiving the copy must find the move under way.
    await store.touch(jobId, fence, { at: now, handoff: { requestedAt: now, requestedBy: fence.token } });
    try {
      const { body, trace } = this.#message;
      await transport.send([{ body, ...(trace ? { trace } : {}) }]);
    } catch (error) {
      // Nothing was sent: end the move, so the next heartbeat starts it again.
      await store.touch(jobId, fence, { at: Date.now(), handoff: null });
      throw error;
    }
  }

  /**
   * Takes over `delivery` (the fresh copy, or another copy of the job found after a take-over) and lets go
   * of the message held so far.
   */
  async #adopt(handoff: JobHandoff, delivery: HandoffDelivery, attempt: AttemptState): Promise<void> {
    const { store, transport, logger, visibilityTimeoutSeconds } = this.#o;
    const jobId = this.#jobId;
    const fence = this.#fence;
    const fresh: QueueMessage = {
      messageId: delivery.messageId,
      body: this.#message.body,
      receiveCount: delivery.receiveCount,
      sentAt: delivery.sentAt,
      receipt: delivery.receipt,
    };
    const pending: JobHandoff = { requestedAt: handoff.requestedAt, requestedBy: handoff.requestedBy };
    const adoptingAt = Date.now();
    // A later delivery of the message held here cannot be adopted (this one holds it); one whose
    // visibility already lapsed is left for the next receive to register again.
    if (
      fresh.messageId === this.#message.messageId ||
      !(await transport.changeVisibility(fresh, visibilityTimeoutSeconds))
    ) {
      await store.touch(jobId, fence, { at: Date.now(), handoff: pending });
      return;
    }
    const previous = this.#message;
    this.#renewedAt = adoptingAt;
    const heldSeconds = Math.round((Date.now() - this.#receivedAt) / 1000);
    this.#message = fresh;
    this.#receivedAt = delivery.receivedAt;
    try {
      await transport.delete([previous]);
    } catch (error) {
      // It reappears after its visibility timeout and is deleted once the job has finished.
      logger.warn('could not delete the message a long job moved away from', {
        jobId,
        error: String(error),
      });
    }
    attempt.log(
      `moved to a fresh queue message after holding the previous one ${heldSeconds} s (queue visibility ceiling)`,
    );
    await this.#touch(attempt, { at: Date.now(), handoff: null });
  }
}
