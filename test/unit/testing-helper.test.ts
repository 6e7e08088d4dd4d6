import { defineTask, UnrecoverableError } from 'longhaul';
import { createTestQueue, type TestQueue } from 'longhaul/testing';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

function userTasks() {
  const seen: string[] = [];
  const greet = defineTask({
    name: 'greet',
    args: z.object({ name: z.string().min(1) }),
    retries: 0,
    run: ({ name }, ctx) => {
      seen.push(name);
      ctx.progress(1, 'greeted');
      ctx.log(`greeting ${name}`);
      return { greeting: `hello ${name}` };
    },
  });
  const reject = defineTask({
    name: 'reject',
    retries: 3,
    run: () => {
      throw new UnrecoverableError('never works');
    },
  });
  return { greet, reject, seen };
}

describe('createTestQueue', () => {
  let queue: TestQueue | undefined;
  afterEach(async () => {
    await queue?.worker.stop();
    queue = undefined;
  });

  it("runs a user's job to completion and returns its typed record", async () => {
    const { greet } = userTasks();
    queue = createTestQueue({ tasks: [greet] });

    const job = await queue.runJob(greet, { name: 'Ada' });

    expectTypeOf(job.result).toEqualTypeOf<{ greeting: string } | undefined>();
    expect(job).toMatchObject({
      task: 'greet',
      status: 'succeeded',
      attempts: 1,
      args: { name: 'Ada' },
      result: { greeting: 'hello Ada' },
      progress: { fraction: 1, message: 'greeted' },
    });
    expect(job.logs.map((l) => l.message)).toEqual(['greeting Ada']);
  });

  it('offloads large payloads when asked, as a deployment with a bucket does', async () => {
    const { greet } = userTasks();
    queue = createTestQueue({
      tasks: [greet],
      payloads: { offloadArgsOverBytes: 0, offloadResultOverBytes: 0 },
    });

    const job = await queue.runJob(greet, { name: 'Ada' });

    expect(job).toMatchObject({ args: { name: 'Ada' }, result: { greeting: 'hello Ada' } });
    expect(job.argsRef).toBeDefined();
    expect(job.resultRef).toBeDefined();
  });

  it('returns the record of a job that failed', async () => {
    const { reject } = userTasks();
    queue = createTestQueue({ tasks: [reject] });

    const job = await queue.runJob(reject, undefined);

    expect(job).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'unrecoverable' } });
    expect(queue.backend.transport.deadLetters()).toHaveLength(1);
  });

  it('refuses arguments that fail the schema before anything is enqueued', async () => {
    const { greet } = userTasks();
    queue = createTestQueue({ tasks: [greet] });

    await expect(queue.runJob(greet, { name: '' })).rejects.toMatchObject({ code: 'invalid_args' });
    expect((await queue.longhaul.list()).jobs).toEqual([]);
  });

  it('drains every enqueued job and stops the worker', async () => {
    const { greet, seen } = userTasks();
    queue = createTestQueue({ tasks: [greet] });
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const name of names) await queue.longhaul.enqueue(greet, { name });

    await queue.drain();

    expect([...seen].sort()).toEqual(names);
    const { jobs } = await queue.longhaul.list({ status: 'succeeded' });
    expect(jobs).toHaveLength(names.length);
    expect(await queue.backend.transport.depth()).toEqual({
      available: 0,
      inFlight: 0,
      delayed: 0,
      deadLettered: 0,
    });
    expect(queue.worker.activeJobs).toBe(0);
  });

  it('waits for delayed messages when draining', async () => {
    const { greet, seen } = userTasks();
    queue = createTestQueue({ tasks: [greet] });
    await queue.longhaul.enqueue(greet, { name: 'later' }, { delaySeconds: 1 });

    await queue.drain();

    expect(seen).toEqual(['later']);
  });

  it('passes the redrive limit on to its memory backend', () => {
    const { greet } = userTasks();
    queue = createTestQueue({ tasks: [greet], maxReceiveCount: 3 });

    expect(queue.backend.transport.maxReceiveCount).toBe(3);
  });

  it('lets worker options override its test defaults', () => {
    const { greet } = userTasks();
    queue = createTestQueue({ tasks: [greet], worker: { concurrency: 1, workerId: 'unit-worker' } });

    expect(queue.worker.options).toMatchObject({
      concurrency: 1,
      workerId: 'unit-worker',
      visibilityTimeoutSeconds: 2,
      heartbeatIntervalSeconds: 1,
      progressIntervalMs: 0,
    });
  });
});
