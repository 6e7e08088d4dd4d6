import { backoffDelaySeconds, type RetryPolicy } from 'longhaul';
import { describe, expect, it } from 'vitest';

function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { maxAttempts: 10, baseDelayMs: 2_000, maxDelayMs: 15 * 60_000, ...overrides };
}

const never = () => 0;
const always = () => 0.999_999_999;
const randoms = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999_999];

describe('backoffDelaySeconds', () => {
  it('doubles the bound with every failed attempt', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => backoffDelaySeconds(policy(), attempt, always));

    expect(delays).toEqual([2, 4, 8, 16, 32]);
  });

  it('never goes below half the bound, however the jitter falls', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => backoffDelaySeconds(policy(), attempt, never));

    expect(delays).toEqual([1, 2, 4, 8, 16]);
  });

  it('stays within half the bound and the bound for every draw', () => {
    for (const attempt of [1, 2, 3, 6, 9]) {
      const boundMs = Math.min(15 * 60_000, 2_000 * 2 ** (attempt - 1));
      for (const r of randoms) {
        const seconds = backoffDelaySeconds(policy(), attempt, () => r);
        expect(seconds * 1000).toBeGreaterThanOrEqual(boundMs / 2);
        expect(seconds * 1000).toBeLessThanOrEqual(boundMs);
      }
    }
  });

  it('spreads delays with the random draw', () => {
    const low = backoffDelaySeconds(policy(), 6, () => 0);
    const high = backoffDelaySeconds(policy(), 6, () => 0.99);

    expect(low).toBe(32);
    expect(high).toBe(64);
  });

  it('caps the bound at maxDelayMs', () => {
    const capped = policy({ baseDelayMs: 1_000, maxDelayMs: 10_000 });

    expect(backoffDelaySeconds(capped, 20, always)).toBe(10);
    expect(backoffDelaySeconds(capped, 20, never)).toBe(5);
  });

  it('rounds up to whole seconds', () => {
    const odd = policy({ baseDelayMs: 1_500, maxDelayMs: 60_000 });

    for (const attempt of [1, 2, 3]) {
      for (const r of randoms) {
        expect(Number.isInteger(backoffDelaySeconds(odd, attempt, () => r))).toBe(true);
      }
    }
    expect(backoffDelaySeconds(odd, 1, () => 0.3)).toBe(1);
  });

  it('never exceeds maxDelayMs rounded up to a whole second', () => {
    const odd = policy({ baseDelayMs: 1_000, maxDelayMs: 2_500 });

    expect(backoffDelaySeconds(odd, 10, always)).toBe(3);
  });

  it('never exceeds the 12-hour visibility ceiling', () => {
    const unbounded = policy({ baseDelayMs: 60_000, maxDelayMs: 48 * 3_600_000 });

    expect(backoffDelaySeconds(unbounded, 30, always)).toBe(12 * 60 * 60);
  });

  it('stays finite for an absurd attempt number', () => {
    expect(backoffDelaySeconds(policy(), 10_000, always)).toBe(15 * 60);
  });

  it('treats attempt 0 like the first failed attempt', () => {
    expect(backoffDelaySeconds(policy(), 0, always)).toBe(backoffDelaySeconds(policy(), 1, always));
  });

  it('gives no delay when the base delay is zero', () => {
    expect(backoffDelaySeconds(policy({ baseDelayMs: 0, maxDelayMs: 0 }), 4, always)).toBe(0);
  });
});
