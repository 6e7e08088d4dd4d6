import {
  type AnyTask,
  decodeEnvelope,
  defineTask,
  type JobRecord,
  type JobRunnerOptions,
  LockLostError,
  Longhaul,
  type QueueMessage,
  type TaskContext,
} from 'longhaul';
import { type MemoryBackend, memoryBackend } from 'longhaul/memory';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testRunner } from '../support/serve.js';

const visibilityTimeoutSeconds = 30;
const heartbeatIntervalSeconds = 10;

function setup(tasks: readonly AnyTask[], overrides: Partial<JobRunnerOptions> = {}) {
  const backend = memoryBackend();
  const runner = testRunner(backend, tasks, {
    visibilityTimeoutSeconds,
    heartbeatIntervalSeconds,
    ...overrides,
  });
  return { backend, runner, longhaul: new Longhaul({ backend }) };
}

async function receiveOne(
  backend: MemoryBackend,
  visibility = visibilityTimeoutSeconds,
): Promise<QueueMessage> {
  const [message] = await backend.transport.receive({
    maxMessages: 1,
    waitTimeSeconds: 0,
    visibilityTimeoutSeconds: visibility,
  });
  if (!message) throw new Error('expected a message');
  return message;
}

/** Another worker starts the job of `message` and holds its lease for `leaseMs`, then never renews it. */
async function claimElsewhere(backend: MemoryBackend, message: QueueMessage, leaseMs: number) {
  const now = Date.now();
  const outcome = await backend.store.claim({
    envelope: decodeEnvelope(message.body),
    maxAttempts: 1,
    workerId: 'worker-ghost',
    token: 'token-worker-ghost',
    now,
    leaseExpiresAt: now + leaseMs,
  });
  if (!outcome.claimed) throw new Error('expected the other worker to claim the job');
  return outcome.job;
}

