// Edge cases found in review: each test pins a way a job could have been lost, stuck or mislabelled.
import type { StandardSchemaV1 } from '@standard-schema/spec';
import {
  type AnyTask,
  type Backend,
  ConfigError,
  createWorker,
  defineTask,
  type JobRunnerOptions,
  type JobStore,
  Longhaul,
  PayloadTooLargeError,
  type QueueMessage,
  serializeError,
  silentLogger,
} from 'longhaul';
import { createWorkerFromEnv } from 'longhaul/aws';
import { type MemoryBackend, memoryBackend } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import { AttemptState } from '../../src/runtime/attempt-state.js';
import { delegate } from '../support/delegate.js';
import { testRunner } from '../support/serve.js';

function setup<B extends Backend = MemoryBackend>(
  tasks: readonly AnyTask[],
  options: { maxReceiveCount?: number; backend?: B; runner?: Partial<JobRunnerOptions> } = {},
) {
  const backend = (options.backend ??
    memoryBackend(options.maxReceiveCount ? { maxReceiveCount: options.maxReceiveCount } : {})) as B;
  const runner = testRunner(backend, tasks, {
    ...(options.maxReceiveCount ? { deliveryLimit: options.maxReceiveCount } : {}),
    ...options.runner,
  });
  return { backend, runner, longhaul: new Longhaul({ backend }) };
}

async function receiveOne(backend: Backend): Promise<QueueMessage> {
  const [message] = await backend.transport.receive({
    maxMessages: 1,
    waitTimeSeconds: 0,
    visibilityTimeoutSeconds: 30,
  });
  if (!message) throw new Error('expected a message');
  return message;
}

describe('the last delivery the queue allows', () => {
  it('fails the job for good and dead-letters it with its reason, rather than leaving it to a silent redrive', async () => {
    const failing = defineTask({
      name: 'failing',
      retries: 1,
      run: () => Promise.reject(new Error('upstream down')),
    });
    const { backend, runner, longhaul } = setup([failing], { maxReceiveCount: 2 });
    const handle = await longhaul.enqueue(failing);
    // A first delivery handed back unstarted (a shutdown) uses up one of the two receives.
    await backend.transport.changeVisibility(await receiveOne(backend), 0);

    const disposition = await runner.process(await receiveOne(backend));

    expect(disposition).toMatchObject({ kind: 'deadLettered', reason: { code: 'task_error' } });
    expect(await longhaul.getJob(handle.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      deadLettered: true,
      error: { message: 'upstream down' },
    });
    expect(backend.transport.deadLetters()).toEqual([
      expect.objectContaining({ reason: expect.objectContaining({ jobId: handle.id }) }),
    ]);
  });

  it('keeps a worker from starting when a task allows more attempts than the queue delivers', async () => {
    const greedy = defineTask({ name: 'greedy', retries: 5, run: () => 'ok' });
    const worker = createWorker({
      backend: memoryBackend({ maxReceiveCount: 3 }),
      tasks: [greedy],
      logger: silentLogger,
    });
    await expect(worker.run()).rejects.toThrow(ConfigError);
    await expect(worker.run()).rejects.toThrow(
      /task "greedy" allows 6 attempts but the queue moves a message to its dead-letter queue after 3 receives/,
    );
  });
});

describe('results and arguments that break', () => {
  it('fails a job whose result cannot be serialized as JSON, without retries', async () => {
    const cyclic = defineTask({
      name: 'cyclic',
      retries: 3,
      run: () => {
        const value: Record<string, unknown> = {};
        value.self = value;
        return value;
      },
    });
    const { backend, runner, longhaul } = setup([cyclic]);
    const handle = await longhaul.enqueue(cyclic);
    expect(await runner.process(await receiveOne(backend))).toMatchObject({
      kind: 'deadLettered',
      reason: { code: 'invalid_result' },
    });
    expect(await longhaul.getJob(handle.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'invalid_result' },
    });
  });

  it('fails a job as result_too_large when the store refuses the record as too large', async () => {
    const big = defineTask({ name: 'big', retries: 3, run: () => 'fits the result limit' });
    const base = memoryBackend();
    const backend = {
      ...base,
      store: delegate<JobStore>(base.store, {
        complete: async (id, fence, completion) => {
          if (completion.status === 'succeeded')
            throw new PayloadTooLargeError('Job record', 500_000, 400_000);
          return base.store.complete(id, fence, completion);
        },
      }),
    };
    const { runner } = setup([big], { backend });
    const longhaul = new Longhaul({ backend });
    const handle = await longhaul.enqueue(big);
    expect(await runner.process(await receiveOne(backend))).toMatchObject({
      kind: 'deadLettered',
      reason: { code: 'result_too_large' },
    });
    expect(await longhaul.getJob(handle.id)).toMatchObject({
      status: 'failed',
      error: { code: 'result_too_large' },
    });
  });

  it('turns a schema that throws into invalid_args instead of crashing every delivery', async () => {
    const throwing: StandardSchemaV1<{ n: number }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => {
          throw new SyntaxError('Unexpected token in JSON');
        },
      },
    };
    const parsing = defineTask({ name: 'parsing', args: throwing, run: () => 'never' });
    await expect(parsing.parseArgs({ n: 1 })).rejects.toMatchObject({
      code: 'invalid_args',
      issues: [{ message: 'the schema threw: SyntaxError: Unexpected token in JSON', path: [] }],
    });
  });
});

