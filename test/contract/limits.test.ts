import { defineTask, type JobStore, Longhaul } from 'longhaul';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends, type TestBackend } from '../support/backends.js';
import { delegate } from '../support/delegate.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Concurrency and rate limits, enforced in the job store across several workers, on every backend.
describe.each(contractBackends('contract/limits'))('task limits on the $name backend', (factory) => {
  let t: TestBackend | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });
  /** A backend whose queue dead-letters on the second receive: any wait that hid the message would show. */
  const strictBackend = async () => {
    t = await factory.create({ maxReceiveCount: 2 });
    return {
      t,
      backend: t.backend,
      longhaul: new Longhaul({ backend: t.backend }),
    };
  };
  const allSucceeded = (longhaul: Longhaul, ids: readonly string[]) => async () => {
    const jobs = await Promise.all(ids.map((id) => longhaul.getJob(id)));
    return jobs.every((job) => job.status === 'succeeded') && jobs;
  };

  it('never runs more than `concurrency` at once across workers; waiting spends no attempt', async () => {
    const { t, backend, longhaul } = await strictBackend();
    const running = { now: 0, max: 0 };
    const render = defineTask({
      name: 'video.render',
      args: z.object({ n: z.number() }),
      retries: 0,
      limits: { concurrency: 2 },
      async run({ n }) {
        running.now++;
        running.max = Math.max(running.max, running.now);
        await sleep(400);
        running.now--;
        return n;
      },
    });
    const handles = await longhaul.enqueueMany(
      render,
      Array.from({ length: 6 }, (_, n) => ({ n })),
    );
    const ids = handles.map((h) => h.id);
    const workers = [1, 2, 3].map((i) => testWorker(backend, [render], { workerId: `w${i}` }));
    for (const worker of workers.slice(1)) worker.start();
    try {
      const jobs = await serveUntil(
        workers[0] as ReturnType<typeof testWorker>,
        allSucceeded(longhaul, ids),
        45_000,
      );
      expect(running.max).toBeLessThanOrEqual(2);
      for (const job of jobs) expect(job).toMatchObject({ status: 'succeeded', attempts: 1 });
      // Some waited, and said so on the job.
      expect(jobs.filter((job) => job.limited?.by === 'concurrency').length).toBeGreaterThan(0);
      expect(jobs.find((job) => job.limited)?.limited).toMatchObject({ limit: 'video.render' });
    } finally {
      await Promise.all(workers.slice(1).map((worker) => worker.stop()));
    }
    expect(await t.deadLetters()).toEqual([]);
    // Every slot was released: a new job starts at once.
    expect(
      await t.backend.store.acquireSlot({
        limit: 'video.render',
        token: 'probe',
        max: 2,
        leaseExpiresAt: Date.now() + 1_000,
      }),
    ).toEqual({ acquired: true });
  });

  it('limits per key independently: one tenant’s full limit does not hold back another', async () => {
    const { t, backend, longhaul } = await strictBackend();
    const started = new Set<string>();
    const running = new Map<string, number>();
    let maxPerTenant = 0;
    const sync = defineTask({
      name: 'crm.sync',
      args: z.object({ tenant: z.string(), waitFor: z.string().optional() }),
      retries: 0,
      limits: { concurrency: 1, key: ({ tenant }) => tenant },
      async run({ tenant, waitFor }) {
        started.add(tenant);
        running.set(tenant, (running.get(tenant) ?? 0) + 1);
        maxPerTenant = Math.max(maxPerTenant, running.get(tenant) ?? 0);
        // Holds acme's only slot until globex has started: possible only if their limits are separate.
        const sawOther = waitFor
          ? await eventually(async () => started.has(waitFor), 15_000).catch(() => false)
          : true;
        await sleep(100);
        running.set(tenant, (running.get(tenant) ?? 0) - 1);
        return sawOther;
      },
    });
    const first = await longhaul.enqueue(sync, { tenant: 'acme', waitFor: 'globex' });
    const second = await longhaul.enqueue(sync, { tenant: 'acme' });
    const other = await longhaul.enqueue(sync, { tenant: 'globex' });
    const ids = [first.id, second.id, other.id];
    const workers = [testWorker(backend, [sync], { workerId: 'w2' })];
    workers[0]?.start();
    try {
      const jobs = await serveUntil(
        testWorker(backend, [sync], { workerId: 'w1' }),
        allSucceeded(longhaul, ids),
        45_000,
      );
      expect(jobs.map((job) => job.result)).toEqual([true, true, true]);
      expect(jobs.map((job) => job.attempts)).toEqual([1, 1, 1]);
    } finally {
      await workers[0]?.stop();
    }
    expect(maxPerTenant).toBe(1);
    expect(await t.deadLetters()).toEqual([]);
  });

  it('spreads starts over rate windows: at most `max` starts in each', async () => {
    const { t, backend, longhaul } = await strictBackend();
    // A start counts in the window the limiter gave it when it admitted the job, before the claim: the
    // task's first line can come a round trip later, in the next window (so its clock would show more
    // than `max` there, while the limit held).
    const admitted: number[] = [];
    const counted: typeof backend = {
      ...backend,
      store: delegate<JobStore>(backend.store, {
        takeRateStart: async (request) => {
          const taken = await backend.store.takeRateStart(request);
          if (taken) admitted.push(request.window);
          return taken;
        },
      }),
    };
    let starts = 0;
    const perMs = 1_000;
    const ping = defineTask({
      name: 'api.ping',
      args: z.object({ n: z.number() }),
      retries: 0,
      limits: { rate: { max: 2, perMs } },
      async run({ n }) {
        starts++;
        return n;
      },
    });
    const handles = await longhaul.enqueueMany(
      ping,
      Array.from({ length: 6 }, (_, n) => ({ n })),
    );
    const jobs = await serveUntil(
      testWorker(counted, [ping], { concurrency: 6 }),
      allSucceeded(
        longhaul,
        handles.map((h) => h.id),
      ),
      45_000,
    );
    const perWindow = new Map<number, number>();
    for (const window of admitted) perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
    expect(starts).toBe(6);
    expect(admitted).toHaveLength(6);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(2);
    expect(perWindow.size).toBeGreaterThanOrEqual(3);
    for (const job of jobs) expect(job.attempts).toBe(1);
    expect(jobs.filter((job) => job.limited?.by === 'rate').length).toBeGreaterThan(0);
    expect(await t.deadLetters()).toEqual([]);
  });

  it('fails a job whose limit key cannot be computed, with its reason', async () => {
    const { t, backend, longhaul } = await strictBackend();
    const bad = defineTask({
      name: 'bad.key',
      args: z.object({ tenant: z.string() }),
      retries: 0,
      limits: { concurrency: 1, key: ({ tenant }) => tenant },
      run: () => 'never runs',
    });
    const job = await longhaul.enqueue(bad, { tenant: '' });
    const failed = await serveUntil(testWorker(backend, [bad]), async () => {
      const record = await longhaul.getJob(job.id);
      return record.status === 'failed' && record;
    });
    expect(failed).toMatchObject({ attempts: 0, error: { code: 'invalid_key' }, deadLettered: true });
    await eventually(async () => (await t?.deadLetters())?.some((m) => m.code === 'invalid_key'));
  });

  describe('the store’s slots and windows', () => {
    let store: JobStore;
    const slot = (token: string, leaseExpiresAt: number) =>
      store.acquireSlot({ limit: 'task#tenant', token, max: 2, leaseExpiresAt });

    it('grants up to `max` slots, frees a crashed holder’s expired slot, and renews live ones', async () => {
      t = await factory.create();
      store = t.backend.store;
      const now = Date.now();
      expect(await slot('a', now - 1)).toEqual({ acquired: true });
      expect(await slot('b', now + 60_000)).toEqual({ acquired: true });
      const refused = await slot('c', now + 60_000);
      expect(refused.acquired).toBe(false);
      expect(
        refused.acquired === false && [...refused.holders].sort((x, y) => (x.token < y.token ? -1 : 1)),
      ).toEqual([
        { token: 'a', leaseExpiresAt: now - 1 },
        { token: 'b', leaseExpiresAt: now + 60_000 },
      ]);
      // Only an expired lease is freed on another's behalf.
      expect(await store.releaseSlot('task#tenant', 'b', now)).toBe(false);
      expect(await store.releaseSlot('task#tenant', 'a', now)).toBe(true);
      expect(await store.releaseSlot('task#tenant', 'a')).toBe(false);
      expect(await slot('c', now + 60_000)).toEqual({ acquired: true });
      expect(await store.renewSlot('task#tenant', 'b', now + 120_000)).toBe(true);
      expect(await store.renewSlot('task#tenant', 'a', now + 120_000)).toBe(false);
      expect(await store.releaseSlot('task#tenant', 'b')).toBe(true);
      expect(await slot('d', now + 60_000)).toEqual({ acquired: true });
      // Limits of other names are independent, and none of these items is a job.
      expect(
        await store.acquireSlot({ limit: 'task#other', token: 'e', max: 1, leaseExpiresAt: now }),
      ).toEqual({
        acquired: true,
      });
      expect((await store.list({})).jobs).toEqual([]);
    });

    it('counts at most `max` starts per window', async () => {
      t = await factory.create();
      store = t.backend.store;
      const expiresAt = Date.now() + 60_000;
      const take = (window: number) => store.takeRateStart({ limit: 'api', window, max: 2, expiresAt });
      expect([await take(7), await take(7), await take(7)]).toEqual([true, true, false]);
      expect(await take(8)).toBe(true);
      expect(await store.takeRateStart({ limit: 'api#tenant', window: 7, max: 1, expiresAt })).toBe(true);
      expect((await store.list({})).jobs).toEqual([]);
    });
  });
});
