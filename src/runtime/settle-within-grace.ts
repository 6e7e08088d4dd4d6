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
    /** What `run` settled to; undefined while it runs. */
    let own: AttemptOutcome | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let answered = false;
    const answer = () => {
      if (answered) return;
      answered = true;
      clearTimeout(graceTimer);
      signal.removeEventListener('abort', onAbort);
      resolve(
        signal.aborted || own === undefined
          ? { outcome: { ok: false, error: signal.reason }, ignoredAbort: own === undefined }
          : { outcome: own, ignoredAbort: false },
      );
    };
    // Aborted: `run` has its grace to settle in; the answer is the abort's reason either way.
    const onAbort = () => {
      graceTimer = setTimeout(answer, graceMs);
    };
    started.then(
      (value: unknown) => {
        own = { ok: true, value };
        answer();
      },
      (error: unknown) => {
        own = { ok: false, error };
        answer();
      },
    );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
