import { ConfigError, defineTask, Longhaul, silentLogger } from 'longhaul';
import { createLambdaHandler } from 'longhaul/lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type BackendOptions, contractBackends, type TestBackend } from '../support/backends.js';
import { lambdaContext, toRecord } from '../support/lambda.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';

const order: string[] = [];
const step = defineTask({
  name: 'step',
  args: z.object({ label: z.string() }),
  async run({ label }) {
    order.push(label);
    return label;
  },
});
const urgent = defineTask({
  name: 'urgent',
  priority: 'high',
  args: z.object({ label: z.string() }),
  async run({ label }) {
    order.push(label);
    return label;
  },
});
const doomed = defineTask({
  name: 'doomed.high',
  priority: 'high',
  retries: 0,
  async run() {
    throw new Error('always fails');
  },
});
const tasks = [step, urgent, doomed];

// Priorities: one queue per priority; a worker serves high first without starving low.
describe.each(contractBackends('contract/priorities'))('priorities on the $name backend', (factory) => {
  const s = {} as { t: TestBackend; longhaul: Longhaul };
  const open = async (options: BackendOptions = {}) => {
    s.t = await factory.create({ priorities: true, ...options });
    s.longhaul = new Longhaul({ backend: s.t.backend });
  };
  beforeEach(() => {
    order.length = 0;
  });
  afterEach(async () => {
    await s.t?.dispose();
  });
  const depthOf = async (priority: 'high' | 'normal' | 'low') => {
    const depth = await s.t.priorityQueues?.[priority].transport.depth();
    return (depth?.available ?? 0) + (depth?.inFlight ?? 0) + (depth?.delayed ?? 0);
  };
  const allSucceeded = (ids: readonly string[]) => async () => {
    const jobs = await Promise.all(ids.map((id) => s.longhaul.getJob(id)));
    return jobs.every((job) => job.status === 'succeeded') && jobs;
  };

  it("sends each job to its priority's queue: the task's default, or the one enqueue names", async () => {
    await open();
    const high = await s.longhaul.enqueue(urgent, { label: 'task default' });
    const low = await s.longhaul.enqueue(urgent, { label: 'overridden' }, { priority: 'low' });
    const normal = await s.longhaul.enqueue(step, { label: 'plain' });
    expect((await s.longhaul.getJob(high)).priority).toBe('high');
    expect((await s.longhaul.getJob(low)).priority).toBe('low');
    expect((await s.longhaul.getJob(normal)).priority).toBeUndefined();
    expect([await depthOf('high'), await depthOf('normal'), await depthOf('low')]).toEqual([1, 1, 1]);
    expect(await s.t.backend.transport.depth()).toMatchObject({ available: 3 });
  });

  it('runs every high job before normal and low ones when the first look always goes to high', async () => {
    // random 0 picks `high` for the first look of every receive: the strict order, deterministic.
    await open({ priorityOptions: { random: () => 0 } });
    const handles = [];
    for (const label of ['low-1', 'low-2', 'low-3']) {
      handles.push(await s.longhaul.enqueue(step, { label }, { priority: 'low' }));
    }
    for (const label of ['normal-1', 'normal-2']) handles.push(await s.longhaul.enqueue(step, { label }));
    for (const label of ['high-1', 'high-2', 'high-3']) {
      handles.push(await s.longhaul.enqueue(urgent, { label }));
    }
    await serveUntil(
      testWorker(s.t.backend, tasks, { concurrency: 1 }),
      allSucceeded(handles.map((h) => h.id)),
      30_000,
    );
    expect(order.map((label) => label.split('-')[0])).toEqual([
      'high',
      'high',
      'high',
      'normal',
      'normal',
      'low',
      'low',
      'low',
    ]);
  });

  it('serves low jobs from under a backlog of high ones (no starvation with weights 6/3/1)', async () => {
    // Rolls that go round 0, 0.1, ... 0.9: of every ten receives six look at high first, three at normal
    // (empty here, so high next) and one at low: the weights at work, without chance in the test.
    let roll = 0;
    await open({ priorityOptions: { random: () => (roll++ % 10) / 10 } });
    const lows = [];
    for (const label of ['low-1', 'low-2'])
      lows.push(await s.longhaul.enqueue(step, { label }, { priority: 'low' }));
    await s.longhaul.enqueueMany(
      urgent,
      Array.from({ length: 60 }, () => ({ label: 'high' })),
    );
    await serveUntil(
      testWorker(s.t.backend, tasks, { concurrency: 1 }),
      allSucceeded(lows.map((h) => h.id)),
      45_000,
    );
    // Both lows ran while most of the 60 highs still waited: a queue of highs does not hold low back.
    const highsRunBefore = (low: string) =>
      order.slice(0, order.indexOf(low)).filter((e) => e === 'high').length;
    expect(highsRunBefore('low-1')).toBeLessThan(20);
    expect(highsRunBefore('low-2')).toBeLessThan(40);
    expect(highsRunBefore('low-1')).toBeGreaterThan(0);
  });

  it("shares one dead-letter queue, and redrive sends a job back to its priority's queue", async () => {
    await open();
    const job = await s.longhaul.enqueue(doomed);
    await serveUntil(
      testWorker(s.t.backend, tasks),
      async () => (await s.longhaul.getJob(job)).status === 'failed',
    );
    expect(
      await eventually(async () => (await s.t.deadLetters()).find((m) => m.jobId === job.id)),
    ).toBeDefined();
    expect((await s.t.backend.transport.depth()).deadLettered).toBeGreaterThanOrEqual(1);

    const { redriven } = await s.longhaul.redrive({ jobId: job.id });
    expect(redriven).toEqual([job.id]);
    expect(await depthOf('high')).toBe(1);
    expect([await depthOf('normal'), await depthOf('low')]).toEqual([0, 0]);
  });

  it('acknowledges a Lambda record on the queue it came from (its eventSourceARN)', async () => {
    await open();
    const high = s.t.priorityQueues?.high;
    if (!high) throw new Error('the backend has no priority queues');
    // A producer that wrote to the high queue directly, with no priority in the body: only the record's
    // eventSourceARN tells the handler where the message lives.
    await high.transport.send([
      {
        body: JSON.stringify({
          v: 1,
          id: 'lambda-high',
          task: 'doomed.high',
          args: null,
          enqueuedAt: Date.now(),
        }),
      },
    ]);
    const messages = await eventually(async () => {
      const received = await high.transport.receive({
        maxMessages: 1,
        waitTimeSeconds: 1,
        visibilityTimeoutSeconds: 30,
      });
      return received.length > 0 && received;
    });
    const handler = createLambdaHandler({
      tasks,
      backend: s.t.backend,
      visibilityTimeoutSeconds: 30,
      logger: silentLogger,
    });
    const response = await handler(
      { Records: messages.map((m) => ({ ...toRecord(m), eventSourceARN: high.arn })) },
      lambdaContext(),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(await s.longhaul.getJob('lambda-high')).toMatchObject({ status: 'failed', deadLettered: true });
    // Moved to the dead-letter queue and deleted from the high queue, not from the normal one.
    expect(await depthOf('high')).toBe(0);
    expect(
      await eventually(async () => (await s.t.deadLetters()).find((m) => m.jobId === 'lambda-high')),
    ).toBeDefined();
  });

  it('refuses high and low on a backend without priority queues, naming what to configure', async () => {
    s.t = await factory.create();
    const plain = new Longhaul({ backend: s.t.backend });
    await expect(plain.enqueue(urgent, { label: 'x' })).rejects.toThrow(ConfigError);
    await expect(plain.enqueue(step, { label: 'x' }, { priority: 'low' })).rejects.toThrow(
      /priorityQueueUrls/,
    );
    await expect(plain.enqueue(step, { label: 'x' }, { priority: 'urgent' as 'high' })).rejects.toThrow(
      /Expected `priority` to be "high", "normal" or "low", got "urgent"/,
    );
    expect((await plain.enqueue(step, { label: 'x' }, { priority: 'normal' })).created).toBe(true);
  });
});
