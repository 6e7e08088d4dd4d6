import {
  InvalidArgsError,
  JobConflictError,
  JobFailedError,
  JobNotFoundError,
  WaitTimeoutError,
} from 'longhaul';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';

describe.each(contractBackends('contract/lifecycle'))('the job lifecycle on the $name backend', (factory) => {
  const s = useContractBackend(factory);

  const finished = (id: string) => async () => {
    const job = await s.longhaul.getJob(id);
    return ['succeeded', 'failed', 'cancelled'].includes(job.status) && job;
  };

  it('runs a job and records its result, progress, logs, times and worker', async () => {
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 2, b: 3 });
    const queued = await s.longhaul.getJob(handle.id);
    expect(queued).toMatchObject({ status: 'queued', attempts: 0, task: 'math.add', args: { a: 2, b: 3 } });

    const worker = testWorker(s.t.backend, s.fixtures.all);
    const job = await serveUntil(worker, finished(handle.id));

    expect(job).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      result: { sum: 5 },
      progress: { fraction: 0.5, message: 'adding' },
      workerId: worker.options.workerId,
    });
    expect(job.logs.map((l) => l.message)).toEqual(['adding 2 and 3']);
    expect(job.startedAt).toBeGreaterThanOrEqual(job.enqueuedAt);
    expect(job.finishedAt).toBeGreaterThanOrEqual(job.startedAt as number);
    expect(job.history.map((e) => e.status)).toEqual(['queued', 'running', 'succeeded']);
    // Whether a store writes the success event or restores it from the record, it reads the same.
    expect(job.history.at(-1)).toEqual({
      status: 'succeeded',
      at: job.finishedAt,
      attempt: 1,
      workerId: worker.options.workerId,
    });
    expect(job.leaseExpiresAt).toBeUndefined();
    expect(await s.t.backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0, deadLettered: 0 });
  });

  it('serves jobs with short polling, pausing between empty receives', async () => {
    const worker = testWorker(s.t.backend, s.fixtures.all, {
      waitTimeSeconds: 0,
      emptyReceiveDelayMs: 50,
    }).start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const handle = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 4, b: 4 });
      expect(await s.longhaul.waitForResult(handle, { timeoutMs: 10_000, pollIntervalMs: 25 })).toEqual({
        sum: 8,
      });
    } finally {
      await worker.stop();
    }
  });

  it('types the result of waitForResult from the task', async () => {
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 });
    const worker = testWorker(s.t.backend, s.fixtures.all).start();
    try {
      const result = await s.longhaul.waitForResult(handle, { timeoutMs: 15_000, pollIntervalMs: 50 });
      expectTypeOf(result).toEqualTypeOf<{ sum: number }>();
      expect(result).toEqual({ sum: 2 });
    } finally {
      await worker.stop();
    }
  });

  it('refuses arguments that fail the schema at enqueue, creating no job', async () => {
    // @ts-expect-error b must be a number
    const attempt = s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 'two' });
    await expect(attempt).rejects.toBeInstanceOf(InvalidArgsError);
    await expect(attempt).rejects.toMatchObject({ code: 'invalid_args', issues: [{ path: ['b'] }] });
    expect((await s.longhaul.list()).jobs).toHaveLength(0);
    expect(await s.t.backend.transport.depth()).toMatchObject({ available: 0, delayed: 0 });
  });

  it('retries a failing job with backoff until it succeeds', async () => {
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.flaky, { failures: 2 });
    const job = await serveUntil(testWorker(s.t.backend, s.fixtures.all), finished(handle.id));
    expect(job).toMatchObject({ status: 'succeeded', attempts: 3, result: 'succeeded on attempt 3' });
    expect(job.error).toBeUndefined();
    expect(job.history.map((e) => `${e.status}:${e.attempt}`)).toEqual([
      'queued:0',
      'running:1',
      'retrying:1',
      'running:2',
      'retrying:2',
      'running:3',
      'succeeded:3',
    ]);
    const retry = job.history.find((e) => e.status === 'retrying');
    const next = job.history.find((e) => e.status === 'running' && e.attempt === 2);
    // The backoff hid the message for about a second (1 s base, equal jitter, whole seconds).
    expect((next?.at ?? 0) - (retry?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('fails the job after its last attempt and moves its message to the dead-letter queue', async () => {
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.doomed, {});
    const job = await serveUntil(testWorker(s.t.backend, s.fixtures.all), finished(handle.id));
    expect(job).toMatchObject({
      status: 'failed',
      attempts: 2,
      deadLettered: true,
      error: { name: 'Error', message: 'always fails', code: 'task_error' },
    });
    expect(job.error?.stack).toContain('always fails');
    expect(s.fixtures.runs.doomed).toBe(2);
    expect(await s.t.deadLetters()).toEqual([
      expect.objectContaining({ code: 'task_error', jobId: handle.id }),
    ]);
    await expect(s.longhaul.waitForResult(handle.id, { timeoutMs: 1_000 })).rejects.toBeInstanceOf(
      JobFailedError,
    );
  });

  it('skips the remaining retries when the task throws UnrecoverableError', async () => {
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.doomed, { unrecoverable: true });
    const job = await serveUntil(testWorker(s.t.backend, s.fixtures.all), finished(handle.id));
    expect(job).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'unrecoverable' } });
    expect(s.fixtures.runs.doomed).toBe(1);
    expect(await s.t.deadLetters()).toHaveLength(1);
  });

  it('fails an attempt that runs past its timeout, even when the task ignores its signal', async () => {
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.stubborn);
    const job = await serveUntil(testWorker(s.t.backend, s.fixtures.all), finished(handle.id));
    expect(job).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'timeout', name: 'TaskTimeoutError' },
    });
  });

  it('cancels a queued job so that no worker runs it', async () => {
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 2 });
    const cancelled = await s.longhaul.cancel(handle.id);
    expect(cancelled.status).toBe('cancelled');
    const worker = testWorker(s.t.backend, s.fixtures.all);
    await serveUntil(worker, async () => worker.stats.deleted === 1);
    expect(s.fixtures.runs.add).toBe(0);
    expect((await s.longhaul.getJob(handle.id)).status).toBe('cancelled');
    await expect(s.longhaul.cancel(handle.id)).rejects.toBeInstanceOf(JobConflictError);
    await expect(s.longhaul.waitForResult(handle.id)).rejects.toMatchObject({ code: 'job_failed' });
  });

  it('refuses to retry a job that is not finished', async () => {
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.slow, { ms: 1_500 });
    const worker = testWorker(s.t.backend, s.fixtures.all).start();
    try {
      await eventually(async () => (await s.longhaul.getJob(handle.id)).status === 'running');
      await expect(s.longhaul.retry(handle.id)).rejects.toBeInstanceOf(JobConflictError);
      await eventually(finished(handle.id));
    } finally {
      await worker.stop();
    }
  });

  it('retries a failed job under the same id with a fresh attempt budget', async () => {
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.flaky, { failures: 0 });
    await s.longhaul.cancel(handle.id);
    const requeued = await s.longhaul.retry(handle.id);
    expect(requeued).toMatchObject({ status: 'queued', attempts: 0 });
    // The cancelled job's first message is still queued beside the new one. One slot takes them in turn:
    // whichever comes first runs the job, and the other finds it finished.
    const worker = testWorker(s.t.backend, s.fixtures.all, { concurrency: 1 });
    const job = await serveUntil(
      worker,
      async () => worker.stats.deleted === 2 && (await finished(handle.id)()),
    );
    expect(job).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(s.fixtures.runs.flaky).toBe(1);
    expect(job.history.map((e) => e.status)).toEqual([
      'queued',
      'cancelled',
      'queued',
      'running',
      'succeeded',
    ]);
  });

  it('makes enqueue idempotent by job id', async () => {
    const first = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { jobId: 'order-42' });
    const second = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { jobId: 'order-42' });
    expect(first).toMatchObject({ id: 'order-42', created: true });
    expect(second).toMatchObject({ id: 'order-42', created: false });
    expect(await s.t.backend.transport.depth()).toMatchObject({ available: 1 });
  });

  it('reports unknown jobs and waits that time out with typed errors', async () => {
    await expect(s.longhaul.getJob('no-such-job')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(s.longhaul.cancel('no-such-job')).rejects.toBeInstanceOf(JobNotFoundError);
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 });
    await expect(
      s.longhaul.waitForResult(handle, { timeoutMs: 100, pollIntervalMs: 20 }),
    ).rejects.toBeInstanceOf(WaitTimeoutError);
  });

  it('lists jobs by status and task, newest first, page by page', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await s.longhaul.enqueue(s.fixtures.tasks.add, { a: i, b: i })).id);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await s.longhaul.enqueue(s.fixtures.tasks.doomed, {});
    await s.longhaul.cancel(ids[0] as string);

    const queuedAdds = await s.longhaul.list({ status: 'queued', task: 'math.add' });
    expect(queuedAdds.jobs.map((j) => j.id)).toEqual(ids.slice(1).reverse());
    expect((await s.longhaul.list({ status: 'cancelled' })).jobs.map((j) => j.id)).toEqual([ids[0]]);
    expect((await s.longhaul.list({ task: 'doomed' })).jobs).toHaveLength(1);
    expect((await s.longhaul.list()).jobs).toHaveLength(6);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await s.longhaul.list({ task: 'math.add', limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });
});
