import { defineTask, EnqueueError, Longhaul, taskLimitDefaults } from 'longhaul';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { delegate } from '../support/delegate.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';

// Unique jobs: `enqueue(..., { key })` returns the job holding the key while it is queued, running or
// retrying (or within its window), on every backend.
describe.each(contractBackends('contract/unique-keys'))('unique keys on the $name backend', (factory) => {
  const s = useContractBackend(factory);

  const report = defineTask({
    name: 'reports.build',
    args: z.object({ tenant: z.string(), month: z.string() }),
    unique: { key: ({ tenant, month }) => `${tenant}:${month}` },
    async run({ tenant, month }) {
      return `${tenant}/${month}`;
    },
  });
  const succeeded = (id: string) => async () => (await s.longhaul.getJob(id)).status === 'succeeded';

  it('creates exactly one job of twenty enqueues with the same key', async () => {
    const enqueue = () => s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 2 }, { key: 'invoice-7' });
    // All at once: the key's one conditional PutItem lets exactly one of them create the job.
    const handles = await Promise.all(Array.from({ length: 20 }, enqueue));
    const created = handles.filter((h) => h.created);
    expect(created).toHaveLength(1);
    const holder = created[0]?.id;
    for (const handle of handles.filter((h) => !h.created)) {
      expect(handle).toMatchObject({ id: holder, created: false, matched: 'key' });
    }
    const jobs = (await s.longhaul.list({ task: 'math.add' })).jobs;
    expect(jobs.map((job) => job.id)).toEqual([holder]);
    expect(jobs[0]).toMatchObject({ key: 'invoice-7', status: 'queued' });
    // Key items are not jobs: they stay out of counts too.
    expect((await s.longhaul.counts()).byStatus.queued).toBe(1);
  });

  it('scopes keys per task and per value', async () => {
    const a = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { key: 'k' });
    const otherTask = await s.longhaul.enqueue(s.fixtures.tasks.flaky, { failures: 0 }, { key: 'k' });
    const otherKey = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { key: 'k2' });
    expect([a.created, otherTask.created, otherKey.created]).toEqual([true, true, true]);
    expect(new Set([a.id, otherTask.id, otherKey.id]).size).toBe(3);
  });

  it('takes the key from typed arguments with the task’s `unique.key`', async () => {
    const first = await s.longhaul.enqueue(report, { tenant: 'acme', month: '2026-11' });
    const again = await s.longhaul.enqueue(report, { tenant: 'acme', month: '2026-11' });
    const other = await s.longhaul.enqueue(report, { tenant: 'globex', month: '2026-11' });
    expect(again).toMatchObject({ id: first.id, created: false, matched: 'key' });
    expect(other.created).toBe(true);
    expect(await s.longhaul.getJob(first.id)).toMatchObject({ key: 'acme:2026-11' });
    // enqueueMany takes each job's key too: one new job for two new keys and one taken.
    const many = await s.longhaul.enqueueMany(report, [
      { tenant: 'acme', month: '2026-11' },
      { tenant: 'initech', month: '2026-11' },
      { tenant: 'initech', month: '2026-11' },
    ]);
    expect(many.map((h) => h.created)).toEqual([false, true, false]);
    expect(many[0]?.id).toBe(first.id);
    expect(many[2]?.id).toBe(many[1]?.id);
  });

  it('creates a new job once the holder has finished, or was cancelled', async () => {
    const first = await s.longhaul.enqueue(report, { tenant: 'acme', month: '2026-10' });
    await serveUntil(testWorker(s.t.backend, [report]), succeeded(first.id));
    const second = await s.longhaul.enqueue(report, { tenant: 'acme', month: '2026-10' });
    expect(second.created).toBe(true);
    expect(second.id).not.toBe(first.id);
    await s.longhaul.cancel(second.id);
    const third = await s.longhaul.enqueue(report, { tenant: 'acme', month: '2026-10' });
    expect(third.created).toBe(true);
    expect(new Set([first.id, second.id, third.id]).size).toBe(3);
  });

  it('keeps blocking the key within its window after the holder finished', async () => {
    const windowMs = 1_500;
    const options = { key: 'w', keyWindowMs: windowMs };
    const first = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 2, b: 2 }, options);
    // Cancelled is final at once: only the window still blocks the key.
    await s.longhaul.cancel(first.id);
    const within = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 2, b: 2 }, options);
    expect(within).toMatchObject({ id: first.id, created: false, matched: 'key' });
    const enqueuedAt = (await s.longhaul.getJob(first.id)).enqueuedAt;
    await eventually(async () => Date.now() > enqueuedAt + windowMs);
    const after = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 2, b: 2 }, options);
    expect(after.created).toBe(true);
  });

  it('waits out the enqueue grace of a holder with no record, then replaces it', async () => {
    const { keyEnqueueGraceMs } = taskLimitDefaults;
    const ghost = (jobId: string, at: number) =>
      s.t.backend.store.holdKey({ task: 'math.add', key: jobId, jobId, at, until: at });
    // A producer took these keys and has not written its job yet (or died before it could).
    await ghost('fresh', Date.now());
    await ghost('stale', Date.now() - keyEnqueueGraceMs - 1_000);
    const blocked = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { key: 'fresh' });
    expect(blocked).toMatchObject({ id: 'fresh', created: false, matched: 'key' });
    const replaced = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { key: 'stale' });
    expect(replaced.created).toBe(true);
    expect(replaced.id).not.toBe('stale');
  });

  it('hands the key back when the message cannot be sent, so the next enqueue creates the job', async () => {
    // An injected send failure: the emulator cannot be made to refuse one message on demand.
    const failing = new Longhaul({
      backend: {
        ...s.t.backend,
        transport: delegate(s.t.backend.transport, {
          send: async () => {
            throw new Error('queue unavailable');
          },
        }),
      },
    });
    await expect(
      failing.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { key: 'retry-me' }),
    ).rejects.toBeInstanceOf(EnqueueError);
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { key: 'retry-me' });
    expect(handle.created).toBe(true);
    expect(await s.longhaul.getJob(handle.id)).toMatchObject({ status: 'queued', key: 'retry-me' });
  });

  it('refuses a key that is not a string of 1–512 characters, and keys with lean tracking', async () => {
    await expect(s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { key: '' })).rejects.toMatchObject(
      {
        code: 'invalid_key',
      },
    );
    const lean = new Longhaul({ backend: s.t.backend, tracking: 'lean' });
    await expect(lean.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { key: 'k' })).rejects.toMatchObject({
      code: 'invalid_config',
    });
    expect((await s.longhaul.list({})).jobs).toEqual([]);
  });

  it('gives a key to one job at a time, replacing only the holder the caller names', async () => {
    const store = s.t.backend.store;
    const at = Date.now();
    const hold = (jobId: string, replacing?: string) =>
      store.holdKey({ task: 't', key: 'k', jobId, at, until: at + 10, ...(replacing ? { replacing } : {}) });
    expect(await hold('job-1')).toEqual({ held: true });
    expect(await hold('job-1')).toEqual({ held: true });
    expect(await hold('job-2')).toEqual({ held: false, holder: 'job-1', heldAt: at, until: at + 10 });
    expect(await hold('job-3', 'job-0')).toMatchObject({ held: false, holder: 'job-1' });
    expect(await hold('job-2', 'job-1')).toEqual({ held: true });
    expect(await hold('job-3', 'job-1')).toMatchObject({ held: false, holder: 'job-2' });
    expect(await store.holdKey({ task: 't2', key: 'k', jobId: 'job-9', at, until: at })).toEqual({
      held: true,
    });
    expect((await store.list({})).jobs).toEqual([]);
  });
});
