import type { Logger } from '../core/logger.js';
import type { QueueMessage, Transport } from '../core/ports.js';

/**
 * Collects the messages of finished jobs and deletes them ten at a time: one request for up to ten
 * jobs. A batch goes out when it is full, or once no message has joined it for `windowMs`, so jobs that
 * finish a few milliseconds apart share a request; and at the latest `maxWaitMs` after its first
 * message, well before that message's visibility timeout could hand it to another worker.
 * A delete that fails is not retried here: the job is already final, so the redelivered message is
 * recognised as a duplicate and deleted then.
 */
export class DeleteBatcher {
  readonly #transport: Transport;
  readonly #windowMs: () => number;
  readonly #logger: Logger;
  readonly #maxWaitMs: number;
  #pending: QueueMessage[] = [];
  /** When the oldest pending message was added (`performance.now()`). */
  #firstAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight = new Set<Promise<void>>();

  /** `windowMs` is asked at each message: the worker widens it when jobs take longer. */
  constructor(transport: Transport, windowMs: () => number, maxWaitMs: number, logger: Logger) {
    this.#transport = transport;
    this.#windowMs = windowMs;
    this.#maxWaitMs = maxWaitMs;
    this.#logger = logger;
  }

  add(message: QueueMessage): void {
    const now = performance.now();
    if (this.#pending.length === 0) this.#firstAt = now;
    this.#pending.push(message);
    const waitMs = Math.min(this.#windowMs(), this.#firstAt + this.#maxWaitMs - now);
    if (this.#pending.length >= 10 || waitMs <= 0) {
      this.send();
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.send(), waitMs);
  }

  /** Sends what is pending and waits for every delete under way. */
  async flush(): Promise<void> {
    this.send();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Sends what is pending now, in requests of up to ten. */
  send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const batch = this.#pending.splice(0, 10);
    const request = this.#transport
      .delete(batch)
      .catch((error: unknown) => {
        this.#logger.warn('could not delete finished messages; they will be recognised as duplicates', {
          count: batch.length,
          error: String(error),
        });
      })
      .finally(() => this.#inFlight.delete(request));
    this.#inFlight.add(request);
    if (this.#pending.length > 0) this.send();
  }
}
