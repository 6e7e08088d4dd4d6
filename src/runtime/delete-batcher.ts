import type { Logger } from '../core/logger.js';
import type { QueueMessage, Transport } from '../core/ports.js';

/**
 * Collects the messages of finished jobs and deletes them ten at a time: one request for up to ten
 * jobs. A batch goes out when it is full, or `windowMs` after its first message. A finished job's
 * message waiting for its batch costs nothing (the record already says the job is over), so the window
 * can be long enough to fill batches even when jobs end far apart; the worker keeps it well inside the
 * visibility timeout, so the message is never handed to another worker meanwhile.
 * A delete that fails is not retried here: the job is already final, so the redelivered message is
 * recognised as a duplicate and deleted then.
 */
export class DeleteBatcher {
  readonly #transport: Transport;
  readonly #windowMs: number;
  readonly #logger: Logger;
  #pending: QueueMessage[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight = new Set<Promise<void>>();

  constructor(transport: Transport, windowMs: number, logger: Logger) {
    this.#transport = transport;
    this.#windowMs = windowMs;
    this.#logger = logger;
  }

  add(message: QueueMessage): void {
    this.#pending.push(message);
    if (this.#pending.length >= 10 || this.#windowMs === 0) this.#send();
    else this.#timer ??= setTimeout(() => this.#send(), this.#windowMs);
  }

  /** Sends what is pending and waits for every delete under way. */
  async flush(): Promise<void> {
    this.#send();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Sends what is pending now, in requests of up to ten. */
  #send(): void {
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
    if (this.#pending.length > 0) this.#send();
  }
}
