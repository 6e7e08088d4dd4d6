/**
 * When a delayed job runs: `enqueue`'s `delaySeconds` or `runAt`, checked and turned into one run time.
 * Up to {@link maxQueueDelaySeconds} the queue itself holds the message (SQS `DelaySeconds`); a longer
 * delay needs the backend's delay scheduler, so the message never loops through the queue while it waits.
 */
import { ConfigError } from './errors.js';

/** The longest delay SQS holds a message for (`DelaySeconds`), and the memory queue with it. */
export const maxQueueDelaySeconds = 900;

/** Five years: a bound on `delaySeconds`, far past any sensible delay, that keeps dates in range. */
export const maxDelaySeconds = 5 * 365 * 24 * 3600;

/** How a job waits for its run time. */
export type DelayPlan =
  /** Runs now. */
  | { readonly kind: 'none' }
  /** The queue holds the message for `delaySeconds` (at most 900). */
  | { readonly kind: 'queue'; readonly runAt: number; readonly delaySeconds: number }
  /** The backend's delay scheduler sends the message at `runAt`. */
  | { readonly kind: 'scheduler'; readonly runAt: number };

/** The delay options of `enqueue` and `enqueueMany`. */
export interface DelayOptions {
  /** Wait this long before the first attempt, in whole seconds (any length). Default 0. */
  readonly delaySeconds?: number;
  /** Run at this time (a `Date` or epoch milliseconds); a time in the past runs at once. */
  readonly runAt?: Date | number;
}

/**
 * Checks `delaySeconds` and `runAt` (at most one of them) and plans the wait from `now`. A wait is whole
 * seconds, rounded up, so a job never runs before its `runAt`.
 */
export function planDelay(options: DelayOptions, now: number): DelayPlan {
  const { delaySeconds, runAt } = options;
  if (delaySeconds !== undefined && runAt !== undefined) {
    throw new ConfigError(
      `Expected at most one of \`delaySeconds\` and \`runAt\`, got both (${delaySeconds} and ${String(runAt)})`,
    );
  }
  let at: number;
  if (runAt !== undefined) {
    const ms = runAt instanceof Date ? runAt.getTime() : runAt;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms > now + maxDelaySeconds * 1000) {
      throw new ConfigError(
        `Expected \`runAt\` to be a valid Date or epoch milliseconds within 5 years, got \`${String(runAt)}\``,
      );
    }
    at = ms;
  } else {
    const seconds = delaySeconds ?? 0;
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > maxDelaySeconds) {
      throw new ConfigError(
        `Expected \`delaySeconds\` to be an integer from 0 to ${maxDelaySeconds} (5 years), got \`${seconds}\``,
      );
    }
    at = now + seconds * 1000;
  }
  const wait = Math.ceil((at - now) / 1000);
  if (wait <= 0) return { kind: 'none' };
  if (wait <= maxQueueDelaySeconds) return { kind: 'queue', runAt: at, delaySeconds: wait };
  return { kind: 'scheduler', runAt: at };
}
