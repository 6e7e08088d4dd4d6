/**
 * A task's unique-key and limit settings: what `defineTask({ unique, limits })` and `enqueue(..., { key })`
 * take, their defaults, and their validation. Keys are computed in code from typed arguments, never
 * evaluated from a message.
 */
import { ConfigError, InvalidKeyError } from './errors.js';
import { isWellFormedUtf16 } from './json-args.js';

/** The defaults of unique keys and limits, in one place. */
export const taskLimitDefaults = {
  /**
   * A key's holder whose job record is missing blocks the key this long after it took it: enough for
   * its producer to send the message and write the record. After that the producer is taken for dead
   * (it took the key, then crashed before writing) and the key is free again.
   */
  keyEnqueueGraceMs: 60_000,
  /**
   * DynamoDB's TTL may delete a key's hold this long after its window ends: SQS keeps a message at most
   * 14 days, so by then the holder has long finished (or its message is gone).
   */
  keyHoldRetentionMs: 14 * 24 * 60 * 60_000,
  /**
   * A job waiting for a concurrency slot comes back after a random delay from `min` to the longest of
   * `max` and a tenth of the time since it was enqueued, capped at `cap` (seconds): prompt for a short
   * wait, and no more than about one check a minute per job while long jobs hold every slot.
   */
  concurrencyWaitSeconds: { min: 1, max: 5, cap: 60 },
  /** SQS's longest message delay: no wait for a limit is longer. */
  maxWaitSeconds: 900,
} as const;

/** Keys are stored in a DynamoDB partition key (2 048 bytes) beside the task name. */
export const maxKeyChars = 512;

/** A key computed from a task's (parsed) arguments, such as a tenant or a document id. */
export type KeyOf<TArgs> = (args: TArgs) => string;

/** `defineTask({ unique })`: at most one job per key while it is queued or running (or in its window). */
export interface UniqueOptions<TArgs> {
  /** The job's key, from its arguments. `enqueue(..., { key })` overrides it. */
  readonly key: KeyOf<TArgs>;
  /** Also block the key for this long after the holder was enqueued, even once it finished. Default 0. */
  readonly windowMs?: number;
}

/** At most `max` starts per `perMs`, counted in fixed windows of `perMs`. */
export interface RateLimit {
  /** 1 and up. */
  readonly max: number;
  /** The window, in milliseconds: a whole number of seconds from 1 s to 1 day (SQS delays are whole seconds). */
  readonly perMs: number;
}

/** `defineTask({ limits })`: enforced in the job store, so they hold across every worker and Lambda. */
export interface TaskLimitOptions<TArgs> {
  /** At most this many attempts of the task (per key, with `key`) running at once. */
  readonly concurrency?: number;
  /** At most `max` attempts started per `perMs` (per key, with `key`). */
  readonly rate?: RateLimit;
  /** Limit per key (a tenant, an account) instead of per task. */
  readonly key?: KeyOf<TArgs>;
}

/** A task's limits, checked. */
export interface TaskLimits {
  readonly concurrency?: number;
  readonly rate?: RateLimit;
  readonly key?: KeyOf<unknown>;
}

/** A task's unique-key setting, checked. */
export interface TaskUnique {
  readonly key: KeyOf<unknown>;
  readonly windowMs: number;
}

const maxWindowMs = 365 * 24 * 60 * 60_000;

/** Checks a task's `unique` option. */
export function resolveUnique(
  taskName: string,
  unique: UniqueOptions<never> | undefined,
): TaskUnique | undefined {
  if (unique === undefined) return undefined;
  const problems: string[] = [];
  if (typeof unique?.key !== 'function') {
    problems.push(`\`unique.key\` to be a function of the arguments, got ${typeof unique?.key}`);
  }
  const windowMs = unique?.windowMs ?? 0;
  if (!isWindow(windowMs)) {
    problems.push(`\`unique.windowMs\` to be an integer from 0 to ${maxWindowMs}, got \`${windowMs}\``);
  }
  throwProblems(taskName, problems);
  return { key: unique.key as KeyOf<unknown>, windowMs };
}

/**
 * Checks a task's `limits` option: one limit, or two that must both allow a start (one for the task and
 * one per key, such as per tenant).
 */