/** 'worker-b' takes over the job of `message` once `running`'s lease has lapsed, holding it for `leaseMs`. */
async function takeOverElsewhere(
  backend: MemoryBackend,
  message: QueueMessage,
  running: JobRecord,
  leaseMs: number,
) {
  const lapsed = (running.leaseExpiresAt ?? 0) + 1;
  await backend.store.takeOver(
    {
      envelope: decodeEnvelope(message.body),
      maxAttempts: 3,
      workerId: 'worker-b',
      token: 'token-worker-b',
      now: lapsed,
      leaseExpiresAt: lapsed + leaseMs,
    },
    running,
  );
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A task that records its attempts and succeeds. */
function countingTask(retries = 2) {
  const attempts: number[] = [];
  const task = defineTask({
    name: 'work',
    retries,
    run: (_args, ctx) => {
      attempts.push(ctx.attempt);
      return 'done';
    },
  });
  return { task, attempts };
}

/** A task that says when it started, then waits for `release` (or its signal's abort). */
function blockingTask() {
  const started = deferred();
  const release = deferred<string>();
  const seen: { signal?: AbortSignal } = {};
  const task = defineTask({
    name: 'blocking',
    retries: 2,
    async run(_args, ctx) {
      seen.signal = ctx.signal;
      started.resolve();
      return await Promise.race([
        release.promise,
        new Promise<never>((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
        }),
      ]);
    },
  });
  return { task, started: started.promise, release: release.resolve, seen };
}

/** Runs `body` as a task's run function on one enqueued job and returns the job afterwards. */
async function runOnce(body: (ctx: TaskContext) => unknown) {
  const task = defineTask({ name: 'probe', run: (_args, ctx) => body(ctx) });
  const { backend, runner, longhaul } = setup([task]);
  const handle = await longhaul.enqueue(task);
  const disposition = await runner.process(await receiveOne(backend));
  return { disposition, job: await longhaul.getJob(handle.id) };
}

describe('JobRunner', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('claiming', () => {
    it('runs a queued job, records its result and acks its message', async () => {
      const { task, attempts } = countingTask();
      const { backend, runner, longhaul } = setup([task]);
      const handle = await longhaul.enqueue(task);

      const disposition = await runner.process(await receiveOne(backend));

      expect(disposition).toEqual({ kind: 'ack' });
      expect(attempts).toEqual([1]);
      expect(await longhaul.getJob(handle.id)).toMatchObject({
        status: 'succeeded',
        result: 'done',
        attempts: 1,
        workerId: 'worker-a',
      });
    });

    it('releases a message whose job holds a live lease elsewhere, until that lease would lapse', async () => {
      const { task, attempts } = countingTask();
      const { backend, runner, longhaul } = setup([task]);
      const handle = await longhaul.enqueue(task);
      const original = await receiveOne(backend, 600);
      await claimElsewhere(backend, original, 60_000);
      await backend.transport.send([{ body: original.body }]);
      const duplicate = await receiveOne(backend);

      const disposition = await runner.process(duplicate);

      expect(disposition).toEqual({ kind: 'release', delaySeconds: 61 });
      expect(attempts).toEqual([]);
      expect(await longhaul.getJob(handle.id)).toMatchObject({
        status: 'running',
        attempts: 1,
        workerId: 'worker-ghost',
      });
      vi.advanceTimersByTime(60_999);
      expect(await backend.transport.depth()).toMatchObject({ available: 0 });
      vi.advanceTimersByTime(1);
      expect(await backend.transport.depth()).toMatchObject({ available: 1 });
    });

    it('acks a duplicate message of a finished job without running it again', async () => {
      const { task, attempts } = countingTask();
      const { backend, runner, longhaul } = setup([task]);
      const handle = await longhaul.enqueue(task);
      const first = await receiveOne(backend);
      await runner.process(first);
      await backend.transport.delete([first]);
      await backend.transport.send([{ body: first.body }]);

      const disposition = await runner.process(await receiveOne(backend));

      expect(disposition).toEqual({ kind: 'ack' });
      expect(attempts).toEqual([1]);
      expect(await longhaul.getJob(handle.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    });

    it('takes over a job whose worker was lost and records the lost attempt', async () => {
      const { task, attempts } = countingTask(2);
      const { backend, runner, longhaul } = setup([task]);
      const handle = await longhaul.enqueue(task);
      await claimElsewhere(backend, await receiveOne(backend), 30_000);
      vi.advanceTimersByTime(31_000);
      const redelivery = await receiveOne(backend);

      const disposition = await runner.process(redelivery);

      expect(redelivery.receiveCount).toBe(2);
      expect(disposition).toEqual({ kind: 'ack' });
      expect(attempts).toEqual([2]);
      const job = await longhaul.getJob(handle.id);
      expect(job).toMatchObject({ status: 'succeeded', attempts: 2, workerId: 'worker-a' });
      expect(job.history.map((e) => [e.status, e.attempt, e.workerId, e.error?.code])).toEqual([
        ['queued', 0, undefined, undefined],
        ['running', 1, 'worker-ghost', undefined],
        ['retrying', 1, 'worker-ghost', 'worker_lost'],
        ['running', 2, 'worker-a', undefined],
        ['succeeded', 2, 'worker-a', undefined],
      ]);
    });

    it('fails the job with worker_lost and dead-letters the message when the lost attempt was the last', async () => {
      const { task, attempts } = countingTask(0);
      const { backend, runner, longhaul } = setup([task]);
      const handle = await longhaul.enqueue(task);
      await claimElsewhere(backend, await receiveOne(backend), 30_000);
      vi.advanceTimersByTime(31_000);
      const redelivery = await receiveOne(backend);

      const disposition = await runner.process(redelivery);

      expect(disposition).toEqual({
        kind: 'deadLettered',
        reason: {
          code: 'worker_lost',
          message: expect.stringContaining('Attempt 1 was lost'),
          jobId: handle.id,
        },
      });
      expect(attempts).toEqual([]);
      const job = await longhaul.getJob(handle.id);
      expect(job).toMatchObject({
        status: 'failed',
        attempts: 1,
        deadLettered: true,
        error: { code: 'worker_lost' },
      });
      expect(job).not.toHaveProperty('leaseExpiresAt');
      expect(backend.transport.deadLetters()).toEqual([
        expect.objectContaining({
          body: redelivery.body,
          reason: expect.objectContaining({ code: 'worker_lost' }),
        }),
      ]);
      expect(await backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0, deadLettered: 1 });
    });
  });

  describe('task context', () => {
    it('holds its fields as its own, signal included, and progress and log work unbound, the same on every read', async () => {
      const { job } = await runOnce((ctx) => {
        const copy = { ...ctx };
        const { progress, log } = ctx;
        progress(0.5, 'half');
        log('a line');
        return {
          keys: Object.keys(ctx),
          copied: Object.keys(copy),
          signalCopied: copy.signal === ctx.signal && copy.signal instanceof AbortSignal,
          derived: Object.create(ctx).signal === ctx.signal,
          sameFunctions:
            ctx.progress === progress &&
            ctx.log === log &&
            copy.progress === progress &&
            Object.create(ctx).log === log,
        };
      });
      expect(job.result).toEqual({
        keys: ['jobId', 'taskName', 'attempt', 'maxAttempts', 'signal', 'progress', 'log'],
        copied: ['jobId', 'taskName', 'attempt', 'maxAttempts', 'signal', 'progress', 'log'],
        signalCopied: true,
        derived: true,
        sameFunctions: true,
      });
      expect(job.progress).toEqual({ fraction: 0.5, message: 'half' });
      expect(job.logs.map((line) => line.message)).toEqual(['a line']);
    });
  });

  describe('while a task runs', () => {
    it('renews the message lock and the job lease on every heartbeat', async () => {
      const { task, started, release } = blockingTask();
      const { backend, runner, longhaul } = setup([task]);
      const handle = await longhaul.enqueue(task);
      const startedAt = Date.now();
      const processing = runner.process(await receiveOne(backend));
      await started;
      // The lease lapses 2 s before the 30 s visibility, so a redelivery always finds it expired.
      expect((await longhaul.getJob(handle.id)).leaseExpiresAt).toBe(startedAt + 28_000);

      await vi.advanceTimersByTimeAsync(35_000);

      expect(await longhaul.getJob(handle.id)).toMatchObject({
        status: 'running',
        heartbeatAt: startedAt + 30_000,
        leaseExpiresAt: startedAt + 58_000,
      });
      expect(await backend.transport.depth()).toMatchObject({ available: 0, inFlight: 1 });
      expect(backend.requests.snapshot().sqs?.ChangeMessageVisibility).toBe(3);
      release('finished');
      expect(await processing).toEqual({ kind: 'ack' });
      expect(await longhaul.getJob(handle.id)).toMatchObject({ status: 'succeeded', result: 'finished' });
    });

    it('aborts the task and abandons the message when another worker took the job over', async () => {
      const { task, started, seen } = blockingTask();
      const { backend, runner, longhaul } = setup([task]);
      const handle = await longhaul.enqueue(task);
      const message = await receiveOne(backend);
      const processing = runner.process(message);
      await started;
      await takeOverElsewhere(backend, message, await longhaul.getJob(handle.id), 60_000);

      await vi.advanceTimersByTimeAsync(heartbeatIntervalSeconds * 1000);

      expect(await processing).toEqual({ kind: 'abandon' });
      expect(seen.signal?.aborted).toBe(true);
      expect(seen.signal?.reason).toBeInstanceOf(LockLostError);
      expect(await longhaul.getJob(handle.id)).toMatchObject({
        status: 'running',
        attempts: 2,
        workerId: 'worker-b',
      });
      expect(backend.transport.deadLetters()).toEqual([]);
    });

    it('aborts the task and abandons the message when another delivery holds the message', async () => {
      const { task, started, seen } = blockingTask();
      const { backend, runner } = setup([task]);
      await new Longhaul({ backend }).enqueue(task);
      const message = await receiveOne(backend);
      const processing = runner.process(message);
      await started;
      await backend.transport.changeVisibility(message, 0);
      await receiveOne(backend);

      await vi.advanceTimersByTimeAsync(heartbeatIntervalSeconds * 1000);

      expect(await processing).toEqual({ kind: 'abandon' });
      expect(seen.signal?.reason).toBeInstanceOf(LockLostError);
    });

    it('discards the result of an attempt that finishes after losing its lock', async () => {
      const { task, started, release } = blockingTask();
      const { backend, runner, longhaul } = setup([task]);
      const handle = await longhaul.enqueue(task);
      const message = await receiveOne(backend);
      const processing = runner.process(message);
      await started;
      await takeOverElsewhere(backend, message, await longhaul.getJob(handle.id), 0);

      release('too late');

      expect(await processing).toEqual({ kind: 'abandon' });
      const job = await longhaul.getJob(handle.id);
      expect(job).toMatchObject({ status: 'running', workerId: 'worker-b' });
      expect(job).not.toHaveProperty('result');
    });
  });

  describe('failures', () => {
    it('records a failed attempt as retrying and hides the message for the backoff', async () => {
      const task = defineTask({
        name: 'fails',
        retries: 1,
        backoff: { baseDelayMs: 4_000, maxDelayMs: 4_000 },
        run: () => {
          throw new Error('nope');
        },
      });
      const { backend, runner, longhaul } = setup([task]);
      const handle = await longhaul.enqueue(task);

      const disposition = await runner.process(await receiveOne(backend));

      expect(disposition).toMatchObject({ kind: 'release' });
      const delaySeconds = (disposition as { delaySeconds: number }).delaySeconds;
      expect(delaySeconds).toBeGreaterThanOrEqual(2);
      expect(delaySeconds).toBeLessThanOrEqual(4);
      expect(await longhaul.getJob(handle.id)).toMatchObject({
        status: 'retrying',
        error: { message: 'nope', code: 'task_error' },
        nextAttemptAt: Date.now() + delaySeconds * 1000,
      });
      vi.advanceTimersByTime(delaySeconds * 1000 - 1);
      expect(await backend.transport.depth()).toMatchObject({ available: 0 });
      vi.advanceTimersByTime(1);
      expect(await backend.transport.depth()).toMatchObject({ available: 1 });
    });

    it('fails the job and dead-letters the message when the last attempt fails', async () => {
      const task = defineTask({
        name: 'fails',
        retries: 0,
        run: () => {
          throw new Error('nope');
        },
      });
      const { backend, runner, longhaul } = setup([task]);
      const handle = await longhaul.enqueue(task);

      const disposition = await runner.process(await receiveOne(backend));

      expect(disposition).toEqual({
        kind: 'deadLettered',
        reason: { code: 'task_error', message: 'nope', jobId: handle.id },
      });
      expect(await longhaul.getJob(handle.id)).toMatchObject({ status: 'failed', deadLettered: true });
      expect(backend.transport.deadLetters()).toHaveLength(1);
    });
  });

  describe('logs', () => {
    const lines = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);

    it('keeps the first 99 lines and replaces the rest with one notice', async () => {
      const { job } = await runOnce((ctx) => {
        for (const line of lines('line', 150)) ctx.log(line);
        return 'ok';
      });

      expect(job.logs).toHaveLength(100);
      expect(job.logs.slice(0, 99).map((l) => l.message)).toEqual(lines('line', 99));
      expect(job.logs[99]).toMatchObject({
        level: 'warn',
        message: '51 log lines dropped (limit 100 per job)',
      });
    });

    it('adds no second notice for lines logged after the first notice was written', async () => {
      const running = runOnce(async (ctx) => {
        for (const line of lines('line', 150)) ctx.log(line);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        for (const line of lines('late', 10)) ctx.log(line);
        return 'ok';
      });
      await vi.advanceTimersByTimeAsync(1_000);
      const { job } = await running;

      expect(job.logs.filter((l) => l.message.includes('log lines dropped'))).toHaveLength(1);
      expect(job.logs.length).toBeLessThanOrEqual(100);
    });

    it('keeps the log level and truncates long lines', async () => {
      const { job } = await runOnce((ctx) => {
        ctx.log('x'.repeat(2_000), 'error');
      });

      expect(job.logs).toEqual([{ at: Date.now(), level: 'error', message: 'x'.repeat(500) }]);
    });
  });

  describe('progress', () => {
    it('clamps progress above 1 to 1', async () => {
      const { job } = await runOnce((ctx) => ctx.progress(1.7, 'past the end'));

      expect(job.progress).toEqual({ fraction: 1, message: 'past the end' });
    });

    it('clamps progress below 0 to 0', async () => {
      const { job } = await runOnce((ctx) => ctx.progress(-0.5));

      expect(job.progress).toEqual({ fraction: 0 });
    });

    it('ignores a progress that is not a finite number', async () => {
      const { job } = await runOnce((ctx) => {
        ctx.progress(0.4, 'almost half');
        ctx.progress(Number.NaN, 'broken');
        ctx.progress(Number.POSITIVE_INFINITY);
      });

      expect(job.progress).toEqual({ fraction: 0.4, message: 'almost half' });
    });

    it('writes progress to the job while the task runs', async () => {
      const release = deferred();
      const task = defineTask({
        name: 'reporting',
        async run(_args, ctx) {
          ctx.progress(0.25, 'a quarter');
          await release.promise;
        },
      });
      const { backend, runner, longhaul } = setup([task]);
      const handle = await longhaul.enqueue(task);
      const processing = runner.process(await receiveOne(backend));

      await vi.advanceTimersByTimeAsync(0);

      expect(await longhaul.getJob(handle.id)).toMatchObject({
        status: 'running',
        progress: { fraction: 0.25, message: 'a quarter' },
      });
      release.resolve();
      await processing;
    });
  });
});