describe('shutdown and heartbeats', () => {
  it('does not start a job once the worker is stopping, and hands its message straight back', async () => {
    const { task, runs } = (() => {
      const state = { runs: 0 };
      return { task: defineTask({ name: 'count', run: () => ++state.runs }), runs: state };
    })();
    const { backend, runner, longhaul } = setup([task]);
    const handle = await longhaul.enqueue(task);
    const stopped = AbortSignal.abort();
    expect(await runner.process(await receiveOne(backend), stopped)).toEqual({
      kind: 'release',
      delaySeconds: 0,
    });
    expect(runs.runs).toBe(0);
    expect(await longhaul.getJob(handle.id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await backend.transport.depth()).toMatchObject({ available: 1 });
  });

  it('keeps progress and log lines whose write failed for the next write', () => {
    const state = new AttemptState(0);
    state.log('first');
    state.setProgress(0.5, 'half');
    const taken = state.takeUpdates();
    state.putBack(taken);
    state.log('second');
    expect(state.takeFinal()).toEqual({
      progress: { fraction: 0.5, message: 'half' },
      logs: [expect.objectContaining({ message: 'first' }), expect.objectContaining({ message: 'second' })],
    });
  });

  it('cuts log lines to 500 bytes of UTF-8, not 500 characters', () => {
    const state = new AttemptState(0);
    state.log('語'.repeat(400));
    const [line] = state.takeFinal().logs;
    expect(Buffer.byteLength(line?.message ?? '', 'utf8')).toBeLessThanOrEqual(500);
    expect(line?.message).toMatch(/^語+$/);
  });
});

describe('bounded and validated inputs', () => {
  it('cuts long error messages so a job record stays small', () => {
    const serialized = serializeError(new Error('x'.repeat(50_000)));
    expect(serialized.message.length).toBeLessThanOrEqual(2_000);
  });

  it('refuses a task timeout longer than timers can wait', () => {
    expect(() => defineTask({ name: 't', timeoutMs: 2 ** 31, run: () => 1 })).toThrow(
      /timeoutMs.*2147483647/,
    );
  });

  it('refuses a jobId that is not a string', async () => {
    const task = defineTask({ name: 'plain', run: () => 1 });
    const longhaul = new Longhaul({ backend: memoryBackend() });
    await expect(longhaul.enqueue(task, undefined, { jobId: 42 as unknown as string })).rejects.toThrow(
      /`jobId` to be a string of 1–128 characters, got 42/,
    );
  });

  it('lets the environment set an option the caller passed as undefined', () => {
    const task = defineTask({ name: 'plain', run: () => 1 });
    const worker = createWorkerFromEnv(
      { tasks: [task], ...({ concurrency: undefined } as object) },
      {
        LONGHAUL_QUEUE_URL: 'http://localhost:1/q',
        LONGHAUL_DLQ_URL: 'http://localhost:1/dlq',
        LONGHAUL_TABLE_NAME: 't',
        LONGHAUL_CONCURRENCY: '7',
      },
    );
    expect(worker.options.concurrency).toBe(7);
  });
});

describe('hooks on the embedded backend', () => {
  it('get their own copy of the result: one that changes it leaves the job record alone', async () => {
    const greedy = defineTask({
      name: 'greedy',
      run: () => ({ items: [1, 2] }),
      onSuccess: (result) => {
        result.items.push(3);
      },
    });
    const { backend, runner, longhaul } = setup([greedy]);
    const handle = await longhaul.enqueue(greedy);

    await runner.process(await receiveOne(backend));

    expect((await longhaul.getJob(handle.id)).result).toEqual({ items: [1, 2] });
  });
});
