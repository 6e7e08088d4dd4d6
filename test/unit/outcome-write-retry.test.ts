import {
  type Completion,
  type Disposition,
  defineTask,
  type Fence,
  type JobRecord,
  type JobStore,
  LockLostError,
  Longhaul,
  type QueueMessage,
} from 'longhaul';
import { type MemoryBackend, memoryBackend } from 'longhaul/memory';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../src/core/logger.js';
import { delegate } from '../support/delegate.js';
import { testRunner } from '../support/serve.js';

// An outage of the job store while an attempt ends is an error path the emulator cannot produce on
// demand (it answers or it is gone for every client at once): a store wrapper fails the attempt's final
// write the way a cut connection does, a given number of times, then lets it through.

const visibilityTimeoutSeconds = 30;
/** The lease a claim takes lapses this long before the message's visibility does. */
const leaseMarginMs = 2_000;

const socketHangUp = (): Error =>
  Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });

function recordingLogger(): Logger & { lines: { level: string; message: string; fields?: unknown }[] } {
  const lines: { level: string; message: string; fields?: unknown }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * `backend.store` whose `complete` fails with `failure()` on its first `failures` calls, before (or, with
 * `afterWrite`, after) reaching the store: the latter is a write whose answer was lost.
 */
function flakyStore(backend: MemoryBackend, failures: number, failure = socketHangUp, afterWrite = false) {
  const calls: number[] = [];
  const store: JobStore = delegate(backend.store, {
    async complete(id: string, fence: Fence, completion: Completion): Promise<JobRecord> {
      calls.push(Date.now());
      if (calls.length > failures) return backend.store.complete(id, fence, completion);
      if (afterWrite) await backend.store.complete(id, fence, completion);
      throw failure();
    },
  });
  return { store, calls };
}

async function receiveOne(backend: MemoryBackend): Promise<QueueMessage> {
  const [message] = await backend.transport.receive({
    maxMessages: 1,
    waitTimeSeconds: 0,
    visibilityTimeoutSeconds,
  });
  if (!message) throw new Error('expected a message');
  return message;
}

/** Runs `promise` to its end, moving fake time on in small steps meanwhile (the back-off sleeps). */
async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  let result: { value?: T; error?: unknown } | undefined;
  promise.then(
    (value) => {
      result = { value };
    },
    (error: unknown) => {
      result = { error };
    },
  );
  while (result === undefined) await vi.advanceTimersByTimeAsync(50);
  return result;
}

function setup(
  failures: number,
  options: { fail?: boolean; afterWrite?: boolean; failure?: () => Error } = {},
) {
  const runs: number[] = [];
  const task = defineTask({
    name: 'work',
    retries: 2,
    run: (_args, ctx) => {
      runs.push(ctx.attempt);
      if (options.fail) throw new Error('boom');
      return 'done';
    },
  });
  const backend = memoryBackend();
  const flaky = flakyStore(backend, failures, options.failure, options.afterWrite);
  const logger = recordingLogger();
  const runner = testRunner(backend, [task], {
    store: flaky.store,
    logger,
    visibilityTimeoutSeconds,
    heartbeatIntervalSeconds: 10,
  });
  return { task, backend, runner, logger, runs, calls: flaky.calls, longhaul: new Longhaul({ backend }) };
}

