import { ConfigError } from './errors.js';

/** How a task retries. Delays are applied by hiding the job's message (SQS visibility), not by sleeping. */
export interface RetryPolicy {
  /** Attempts in all, including the first. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The retry settings a task gets when it names none. */
export const retryDefaults = {
  retries: 3,
  baseDelayMs: 2_000,
  /** 15 minutes: well inside SQS's 12-hour visibility ceiling. */
  maxDelayMs: 15 * 60_000,
} as const;

/**
 * How many times a job's attempts may be interrupted by a stopping worker (shutdown past its grace
 * period) before the job fails with `too_many_interruptions`. Interruptions do not use up retries;
 * this cap only ends a stop loop.
 */
export const maxInterruptions = 10;

/** SQS refuses a visibility timeout above 12 hours. */
export const maxVisibilitySeconds = 12 * 60 * 60;

/** Applies the defaults to a task's retry options and checks them all at once. */
export function resolveRetryPolicy(
  taskName: string,
  retries: number | undefined,
  backoff: Partial<Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>> | undefined,
): RetryPolicy {
  const policy = {
    maxAttempts: (retries ?? retryDefaults.retries) + 1,
    baseDelayMs: backoff?.baseDelayMs ?? retryDefaults.baseDelayMs,
    maxDelayMs: backoff?.maxDelayMs ?? retryDefaults.maxDelayMs,
  };
  const problems: string[] = [];
  if (!Number.isInteger(retries ?? 0) || (retries ?? 0) < 0 || (retries ?? 0) > 100) {
    problems.push(`\`retries\` to be an integer from 0 to 100, got \`${retries}\``);
  }
  if (!Number.isInteger(policy.baseDelayMs) || policy.baseDelayMs < 0) {
    problems.push(`\`backoff.baseDelayMs\` to be an integer from 0 and up, got \`${policy.baseDelayMs}\``);
  }
  if (
    !Number.isInteger(policy.maxDelayMs) ||
    policy.maxDelayMs < policy.baseDelayMs ||
    policy.maxDelayMs > maxVisibilitySeconds * 1000
  ) {
    problems.push(
      `\`backoff.maxDelayMs\` to be an integer from baseDelayMs (${policy.baseDelayMs}) to ${maxVisibilitySeconds * 1000} (12 h), got \`${policy.maxDelayMs}\``,
    );
  }
  if (problems.length) throw new ConfigError(`Task "${taskName}": expected ${problems.join('; ')}`);
  return policy;
}

/**
 * The delay before attempt `failedAttempt + 1`: exponential growth with "equal jitter" (half the bound
 * fixed, half drawn at random), which spreads retries of jobs that failed together while keeping each
 * delay at least half the exponential bound. Rounded up to whole seconds because the queue's
 * visibility timeout has that granularity.
 */
export function backoffDelaySeconds(
  policy: RetryPolicy,
  failedAttempt: number,
  random = Math.random,
): number {
  const exponent = Math.min(Math.max(failedAttempt - 1, 0), 30);
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.min(Math.ceil((bound / 2 + (bound / 2) * random()) / 1000), maxVisibilitySeconds);
}
