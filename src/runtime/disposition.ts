import { serializeError } from '../core/errors.js';
import { truncateUtf8 } from '../core/limits.js';
import type { DeadLetterReason, QueueMessage, Transport } from '../core/ports.js';

/** What the caller must do with a message once the runner is done with it. */
export type Disposition =
  /**
   * Delete it: the job finished, or the message was a stale duplicate. `message` is set when a long job
   * moved to a fresh message: delete that one (the received one is gone already). `requeued` is set when
   * the attempt was interrupted by the worker stopping and the job went on in a fresh copy of its message.
   */
  | { readonly kind: 'ack'; readonly message?: QueueMessage; readonly requeued?: true }
  /** It is already hidden for `delaySeconds` (a retry backoff, or waiting for another worker's lease). */
  | { readonly kind: 'release'; readonly delaySeconds: number }
  /** It was moved to the dead-letter queue. */
  | { readonly kind: 'deadLettered'; readonly reason: DeadLetterReason }
  /** Leave it alone: another delivery owns the job now. */
  | { readonly kind: 'abandon' };

/**
 * Told, once, how the processing of a message ended: the runner's answer when nothing should hold a
 * promise of it while the job runs (the long-running worker's jobs; `JobRunner.process` answers a promise).
 */
export interface ProcessingEnd {
  /** The runner is done with the message: `disposition` says what is left to do with it. */
  ended(disposition: Disposition): void;
  /** The backend itself failed: the message reappears after its visibility timeout. */
  failed(error: unknown): void;
}

/** Moves `message` to the dead-letter queue with `error` as its reason. */
export async function deadLetter(
  transport: Transport,
  message: QueueMessage,
  error: unknown,
  jobId: string | undefined,
): Promise<Disposition> {
  const reason = deadLetterReason(error, jobId);
  await transport.deadLetter(message, reason);
  return { kind: 'deadLettered', reason };
}

/** The reason a dead-lettered message carries: the error's code and its (truncated) message. */
export function deadLetterReason(error: unknown, jobId: string | undefined): DeadLetterReason {
  const { code, message } = serializeError(error);
  return { code, message: truncateUtf8(message), ...(jobId ? { jobId } : {}) };
}