describe('JobRunner when the job store is unreachable as an attempt ends', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries the result write while the lock holds, so the result is kept and the job runs once', async () => {
    const { task, backend, runner, logger, runs, calls, longhaul } = setup(3);
    const handle = await longhaul.enqueue(task);

    const { value, error } = await settle(runner.process(await receiveOne(backend)));

    expect(error).toBeUndefined();
    expect(value).toEqual({ kind: 'ack' } satisfies Disposition);
    expect(calls).toHaveLength(4);
    expect(runs).toEqual([1]);
    expect(await longhaul.getJob(handle.id)).toMatchObject({
      status: 'succeeded',
      result: 'done',
      attempts: 1,
    });
    expect(logger.lines.map((line) => [line.level, line.message])).toEqual([
      ['info', 'job claimed'],
      ['warn', expect.stringMatching(/could not record .* retrying while the lock holds/)],
      ['warn', expect.stringMatching(/recorded .* after 3 failed tries/)],
      ['info', 'job succeeded'],
    ]);
  });

  it("retries a failed attempt's retry write the same way", async () => {
    const { task, backend, runner, runs, calls, longhaul } = setup(2, { fail: true });
    const handle = await longhaul.enqueue(task);

    const { value } = await settle(runner.process(await receiveOne(backend)));

    expect(value).toMatchObject({ kind: 'release' });
    expect(calls).toHaveLength(3);
    expect(runs).toEqual([1]);
    expect(await longhaul.getJob(handle.id)).toMatchObject({ status: 'retrying', attempts: 1 });
  });

  it('takes a write whose answer was lost as done when the retry finds it applied', async () => {
    const { task, backend, runner, runs, calls, longhaul } = setup(1, { afterWrite: true });
    const handle = await longhaul.enqueue(task);

    const { value } = await settle(runner.process(await receiveOne(backend)));

    expect(value).toEqual({ kind: 'ack' });
    expect(calls).toHaveLength(2);
    expect(runs).toEqual([1]);
    expect(await longhaul.getJob(handle.id)).toMatchObject({ status: 'succeeded', result: 'done' });
  });

  it('gives up before the lock lapses, leaving the message to bring the job back', async () => {
    const { task, backend, runner, logger, calls, longhaul } = setup(Number.POSITIVE_INFINITY);
    const handle = await longhaul.enqueue(task);
    const message = await receiveOne(backend);
    const receivedAt = Date.now();

    const { error } = await settle(runner.process(message));

    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(calls.length).toBeGreaterThan(1);
    for (const at of calls)
      expect(at).toBeLessThan(receivedAt + visibilityTimeoutSeconds * 1000 - leaseMarginMs);
    expect(logger.lines.at(-1)).toMatchObject({
      level: 'error',
      message: expect.stringMatching(/could not record .* before the lock lapses/),
      fields: expect.objectContaining({ jobId: handle.id, tries: calls.length }),
    });
    expect(await longhaul.getJob(handle.id)).toMatchObject({ status: 'running' });
  });

  it('stops retrying when the worker is told to stop', async () => {
    const { task, backend, runner, logger, calls, longhaul } = setup(Number.POSITIVE_INFINITY);
    await longhaul.enqueue(task);
    const stop = new AbortController();

    const processing = settle(runner.process(await receiveOne(backend), stop.signal));
    while (calls.length < 2) await vi.advanceTimersByTimeAsync(50);
    stop.abort();
    const { error } = await processing;

    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(calls.length).toBeLessThanOrEqual(3);
    expect(logger.lines.at(-1)).toMatchObject({
      level: 'error',
      message: expect.stringMatching(/could not record .* before the worker stopped/),
    });
  });

  it('does not retry a write refused because the lock was lost', async () => {
    const { task, backend, runner, calls } = setup(1, { failure: () => new LockLostError('j', 1) });
    await longhaul(task, backend);

    const { value } = await settle(runner.process(await receiveOne(backend)));

    expect(value).toEqual({ kind: 'abandon' });
    expect(calls).toHaveLength(1);
  });

  it('does not retry an error the store answered with (not a lost connection or an overload)', async () => {
    const validation = () =>
      Object.assign(new Error('One or more parameter values were invalid'), {
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
      });
    const { task, backend, runner, calls } = setup(1, { failure: validation });
    await longhaul(task, backend);

    const { error } = await settle(runner.process(await receiveOne(backend)));

    expect(error).toMatchObject({ name: 'ValidationException' });
    expect(calls).toHaveLength(1);
  });
});

async function longhaul(task: Parameters<Longhaul['enqueue']>[0], backend: MemoryBackend) {
  await new Longhaul({ backend }).enqueue(task);
}
