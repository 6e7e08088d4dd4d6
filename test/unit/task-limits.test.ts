import { ConfigError, createWorker, defineTask, Longhaul, type QueueMessage } from 'longhaul';
import { createLambdaHandler } from 'longhaul/lambda';
import { type MemoryBackend, memoryBackend } from 'longhaul/memory';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { testRunner } from '../support/serve.js';

const run = () => 'done';

function configMessage(define: () => unknown): string {
  try {
    define();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('defineTask limits and unique keys', () => {
  it('names every bad field, its limit and the value given, all at once', () => {
    const message = configMessage(() =>
      defineTask({
        name: 'bad',
        run,
        limits: { concurrency: 0, rate: { max: 1.5, perMs: 1_500 } },
      }),
    );
    expect(message).toContain('Invalid options of task "bad"');
    expect(message).toContain('`limits.concurrency` to be an integer from 1 and up, got `0`');
    expect(message).toContain('`limits.rate.max` to be an integer from 1 and up, got `1.5`');
    expect(message).toContain('`limits.rate.perMs` to be a whole number of seconds');
    expect(message).toContain('got `1500`');
  });

  it('refuses limits that limit nothing, and a unique window out of range', () => {
    expect(configMessage(() => defineTask({ name: 'empty', run, limits: {} }))).toContain(
      'to set `concurrency`, `rate` or both, got neither',
    );
    expect(
      configMessage(() => defineTask({ name: 'window', run, unique: { key: () => 'k', windowMs: -1 } })),
    ).toContain('`unique.windowMs` to be an integer from 0');
  });

  it('keeps valid settings on the task', () => {
    const task = defineTask({
      name: 'ok',
      args: z.object({ tenant: z.string() }),
      limits: { concurrency: 3, rate: { max: 10, perMs: 1_000 }, key: ({ tenant }) => tenant },
      unique: { key: ({ tenant }) => tenant, windowMs: 5_000 },
      run,
    });
    expect(task.limits).toMatchObject([{ concurrency: 3, rate: { max: 10, perMs: 1_000 } }]);
    expect(task.limits?.[0]?.key?.({ tenant: 'acme' })).toBe('acme');
    expect(task.unique?.windowMs).toBe(5_000);
  });

  it('takes a task-wide and a per-key limit together, naming a bad one by its index', () => {
    const both = defineTask({
      name: 'both',
      args: z.object({ tenant: z.string() }),
      limits: [{ concurrency: 10 }, { rate: { max: 1, perMs: 1_000 }, key: ({ tenant }) => tenant }],
      run,
    });
    expect(both.limits).toHaveLength(2);
    const message = configMessage(() =>
      defineTask({ name: 'twice', run, limits: [{ concurrency: 1 }, { concurrency: 0 }] }),
    );
    expect(message).toContain('`limits[1].concurrency` to be an integer from 1 and up, got `0`');
    expect(message).toContain('at most one limit without `key` and one with, got 2 and 0');
  });

  it('refuses `keyWindowMs` out of range at enqueue', async () => {
    const longhaul = new Longhaul({ backend: memoryBackend() });
    const task = defineTask({ name: 't', run });
    await expect(longhaul.enqueue(task, undefined, { key: 'k', keyWindowMs: 1.5 })).rejects.toThrow(
      'Expected `keyWindowMs` to be an integer from 0',
    );
  });

  it('refuses workers that keep no records for tasks with limits', () => {
    const limited = defineTask({ name: 'limited', run, limits: { concurrency: 1 } });
    const backend = memoryBackend();
    expect(() => createWorker({ backend, tasks: [limited], tracking: 'off' })).toThrow(
      'Expected `tracking` to be "full" for tasks with `limits` ("limited")',
    );
    expect(() => createLambdaHandler({ backend, tasks: [limited], tracking: 'off' })).toThrow(ConfigError);
  });
});

describe('the job runner with limits', () => {
  const setup = (tasks: Parameters<typeof createWorker>[0]['tasks']) => {
    const backend = memoryBackend();
    const runner = testRunner(backend, tasks);
    return { backend, runner, longhaul: new Longhaul({ backend }) };
  };
  const receiveOne = async (backend: MemoryBackend): Promise<QueueMessage> => {
    const [message] = await backend.transport.receive({
      maxMessages: 1,
      waitTimeSeconds: 0,
      visibilityTimeoutSeconds: 30,
    });
    if (!message) throw new Error('expected a message');
    return message;
  };

  it('frees the slot of a crashed holder whose lease expired, and starts the job', async () => {
    const task = defineTask({ name: 'one', limits: { concurrency: 1 }, run });
    const { backend, runner, longhaul } = setup([task]);
    // A worker took the only slot and died: its lease is in the past.
    await backend.store.acquireSlot({ limit: 'one', token: 'dead', max: 1, leaseExpiresAt: Date.now() - 1 });
    const job = await longhaul.enqueue(task);
    expect(await runner.process(await receiveOne(backend))).toEqual({ kind: 'ack' });
    expect(await longhaul.getJob(job.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    // Its own slot was released at the end.
    expect(
      await backend.store.acquireSlot({ limit: 'one', token: 'next', max: 1, leaseExpiresAt: 0 }),
    ).toEqual({
      acquired: true,
    });
  });

  it('sends a job over its limit again with a delay, noting why, without an attempt or history entry', async () => {
    const task = defineTask({ name: 'busy', limits: { concurrency: 1 }, run });
    const { backend, runner, longhaul } = setup([task]);
    await backend.store.acquireSlot({
      limit: 'busy',
      token: 'live',
      max: 1,
      leaseExpiresAt: Date.now() + 60_000,
    });
    const job = await longhaul.enqueue(task);
    const message = await receiveOne(backend);
    expect(await runner.process(message)).toEqual({ kind: 'ack' });
    const record = await longhaul.getJob(job.id);
    expect(record).toMatchObject({
      status: 'queued',
      attempts: 0,
      limited: { by: 'concurrency', limit: 'busy' },
    });
    expect(record.history).toHaveLength(1);
    const depth = await backend.transport.depth();
    // The copy waits, delayed; the delivery in hand is the runtime's to delete (ack).
    expect(depth.delayed).toBe(1);
    expect(record.limited && record.limited.until - record.limited.at).toBeGreaterThanOrEqual(1_000);
  });

  it('waits longer for a slot the longer the job has waited, up to a minute', async () => {
    const task = defineTask({ name: 'full', limits: { concurrency: 1 }, run });
    const { backend, runner } = setup([task]);
    await backend.store.acquireSlot({
      limit: 'full',
      token: 'live',
      max: 1,
      leaseExpiresAt: Date.now() + 60_000,
    });
    const waitOf = async (id: string, enqueuedAt: number) => {
      await backend.transport.send([
        { body: JSON.stringify({ v: 1, id, task: 'full', args: null, enqueuedAt }) },
      ]);
      await runner.process(await receiveOne(backend));
      const limited = (await backend.store.get(id))?.limited;
      return limited ? Math.round((limited.until - limited.at) / 1000) : undefined;
    };
    // The longest draw of the jitter.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999);
    try {
      // Their queued records (the enqueue time that matters is the message's).
      for (const id of ['new', 'old', 'older']) {
        await backend.store.create({
          id,
          task: 'full',
          status: 'queued',
          args: null,
          attempts: 0,
          maxAttempts: 4,
          enqueuedAt: 0,
          logs: [],
          history: [],
        });
      }
      expect(await waitOf('new', Date.now())).toBe(5);
      expect(await waitOf('old', Date.now() - 300_000)).toBe(30);
      expect(await waitOf('older', Date.now() - 3_600_000)).toBe(60);
    } finally {
      random.mockRestore();
    }
  });

  it('needs every limit to allow a start, handing back the slots taken when one refuses', async () => {
    const task = defineTask({
      name: 'sync',
      args: z.object({ tenant: z.string() }),
      limits: [{ concurrency: 2 }, { concurrency: 1, key: ({ tenant }) => tenant }],
      run,
    });
    const { backend, runner, longhaul } = setup([task]);
    // acme's own slot is taken; the task-wide limit has room.
    await backend.store.acquireSlot({
      limit: 'sync#acme',
      token: 'live',
      max: 1,
      leaseExpiresAt: Date.now() + 60_000,
    });
    const acme = await longhaul.enqueue(task, { tenant: 'acme' });
    await runner.process(await receiveOne(backend));
    expect(await longhaul.getJob(acme.id)).toMatchObject({
      status: 'queued',
      limited: { limit: 'sync#acme' },
    });
    const globex = await longhaul.enqueue(task, { tenant: 'globex' });
    await runner.process(await receiveOne(backend));
    expect(await longhaul.getJob(globex.id)).toMatchObject({ status: 'succeeded' });
    // Both task-wide slots are free again: acme's refusal handed back the one it had taken.
    const probe = (token: string) =>
      backend.store.acquireSlot({ limit: 'sync', token, max: 2, leaseExpiresAt: Date.now() + 1_000 });
    expect([await probe('p1'), await probe('p2')]).toEqual([{ acquired: true }, { acquired: true }]);
  });

  it('leaves a duplicate delivery of a running job to the claim instead of copying it', async () => {
    const task = defineTask({ name: 'dup', limits: { concurrency: 1 }, run });
    const { backend, runner, longhaul } = setup([task]);
    const job = await longhaul.enqueue(task);
    const message = await receiveOne(backend);
    const now = Date.now();
    await backend.store.claim({
      envelope: { v: 1, id: job.id, task: 'dup', args: null, enqueuedAt: now },
      maxAttempts: 4,
      workerId: 'other',
      token: 'other-token',
      now,
      leaseExpiresAt: now + 60_000,
    });
    await backend.store.acquireSlot({ limit: 'dup', token: 'other', max: 1, leaseExpiresAt: now + 60_000 });
    const disposition = await runner.process(message);
    expect(disposition.kind).toBe('release');
    expect((await backend.transport.depth()).delayed).toBe(0);
  });
});
