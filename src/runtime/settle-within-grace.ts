import { setTimeout as sleep } from 'node:timers/promises';
import type { AbortWatch } from './attempt-abort.js';

/** How a task's run ended, as the attempt records it. */
export type AttemptOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs `run` until it settles or `signal` aborts. After an abort it waits up to `graceMs` for `run` to
 * settle (a task honouring its signal cleans up and rejects), then answers with the abort's reason either
 * way: an attempt aborted for a timeout is a timeout even if it resolved during its grace. `ignoredAbort`
 * says `run` was still going when the grace ran out; its code may keep running in the background.
 */
export async function settleWithinGrace(
  run: () => Promise<unknown>,
  signal: AbortWatch,
  graceMs: number,
): Promise<{ outcome: AttemptOutcome; ignoredAbort: boolean }> {
  let settledYet = false;
  let started: Promise<unknown>;
  try {
    // Called at once, as a task expects: its signal may abort before the next tick.
    started = Promise.resolve(run());
  } catch (error) {
    started = Promise.reject(error);
  }
  const execution: Promise<AttemptOutcome> = started
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    )
    .finally(() => {
      settledYet = true;
    });
  // A listener removed by hand, not through a second AbortController: each one costs an EventTarget
  // with two Maps, about 0.4 KiB of heap for as long as the attempt runs.
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    if (signal.aborted) resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const first = await Promise.race([execution, aborted]);
  signal.removeEventListener('abort', onAbort);
  if (first !== undefined && !signal.aborted) return { outcome: first, ignoredAbort: false };
  if (!settledYet) {
    const graceOver = new AbortController();
    await Promise.race([
      execution,
      sleep(graceMs, undefined, { signal: graceOver.signal }).catch(() => undefined),
    ]);
    graceOver.abort();
  }
  return { outcome: { ok: false, error: signal.reason }, ignoredAbort: !settledYet };
}
