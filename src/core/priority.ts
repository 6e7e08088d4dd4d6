/**
 * Job priorities. A backend with priority queues sends each job to its priority's queue and serves
 * `high` first without starving `low` (see `PriorityTransport`); `normal` is the default and the only
 * priority a backend without priority queues accepts.
 */
import { ConfigError } from './errors.js';

/** The priorities, highest first. */
export const Priority = { high: 'high', normal: 'normal', low: 'low' } as const;
/** One of the priorities in {@link Priority}. */
export type Priority = (typeof Priority)[keyof typeof Priority];

/** Every priority, highest first. */
export const priorities: readonly Priority[] = [Priority.high, Priority.normal, Priority.low];

/** True for a known priority name. */
export function isPriority(value: unknown): value is Priority {
  return typeof value === 'string' && (priorities as readonly string[]).includes(value);
}

/** Checks a priority option (`what` names it in the message); undefined means `normal`. */
export function checkPriority(value: unknown, what = '`priority`'): Priority {
  if (value === undefined) return Priority.normal;
  if (!isPriority(value)) {
    throw new ConfigError(`Expected ${what} to be "high", "normal" or "low", got ${JSON.stringify(value)}`);
  }
  return value;
}
