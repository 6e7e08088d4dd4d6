import type { Logger } from '../core/logger.js';

/** The longest pause between receives while the queue cannot be reached: a worker resumes within it. */
export const maxReceiveRetryMs = 1_000;
/** While an outage lasts, one line every this many failed receives (about a minute apart). */
const repeatLogEvery = 60;

/** Errors that mean the connection to the queue was lost (refused, reset, timed out, name lookup). */
const connectionErrors =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|socket hang up|TimeoutError|NetworkingError/;

/** True when `error` is a lost connection rather than an answer from the queue (throttling, a 500). */
export function isLostConnection(error: unknown): boolean {
  const { name, code, message } = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  return [name, code, message].some((part) => typeof part === 'string' && connectionErrors.test(part));
}

/**
 * What the receive loop does while receives fail: pauses that grow from 250 ms to at most a second (so a
 * worker resumes within about a second of the queue answering again, at the price of one failed request
 * a second during an outage), one log line when the outage starts, one a minute while it lasts, and one
 * when it ends.
 */
export class ReceiveOutage {
  readonly #logger: Logger;
  #failures = 0;
  #since = 0;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Records a failed receive; returns how long to pause before the next one. */
  failed(error: unknown, now = Date.now()): number {
    if (this.#failures === 0) this.#since = now;
    this.#failures++;
    const delayMs = Math.min(maxReceiveRetryMs, 250 * 2 ** (this.#failures - 1));
    if (this.#failures % repeatLogEvery === 1) {
      const lost = isLostConnection(error);
      this.#logger.error(
        lost ? 'lost the connection to the queue; retrying every second' : 'receive failed; retrying',
        { error: String(error), failures: this.#failures, outageMs: now - this.#since },
      );
    }
    return delayMs;
  }

  /** Records a receive that worked, ending an outage if there was one. */
  succeeded(now = Date.now()): void {
    if (this.#failures === 0) return;
    this.#logger.warn('receiving from the queue again', {
      failures: this.#failures,
      outageMs: now - this.#since,
    });
    this.#failures = 0;
  }
}
