import { ConfigError, defineTask, JobNotFoundError, type JobRecord, Longhaul } from 'longhaul';
import { defaultKeepFinishedJobs, MemoryJobStore, memoryBackend } from 'longhaul/memory';
import { createTestQueue } from 'longhaul/testing';
import { describe, expect, it } from 'vitest';
import { queuedJob } from '../support/job-records.js';

const t0 = 1_700_000_000_000;

function job(id: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return queuedJob({ id, task: 'math.add', args: { a: 1, b: 2 }, history: [], ...overrides });
}

function finished(id: string, expiresAt?: number, status: JobRecord['status'] = 'succeeded'): JobRecord {
  return job(id, { status, finishedAt: t0, ...(expiresAt !== undefined ? { expiresAt } : {}) });
}

/** A store on a clock the test moves. */
function clockedStore(keepFinishedJobs?: number) {
  const clock = { now: t0 };
  const store = new MemoryJobStore({
    now: () => clock.now,
    ...(keepFinishedJobs !== undefined ? { keepFinishedJobs } : {}),
  });
  return { clock, store };
}

describe('MemoryJobStore retention', () => {
  it('evicts finished jobs at the first request after their retention ends, without reading them', async () => {
    const { clock, store } = clockedStore();
    await store.create(finished('a', t0 + 1_000));
    await store.create(finished('b', t0 + 3_000));
    await store.create(finished('c', t0 + 2_000, 'failed'));
    await store.create(job('queued'));
    expect(store.recordCount).toBe(4);

    clock.now = t0 + 2_500;
    await store.get('queued');

    expect(store.recordCount).toBe(2);
    expect(await store.get('b')).toMatchObject({ id: 'b' });
    clock.now = t0 + 3_000;
    await store.counts();
    expect(store.recordCount).toBe(1);
  });

  it('keeps at most keepFinishedJobs finished records, evicting the first to finish', async () => {
    const { store } = clockedStore(2);
    for (const id of ['q1', 'q2', 'q3']) await store.create(job(id));
    await store.create(finished('first', t0 + 60_000));
    await store.create(finished('second'));
    await store.create(finished('third', t0 + 60_000, 'cancelled'));

    expect(await store.get('first')).toBeUndefined();
    for (const id of ['q1', 'q2', 'q3', 'second', 'third']) expect(await store.get(id)).toMatchObject({ id });
    expect(store.recordCount).toBe(5);
  });

  it('counts a job from when it last finished, and not while it is retried', async () => {
    const { store } = clockedStore(2);
    await store.create(finished('a', t0 + 60_000, 'failed'));
    await store.create(finished('b', t0 + 60_000));
    // Retried: no longer finished, so it neither counts nor can be evicted by the bound.
    await store.requeue('a', t0 + 1_000);
    await store.create(finished('c', t0 + 60_000));
    expect((await store.get('a'))?.status).toBe('queued');
    expect(await store.get('b')).toMatchObject({ id: 'b' });
    // A retried job finishing again is the newest finished: `b` is now the oldest.
    await store.reject({
      id: 'a',
      task: 'math.add',
      maxAttempts: 3,
      guard: { kind: 'unstarted' },
      error: { name: 'Error', message: 'no', code: 'task_error' },
      deadLettered: false,
      at: t0 + 2_000,
      expiresAt: t0 + 60_000,
    });
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toMatchObject({ status: 'failed' });
    expect(await store.get('c')).toMatchObject({ status: 'succeeded' });
  });

  it('does not evict a retried job at the expiry it had while finished', async () => {
    const { clock, store } = clockedStore();
    await store.create(finished('a', t0 + 1_000, 'failed'));
    await store.requeue('a', t0 + 500);
    clock.now = t0 + 5_000;
    await store.counts();
    expect(await store.get('a')).toMatchObject({ status: 'queued' });
  });

  it('sweeps on expiry order after many evictions by the bound', async () => {
    const { clock, store } = clockedStore(10);
    for (let i = 0; i < 5_000; i++) await store.create(finished(`j${i}`, t0 + 10_000 + (i % 7)));
    expect(store.recordCount).toBe(10);
    clock.now = t0 + 10_003;
    await store.counts();
    // The last ten are j4990..j4999: expiries 10_000 + (i % 7); those at or before 10_003 are gone.
    const left = Array.from({ length: 10 }, (_, k) => 4990 + k).filter((i) => i % 7 > 3);
    expect(store.recordCount).toBe(left.length);
    clock.now = t0 + 20_000;
    await store.counts();
    expect(store.recordCount).toBe(0);
  });

  it('keeps every finished record until its retention ends with keepFinishedJobs: Infinity', async () => {
    const { store } = clockedStore(Number.POSITIVE_INFINITY);
    for (let i = 0; i < defaultKeepFinishedJobs + 5; i++) await store.create(finished(`j${i}`, t0 + 60_000));
    expect(store.recordCount).toBe(defaultKeepFinishedJobs + 5);
  });

  it.each([-1, 1.5, Number.NaN])('refuses keepFinishedJobs %s', (keepFinishedJobs) => {
    expect(() => new MemoryJobStore({ keepFinishedJobs })).toThrow(ConfigError);
    expect(() => memoryBackend({ keepFinishedJobs })).toThrow(
      `Expected \`keepFinishedJobs\` to be an integer from 0 up, or Infinity, got \`${keepFinishedJobs}\``,
    );
  });
});

describe('memoryBackend keepFinishedJobs', () => {
  it('reads a job evicted by the bound as one whose retention ended', async () => {
    const backend = memoryBackend({ keepFinishedJobs: 1 });
    const longhaul = new Longhaul({ backend });
    const add = defineTask({ name: 'math.add', run: async () => 'ok' });
    const first = await longhaul.enqueue(add, undefined, { jobId: 'first' });
    await longhaul.cancel(first.id);
    const second = await longhaul.enqueue(add, undefined, { jobId: 'second' });
    await longhaul.cancel(second.id);

    await expect(longhaul.getJob('first')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(longhaul.retry('first')).rejects.toBeInstanceOf(JobNotFoundError);
    expect(await longhaul.getJob('second')).toMatchObject({ status: 'cancelled' });
    // Its id is free again, as after DynamoDB's TTL.
    expect(await longhaul.enqueue(add, undefined, { jobId: 'first' })).toMatchObject({ created: true });
  });
});

describe('createTestQueue keepFinishedJobs', () => {
  it('bounds the finished records of its embedded backend', async () => {
    const echo = defineTask({ name: 'echo', run: async () => 'ok' });
    const queue = createTestQueue({ tasks: [echo], keepFinishedJobs: 1 });
    try {
      const first = await queue.runJob(echo, undefined);
      await queue.runJob(echo, undefined);
      await expect(queue.longhaul.getJob(first.id)).rejects.toBeInstanceOf(JobNotFoundError);
    } finally {
      await queue.worker.stop();
    }
  });
});
