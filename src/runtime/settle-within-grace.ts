import type { AbortWatch } from './attempt-abort.js';

/** How a task's run ended, as the attempt records it. */
export type AttemptOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** What {@link settleWithinGrace} answers. */
export interface Settled {
  readonly outcome: AttemptOutcome;
  readonly ignoredAbort: boolean;
}

/**
 * Runs `run` until it settles or `signal` aborts. After an abort it waits up to `graceMs` for `run` to
 * settle (a task honouring its signal cleans up and rejects), then answers with the abort's reason either
 * way: an attempt aborted for a timeout is a timeout even if it resolved during its grace. `ignoredAbort`
 * says `run` was still going when the grace ran out; its code may keep running in the background.
 *
 * One promise settled by hand rather than an async function racing two others: while a task runs, this
 * holds one pending promise, one reaction on the task's and one abort listener (a paused async function,
 * the race and its promises were about 1 KiB of heap per running attempt).
 */
export function settleWithinGrace(
  run: () => Promise<unknown>,
  signal: AbortWatch,
  graceMs: number,
): Promise<Settled> {
  let started: Promise<unknown>;
  try {
    // Called at once, as a task expects: its signal may abort before the next tick.
    started = Promise.resolve(run());
  } catch (error) {
    started = Promise.reject(error);
  }
  return new Promise<Settled>((resolve) => {
    const settling = new Settling(signal, graceMs, resolve);
    started.then(
      (value: unknown) => settling.ran({ ok: true, value }),
      (error: unknown) => settling.ran({ ok: false, error }),
    );
    if (signal.aborted) settling.handleEvent();
    // The object is the listener (its `handleEvent`): no closure to keep while the task runs.
    else signal.addEventListener('abort', settling, { once: true });
  });
}

/** One task's run being watched: what it settled to, and the grace timer once its signal aborted. */
class Settling {
  readonly #signal: AbortWatch;
  readonly #graceMs: number;
  readonly #resolve: (settled: Settled) => void;
  /** What `run` settled to; undefined while it runs. */
  #own: AttemptOutcome | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  #answered = false;

  constructor(signal: AbortWatch, graceMs: number, resolve: (settled: Settled) => void) {
    this.#signal = signal;
    this.#graceMs = graceMs;
    this.#resolve = resolve;
  }

  /** `run` settled. */
  ran(outcome: AttemptOutcome): void {
    this.#own = outcome;
    this.answer();
  }

  /** The signal aborted: `run` has its grace to settle in; the answer is the abort's reason either way. */
  handleEvent(): void {
    this.#graceTimer = setTimeout(graceOver, this.#graceMs, this);
  }

  answer(): void {
    if (this.#answered) return;
    this.#answered = true;
    clearTimeout(this.#graceTimer);
    const signal = this.#signal;
    signal.removeEventListener('abort', this);
    const own = this.#own;
    this.#resolve(
      signal.aborted || own === undefined
        ? { outcome: { ok: false, error: signal.reason }, ignoredAbort: own === undefined }
        : { outcome: own, ignoredAbort: false },
    );
  }
}

function graceOver(settling: Settling): void {
  settling.answer();
}