export function resolveTaskLimits(
  taskName: string,
  options: TaskLimitOptions<never> | readonly TaskLimitOptions<never>[] | undefined,
): readonly TaskLimits[] | undefined {
  if (options === undefined) return undefined;
  const list = Array.isArray(options) ? options : [options as TaskLimitOptions<never>];
  const problems: string[] = [];
  if (list.length === 0) problems.push('`limits` to hold at least one limit, got an empty list');
  const resolved = list.map((limit, i) =>
    resolveOne(Array.isArray(options) ? `limits[${i}]` : 'limits', limit, problems),
  );
  // Each limit is named by the task (and key): two of a kind would share their items.
  const taskWide = list.filter((limit) => limit?.key === undefined).length;
  if (taskWide > 1 || list.length - taskWide > 1) {
    problems.push(
      `\`limits\` to hold at most one limit without \`key\` and one with, got ${taskWide} and ${list.length - taskWide}`,
    );
  }
  throwProblems(taskName, problems);
  return resolved;
}

function resolveOne(field: string, options: TaskLimitOptions<never>, problems: string[]): TaskLimits {
  const { concurrency, rate, key } = options ?? {};
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    problems.push(`\`${field}.concurrency\` to be an integer from 1 and up, got \`${concurrency}\``);
  }
  if (rate !== undefined) {
    if (!(Number.isInteger(rate?.max) && rate.max >= 1)) {
      problems.push(`\`${field}.rate.max\` to be an integer from 1 and up, got \`${rate?.max}\``);
    }
    const perMs = rate?.perMs;
    if (!(Number.isInteger(perMs) && perMs >= 1_000 && perMs <= 86_400_000 && perMs % 1_000 === 0)) {
      problems.push(
        `\`${field}.rate.perMs\` to be a whole number of seconds in milliseconds from 1000 to 86400000, got \`${perMs}\``,
      );
    }
  }
  if (key !== undefined && typeof key !== 'function') {
    problems.push(`\`${field}.key\` to be a function of the arguments, got ${typeof key}`);
  }
  if (concurrency === undefined && rate === undefined) {
    problems.push(`\`${field}\` to set \`concurrency\`, \`rate\` or both, got neither`);
  }
  return {
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(rate !== undefined ? { rate: { max: rate.max, perMs: rate.perMs } } : {}),
    ...(key !== undefined ? { key: key as KeyOf<unknown> } : {}),
  };
}

/** Checks `enqueue`'s `keyWindowMs`. */
export function checkKeyWindow(windowMs: number): number {
  if (!isWindow(windowMs)) {
    throw new ConfigError(
      `Expected \`keyWindowMs\` to be an integer from 0 to ${maxWindowMs}, got \`${windowMs}\``,
    );
  }
  return windowMs;
}

/**
 * Runs a key function (or checks a given key): a non-empty string of at most {@link maxKeyChars}
 * characters. Throws {@link InvalidKeyError}: a key that cannot be computed is bad input.
 */
export function computeKey(taskName: string, what: string, compute: () => unknown): string {
  let key: unknown;
  try {
    key = compute();
  } catch (error) {
    throw new InvalidKeyError(taskName, what, `the key function threw: ${String(error)}`, error);
  }
  if (typeof key !== 'string' || key.length === 0 || key.length > maxKeyChars) {
    throw new InvalidKeyError(
      taskName,
      what,
      `expected a string of 1–${maxKeyChars} characters, got ${typeof key === 'string' ? `${key.length} characters` : typeof key}`,
    );
  }
  if (!isWellFormedUtf16(key)) {
    throw new InvalidKeyError(
      taskName,
      what,
      'expected well-formed UTF-16, got a string with a lone surrogate',
    );
  }
  return key;
}

function isWindow(windowMs: number): boolean {
  return Number.isInteger(windowMs) && windowMs >= 0 && windowMs <= maxWindowMs;
}

function throwProblems(taskName: string, problems: readonly string[]): void {
  if (problems.length) {
    throw new ConfigError(`Invalid options of task "${taskName}": expected ${problems.join('; ')}`);
  }
}
