import { describe, expect, it } from 'vitest';
import { FinishedJobs } from '../../src/backends/memory/memory-finished-jobs.js';

interface FinalRecord {
  readonly expiresAt: number | undefined;
}

/** FinishedJobs over a store of final records, as the embedded store drives it. */
function finishedJobs(keep: number) {
  const stored = new Map<string, FinalRecord>();
  const evicted: string[] = [];
  const asked = { holds: 0, expires: 0 };
  const jobs = new FinishedJobs<FinalRecord>(
    keep,
    (id, record) => {
      asked.holds++;
      return stored.get(id) === record;
    },
    (id, at) => {
      asked.expires++;
      return stored.get(id)?.expiresAt === at;
    },
    (id) => {
      evicted.push(id);
      stored.delete(id);
    },
  );
  return {
    jobs,
    stored,
    evicted,
    asked,
    finish(id: string, expiresAt?: number): void {
      const held = stored.get(id);
      const record = { expiresAt };
      stored.set(id, record);
      const sameExpiry = held !== undefined && expiresAt !== undefined && held.expiresAt === expiresAt;
      jobs.finished(id, record, expiresAt, held !== undefined, sameExpiry);
    },
    /** Retried or removed: no longer a finished record in the store. */
    unfinish(id: string): void {
      if (stored.delete(id)) jobs.forget();
    },
  };
}

describe('FinishedJobs', () => {
  it('holds bookkeeping for the jobs it keeps, not for every job that ever finished', () => {
    const keep = 10;
    const { jobs, finish } = finishedJobs(keep);
    for (let i = 0; i < 100_000; i++) finish(`job-${i}`, i % 2 === 0 ? i : undefined);
    expect(jobs.size).toBe(keep);
    // The line and the heap may hold stale entries, within a constant factor of the jobs kept.
    expect(jobs.heldEntries).toBeLessThanOrEqual(4 * 1024);
  });

  it('holds bookkeeping within bounds while the jobs it keeps finish again and again', () => {
    const { jobs, finish, unfinish } = finishedJobs(100);
    for (let i = 0; i < 100_000; i++) {
      const id = `job-${i % 100}`;
      if (i % 3 === 0) unfinish(id);
      finish(id, i);
    }
    expect(jobs.size).toBe(100);
    expect(jobs.heldEntries).toBeLessThanOrEqual(4 * 1024);
  });

  it('asks the store about no entry while jobs only finish, each kept as long as the others', () => {
    const { jobs, asked, finish } = finishedJobs(100);
    // Many jobs finish in the same millisecond: equal expiries go in the order they finished.
    for (let i = 0; i < 10_000; i++) finish(`job-${i}`, 1_000 + (i >> 3));
    expect(jobs.size).toBe(100);
    expect(asked).toEqual({ holds: 0, expires: 0 });
    expect(jobs.heldEntries).toBeLessThanOrEqual(2 * 1024 + 100);
  });

  it('sweeps a job at the expiry of its latest finishing only', () => {
    const { jobs, evicted, finish, unfinish } = finishedJobs(Number.POSITIVE_INFINITY);
    finish('same', 10);
    finish('same', 10);
    finish('later', 10);
    finish('later', 30);
    finish('never', 10);
    finish('never', undefined);
    finish('retried', 10);
    unfinish('retried');
    jobs.sweep(20);
    expect(evicted).toEqual(['same']);
    jobs.sweep(30);
    expect(evicted).toEqual(['same', 'later']);
    expect(jobs.size).toBe(1);
  });

  it('evicts the job that finished longest ago, counting a job finished again as new', () => {
    const { evicted, finish } = finishedJobs(2);
    finish('a');
    finish('b');
    finish('a');
    finish('c');
    expect(evicted).toEqual(['b']);
    finish('d');
    expect(evicted).toEqual(['b', 'a']);
  });
});
