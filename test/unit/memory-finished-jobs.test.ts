import { describe, expect, it } from 'vitest';
import { FinishedJobs } from '../../src/backends/memory/memory-finished-jobs.js';

describe('FinishedJobs', () => {
  it('holds bookkeeping for the jobs it keeps, not for every job that ever finished', () => {
    const keep = 10;
    const jobs = new FinishedJobs(keep, (id) => jobs.delete(id));
    for (let i = 0; i < 100_000; i++) jobs.finished(`job-${i}`, i % 2 === 0 ? i : undefined);
    expect(jobs.size).toBe(keep);
    // The line and the heap may hold stale entries, within a constant factor of the jobs kept.
    expect(jobs.heldEntries).toBeLessThanOrEqual(4 * 1024);
  });

  it('sweeps a job at the expiry of its latest finishing only', () => {
    const evicted: string[] = [];
    const jobs = new FinishedJobs(Number.POSITIVE_INFINITY, (id) => {
      evicted.push(id);
      jobs.delete(id);
    });
    jobs.finished('same', 10);
    jobs.finished('same', 10);
    jobs.finished('later', 10);
    jobs.finished('later', 30);
    jobs.finished('never', 10);
    jobs.finished('never', undefined);
    jobs.finished('retried', 10);
    jobs.delete('retried');
    jobs.sweep(20);
    expect(evicted).toEqual(['same']);
    jobs.sweep(30);
    expect(evicted).toEqual(['same', 'later']);
    expect(jobs.size).toBe(1);
  });

  it('evicts the job that finished longest ago, counting a job finished again as new', () => {
    const evicted: string[] = [];
    const jobs = new FinishedJobs(2, (id) => {
      evicted.push(id);
      jobs.delete(id);
    });
    jobs.finished('a', undefined);
    jobs.finished('b', undefined);
    jobs.finished('a', undefined);
    jobs.finished('c', undefined);
    expect(evicted).toEqual(['b']);
    jobs.finished('d', undefined);
    expect(evicted).toEqual(['b', 'a']);
  });
});
