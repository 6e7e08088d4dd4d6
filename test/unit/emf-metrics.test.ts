import { describe, expect, it } from 'vitest';
import { JobMetrics } from '../../src/runtime/emf-metrics.js';
import { parseEmf, totalsOf } from '../support/emf.js';

function collecting(namespace?: string) {
  const lines: string[] = [];
  const metrics = new JobMetrics({
    sink: (line) => lines.push(line),
    now: () => 1_765_000_000_000,
    ...(namespace ? { namespace } : {}),
  });
  return { lines, metrics };
}

describe('JobMetrics', () => {
  it('writes nothing when nothing happened', () => {
    const { lines, metrics } = collecting();
    metrics.flush();
    expect(lines).toEqual([]);
  });

  it('writes every counter on the first line of a queue and task, and the timings as arrays of 100', () => {
    const { lines, metrics } = collecting('Shop/Jobs');
    for (let i = 0; i < 1_000; i++) {
      metrics.count('orders', 'email.send', 'JobsStarted');
      metrics.count('orders', 'email.send', 'JobsSucceeded');
      metrics.time('orders', 'email.send', 'AttemptDuration', 40 + (i % 3));
    }
    metrics.count('orders', 'report', 'JobsFailed');
    metrics.flush();
    // 1,000 timings of email.send take 10 lines of 100; report's counters take one.
    expect(lines).toHaveLength(11);
    const docs = parseEmf(lines, 'Shop/Jobs');
    expect(docs[0]).toMatchObject({
      _aws: { Timestamp: 1_765_000_000_000 },
      Queue: 'orders',
      Task: 'email.send',
      JobsStarted: 1_000,
      JobsFailed: 0,
      JobsTimedOut: 0,
    });
    const sent = totalsOf(docs, 'email.send');
    expect(sent.samples.AttemptDuration).toBe(1_000);
    expect(sent.values.AttemptDuration?.filter((ms) => ms === 40)).toHaveLength(334);
    expect(sent.values.AttemptDuration?.filter((ms) => ms === 42)).toHaveLength(333);
    expect(docs[1]).not.toHaveProperty('JobsStarted');
    expect(totalsOf(docs, 'report').counts).toMatchObject({ JobsFailed: 1, JobsStarted: 0 });
    metrics.flush();
    expect(lines).toHaveLength(11);
  });

  it('rounds to two significant digits and spreads more than 100 values over lines', () => {
    const { lines, metrics } = collecting();
    // 1..99 ms are kept exact; 100 ms and up keep two digits: 1234 → 1200, 98_765 → 99_000.
    for (let ms = 0; ms < 250; ms++) metrics.time('q', 't', 'TimeInQueue', ms);
    metrics.time('q', 't', 'TimeInQueue', 1_234);
    metrics.time('q', 't', 'TimeInQueue', 98_765);
    metrics.time('q', 't', 'TimeInQueue', -5);
    metrics.flush();
    const docs = parseEmf(lines);
    expect(docs.length).toBe(3);
    const totals = totalsOf(docs, 't', 'q');
    expect(totals.samples.TimeInQueue).toBe(253);
    expect(totals.values.TimeInQueue).toContain(1_200);
    expect(totals.values.TimeInQueue).toContain(99_000);
    expect(totals.values.TimeInQueue).toContain(250);
    expect(totals.values.TimeInQueue).not.toContain(1_234);
    // The counters go out once, on the first line only.
    expect(docs[1]).not.toHaveProperty('JobsStarted');
  });
});
