import type { AbortWatch } from './attempt-abort.js';

/** How a task's run ended, as the attempt records it. */
export type AttemptOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** What {@link SettleWithinGrace} answers. */
export interface Settled {
  readonly outcome: AttemptOutcome;
  readonly ignoredAbort: boolean;
}

/**
 * Watches a run until it settles or `signal` aborts. After an abort it waits up to `graceMs` for the run to
 * settle (a task honouring its signal cleans up and rejects), then answers with the abort's reason either
 * way: an attempt aborted for a timeout is a timeout even if it resolved during its grace. `ignoredAbort`
 * says the run was still going when the grace ran out; its code may keep running in the background.
 *
 * A class to extend, answering through {@link settled}, rather than a function answering a promise: the
 * running attempt is the watch. While a task runs this holds one reaction on the task's promise (its two
 * handlers share a context holding only the watch) and the watch itself as the signal's listener; no
 * promise of its own with its resolving functions, no reaction on that promise, no object apart (those
 * were some 0.4 KiB of heap per running attempt).
 */
export abstract class SettleWithinGrace {
  readonly #signal: AbortWatch;
  readonly #graceMs: number;
  /** What the run settled to; undefined while it runs. */
  #own: AttemptOutcome | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  #answered = false;

  constructor(signal: AbortWatch, graceMs: number) {
    this.#signal = signal;
    this.#graceMs = graceMs;
  }

  /** How long the run has to settle once its signal aborted. */
  get graceMs(): number {
    return this.#graceMs;
  }

  /** Called once: the run settled, or its grace ran out after an abort. */
  protected abstract settled(settled: Settled): void;

  /**
   * Calls `run` at once, as a task expects (its signal may abort before the next tick), and watches it.
   * A synchronous throw counts as a rejection.
   */
  protected watch(run: () => Promise<unknown>): void {
    let started: Promise<unknown>;
    try {
      started = Promise.resolve(run());
    } catch (error) {
      started = Promise.reject(error);
    }
    started.then(
      (value: unknown) => this.#ran({ ok: true, value }),
      (error: unknown) => this.#ran({ ok: false, error }),
    );
    const signal = this.#signal;
    if (signal.aborted) this.handleEvent();
    // The watch is the listener (its `handleEvent`): no closure to keep while the task runs.
    else signal.addEventListener('abort', this, { once: true });
  }

  /** The signal aborted: the run has its grace to settle in; the answer is the abort's reason either way. */
  handleEvent(): void {
    this.#graceTimer = setTimeout(SettleWithinGrace.#graceOver, this.#graceMs, this);
  }

  static #graceOver(watch: SettleWithinGrace): void {
    watch.#answer();
  }

  #ran(outcome: AttemptOutcome): void {
    this.#own = outcome;
    this.#answer();
  }

  #answer(): void {
    if (this.#answered) return;
    this.#answered = true;
    clearTimeout(this.#graceTimer);
    const signal = this.#signal;
    signal.removeEventListener('abort', this);
    const own = this.#own;
    this.settled(
      signal.aborted || own === undefined
        ? { outcome: { ok: false, error: signal.reason }, ignoredAbort: own === undefined }
        : { outcome: own, ignoredAbort: false },
    );
  }
}
