/**
 * How long finished jobs are kept. The write that makes a job final stamps its `expiresAt`; DynamoDB's
 * TTL deletes the item some time after (typically within two days), and every read treats an expired
 * record as gone already, so a job disappears at its expiry on both backends. `retry` clears it.
 */
import { ConfigError } from './errors.js';
import { JobStatus as Status } from './job.js';
import { withoutUndefined } from './without-undefined.js';

/** Milliseconds a job is kept after it ends, by final status. */
export interface Retention {
  readonly succeededMs: number;
  /** Longer by default: a failure is what someone comes back to investigate or retry. */
  readonly failedMs: number;
  readonly cancelledMs: number;
}

/** Retention options; each falls back to {@link retentionDefaults}. */
export type RetentionOptions = Partial<Retention>;

const day = 24 * 60 * 60 * 1000;

/**
 * Every default retention, in one place. Seven days covers a week of "what happened to my job?"; a
 * failed job is kept thirty days, long enough to notice, fix the cause and `retry` it.
 */
export const retentionDefaults: Retention = {
  succeededMs: 7 * day,
  failedMs: 30 * day,
  cancelledMs: 7 * day,
};

/** DynamoDB's TTL counts in seconds, so a shorter retention could not be honoured. */
const minRetentionMs = 1_000;
/** Ten years: longer is "forever" in a job table, and keeps `expiresAt` far from overflow. */
const maxRetentionMs = 3650 * day;

/** The problems of `options`, each naming the field (under `where`), its range and the value given. */
export function retentionProblems(options: RetentionOptions | undefined, where = 'retention'): string[] {
  if (options === undefined) return [];
  if (typeof options !== 'object' || options === null) {
    return [`\`${where}\` to be an object such as { failedMs: 2592000000 }, got ${JSON.stringify(options)}`];
  }
  const problems: string[] = [];
  for (const field of Object.keys(retentionDefaults) as (keyof Retention)[]) {
    const value = options[field];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < minRetentionMs || value > maxRetentionMs) {
      problems.push(
        `\`${where}.${field}\` to be an integer from ${minRetentionMs} to ${maxRetentionMs} (ms), got \`${value}\``,
      );
    }
  }
  const unknown = Object.keys(options).filter((key) => !(key in retentionDefaults));
  if (unknown.length) {
    problems.push(
      `\`${where}\` to have only succeededMs, failedMs and cancelledMs, got ${unknown.join(', ')}`,
    );
  }
  return problems;
}

/** Applies defaults, throwing a `ConfigError` that lists every problem. */
export function resolveRetention(...layers: (RetentionOptions | undefined)[]): Retention {
  const problems = layers.flatMap((layer) => retentionProblems(layer));
  if (problems.length) throw new ConfigError(`Invalid retention: expected ${problems.join('; ')}`);
  return Object.assign({}, retentionDefaults, ...layers.map((layer) => withoutUndefined(layer ?? {})));
}

/** The statuses a retention applies to. */
export type FinalStatus = typeof Status.succeeded | typeof Status.failed | typeof Status.cancelled;

/** When a job that became `status` at `at` expires, in epoch milliseconds. */
export function expiryOf(status: FinalStatus, at: number, retention: Retention): number {
  const keep =
    status === Status.succeeded
      ? retention.succeededMs
      : status === Status.failed
        ? retention.failedMs
        : retention.cancelledMs;
  return at + keep;
}

/** True when the record's retention is over: readers treat it as deleted. */
export function isExpired(job: { readonly expiresAt?: number }, now: number = Date.now()): boolean {
  return job.expiresAt !== undefined && job.expiresAt <= now;
}
