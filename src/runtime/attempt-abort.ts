/** A listener of an abort: a function, or an object whose `handleEvent` is called (as EventTarget allows). */
export type AbortListener = (() => void) | { handleEvent(): void };

/** What `SettleWithinGrace` watches: an `AbortSignal`, or an {@link AttemptAbort}. */
export interface AbortWatch {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: AbortListener, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: AbortListener): void;
}

/**
 * An attempt's abort: its reason and listeners, with the task's `AbortSignal` made only when the task
 * reads `ctx.signal`. Most tasks never do, and a controller, its signal and the abort event it
 * dispatches at the end of every attempt are a large share of a short job's cost.
 */
export class AttemptAbort implements AbortWatch {
  aborted = false;
  reason: unknown;
  #controller: AbortController | undefined;
  #finished = false;
  /**
   * The listeners: the first in a field of its own, a Set only for more. An attempt usually has one (the
   * watch on its task), and a Set per running attempt is some 150 bytes of heap.
   */
  #listener: AbortListener | undefined;
  #more: Set<AbortListener> | undefined;

  /** The task's signal: made on first read, already aborted if the attempt was. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
      else if (this.#finished) this.abort(new Error('attempt finished'));
    }
    return this.#controller.signal;
  }

  /** Aborts once, with `reason`; later calls are ignored. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.#controller?.abort(reason);
    const listeners = [this.#listener, ...(this.#more ?? [])];
    for (const listener of listeners) {
      if (listener === undefined) continue;
      if (typeof listener === 'function') listener();
      else listener.handleEvent();
    }
  }

  /**
   * Ends the attempt: aborts with "attempt finished", so what the task left listening to its signal
   * ends too. When the task never read its signal, that waits for a late read (nothing can be listening).
   */
  finish(): void {
    if (this.#controller) this.abort(new Error('attempt finished'));
    else this.#finished = true;
  }

  addEventListener(_type: 'abort', listener: AbortListener, _options?: { once?: boolean }): void {
    if (this.#listener === listener || this.#more?.has(listener)) return;
    if (this.#listener === undefined && this.#more === undefined) {
      this.#listener = listener;
      return;
    }
    this.#more ??= new Set();
    this.#more.add(listener);
  }

  removeEventListener(_type: 'abort', listener: AbortListener): void {
    if (this.#listener === listener) this.#listener = undefined;
    else this.#more?.delete(listener);
  }
}
