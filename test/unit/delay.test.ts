import { ConfigError, defineTask, planDelay } from 'longhaul';
import { queueArnFromUrl, scheduleNameOf } from 'longhaul/aws';
import { describe, expect, it } from 'vitest';

describe('planDelay', () => {
  const now = 1_700_000_000_000;
  it('leaves the queue to hold delays up to 900 s and hands longer ones to the delay scheduler', () => {
    expect(planDelay({}, now)).toEqual({ kind: 'none' });
    expect(planDelay({ delaySeconds: 900 }, now)).toEqual({
      kind: 'queue',
      runAt: now + 900_000,
      delaySeconds: 900,
    });
    expect(planDelay({ delaySeconds: 901 }, now)).toEqual({ kind: 'scheduler', runAt: now + 901_000 });
    // A run time waits whole seconds, rounded up: never early.
    expect(planDelay({ runAt: now + 1_200 }, now)).toEqual({
      kind: 'queue',
      runAt: now + 1_200,
      delaySeconds: 2,
    });
    expect(planDelay({ runAt: new Date(now - 1) }, now)).toEqual({ kind: 'none' });
  });

  it('rejects a delay past five years', () => {
    expect(() => planDelay({ delaySeconds: 5 * 366 * 24 * 3600 }, now)).toThrow(/`delaySeconds`.*5 years/);
    expect(() => planDelay({ runAt: now + 6 * 365 * 24 * 3600 * 1000 }, now)).toThrow(/`runAt`/);
  });
});

describe('task priorities', () => {
  it('rejects an unknown default priority, naming the task', () => {
    expect(() => defineTask({ name: 'x', priority: 'urgent' as 'high', run() {} })).toThrow(ConfigError);
    expect(() => defineTask({ name: 'x', priority: 'urgent' as 'high', run() {} })).toThrow(
      'Expected `priority` of task "x" to be "high", "normal" or "low", got "urgent"',
    );
    expect(defineTask({ name: 'x', priority: 'low', run() {} }).priority).toBe('low');
    expect(defineTask({ name: 'x', priority: 'normal', run() {} }).priority).toBeUndefined();
  });
});

describe('EventBridge Scheduler names', () => {
  it("derives a queue's ARN from its AWS URL, and nothing from an emulator's", () => {
    expect(queueArnFromUrl('https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-high')).toBe(
      'arn:aws:sqs:eu-west-1:123456789012:jobs-high',
    );
    expect(queueArnFromUrl('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/jobs')).toBe(
      'arn:aws-cn:sqs:cn-north-1:123456789012:jobs',
    );
    expect(queueArnFromUrl('http://localhost:4566/000000000000/jobs')).toBeUndefined();
  });

  it('names a schedule by the job id when valid, else by its hash', () => {
    expect(scheduleNameOf('order-42.v2_a')).toBe('order-42.v2_a');
    expect(scheduleNameOf('order/42')).toMatch(/^[0-9a-f]{64}$/);
    expect(scheduleNameOf('x'.repeat(65))).toMatch(/^[0-9a-f]{64}$/);
  });
});
