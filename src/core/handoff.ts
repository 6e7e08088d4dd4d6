/**
 * The record of a running job moving to a fresh queue message, for jobs that run longer than SQS lets a
 * worker hold one delivery (12 hours from its receipt). The DynamoDB lease with its fencing token is the
 * lock; the queue message is only what brings the job back if its worker dies. See
 * docs/timeouts-and-cancellation.md for the guarantee.
 */

/** A delivery of the job's message that a worker received while the job's owner held it. */
export interface HandoffDelivery {
  readonly messageId: string;
  /** The receipt handle of that delivery, which the owner adopts. */
  readonly receipt: string;
  readonly receiveCount: number;
  /** Epoch milliseconds the message was sent. */
  readonly sentAt: number;
  /** Epoch milliseconds the delivery was received: where its own 12-hour ceiling starts. */
  readonly receivedAt: number;
}

/** A move to a fresh message under way on a running job. */
export interface JobHandoff {
  /** Epoch milliseconds the owner sent the fresh message. */
  readonly requestedAt: number;
  /** The lease token of the claim that started the move. */
  readonly requestedBy: string;
  /** The delivery a worker found and left for the owner, once there is one. */
  readonly delivery?: HandoffDelivery;
}
