import { ConfigError, Longhaul } from 'longhaul';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestBackend } from '../support/backends.js';
import { contractBackends } from '../support/backends.js';
import { serveUntil, testWorker } from '../support/serve.js';
import { makeTasks } from '../support/tasks.js';

const hour = 3600;

// Delays and run times of any length: up to 15 minutes the queue holds the message (SQS DelaySeconds);
// longer, the backend's delay scheduler does (EventBridge Scheduler on AWS, a timer in memory), so a
// waiting job costs nothing and never loops through the queue. Either way the job is recorded
// `scheduled` with its run time, and can be cancelled.
describe.each(contractBackends('contract/delays'))('delayed jobs on the $name backend', (factory) => {
  const s = {} as { t: TestBackend; longhaul: Longhaul; fixtures: ReturnType<typeof makeTasks> };
  beforeEach(async () => {
    s.t = await factory.create({ delays: true });
    s.longhaul = new Longhaul({ backend: s.t.backend });
    s.fixtures = makeTasks();
  });
  afterEach(async () => {
    await s.t.dispose();
  });

  const succeeded = (id: string) => async () => {
    const job = await s.longhaul.getJob(id);
    return job.status === 'succeeded' && job;
  };
  const queueIsEmpty = async () => {
    const depth = await s.t.backend.transport.depth();
    return depth.available + depth.inFlight + depth.delayed === 0;
  };

  it('records a short delay as scheduled with its run time, and never runs it before', async () => {
    const before = Date.now();
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 2 }, { delaySeconds: 2 });
    const scheduled = await s.longhaul.getJob(handle);
    expect(scheduled.status).toBe('scheduled');
    expect(scheduled.runAt).toBeGreaterThanOrEqual(before + 2_000);
    expect(scheduled.history.map((e) => e.status)).toEqual(['scheduled']);
    // Held by the queue itself: nothing for the delay scheduler.
    expect(await s.t.fireDelayed(handle.id)).toBeUndefined();

    const done = await serveUntil(testWorker(s.t.backend, s.fixtures.all), succeeded(handle.id));
    expect(done.result).toEqual({ sum: 3 });
    expect(done.startedAt).toBeGreaterThanOrEqual(scheduled.runAt as number);
    expect(done.history.map((e) => e.status)).toEqual(['scheduled', 'running', 'succeeded']);
  });

  it('takes a run time instead of a delay, and runs a run time in the past at once', async () => {
    const runAt = new Date(Date.now() + 1_500);
    const later = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 2, b: 2 }, { runAt });
    expect(await s.longhaul.getJob(later)).toMatchObject({ status: 'scheduled', runAt: runAt.getTime() });
    const past = await s.longhaul.enqueue(
      s.fixtures.tasks.add,
      { a: 3, b: 3 },
      { runAt: Date.now() - 60_000 },
    );
    const pastJob = await s.longhaul.getJob(past);
    expect(pastJob.status).toBe('queued');
    expect(pastJob.runAt).toBeUndefined();

    const done = await serveUntil(testWorker(s.t.backend, s.fixtures.all), succeeded(later.id));
    expect(done.startedAt).toBeGreaterThanOrEqual(runAt.getTime());
    expect(await s.longhaul.getJob(past)).toMatchObject({ status: 'succeeded' });
  });

  it('holds a delay past 15 minutes in the delay scheduler, not the queue, and runs it when it fires', async () => {
    const before = Date.now();
    const handle = await s.longhaul.enqueue(
      s.fixtures.tasks.add,
      { a: 20, b: 22 },
      { delaySeconds: 2 * hour },
    );
    const job = await s.longhaul.getJob(handle);
    expect(job).toMatchObject({ status: 'scheduled', attempts: 0 });
    expect(job.runAt).toBeGreaterThanOrEqual(before + 2 * hour * 1000);
    // Waiting costs nothing: no message goes round the queue meanwhile.
    expect(await queueIsEmpty()).toBe(true);
    const listed = await s.longhaul.list({ status: 'scheduled' });
    expect(listed.jobs.map((j) => j.id)).toEqual([handle.id]);
    expect((await s.longhaul.counts()).byStatus.scheduled).toBe(1);

    // Two hours later, the scheduler sends the job's envelope to the queue (fired by hand here).
    const fired = await s.t.fireDelayed(handle.id);
    expect(JSON.parse(fired?.body ?? '{}')).toMatchObject({
      id: handle.id,
      task: 'math.add',
      args: { a: 20, b: 22 },
    });
    const done = await serveUntil(testWorker(s.t.backend, s.fixtures.all), succeeded(handle.id));
    expect(done.result).toEqual({ sum: 42 });
    expect(done.history.map((e) => e.status)).toEqual(['scheduled', 'running', 'succeeded']);
    // Scheduler deleted its one-time schedule after running it.
    expect(await s.t.fireDelayed(handle.id)).toBeUndefined();
  });

  it('cancels a long-delayed job and drops its pending send; retry then runs it now', async () => {
    const handle = await s.longhaul.enqueue(
      s.fixtures.tasks.add,
      { a: 1, b: 1 },
      { runAt: Date.now() + 24 * hour * 1000 },
    );
    const cancelled = await s.longhaul.cancel(handle.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.history.map((e) => e.status)).toEqual(['scheduled', 'cancelled']);
    expect(await s.t.fireDelayed(handle.id)).toBeUndefined();

    const retried = await s.longhaul.retry(handle.id);
    expect(retried.status).toBe('queued');
    expect(retried.runAt).toBeUndefined();
    const done = await serveUntil(testWorker(s.t.backend, s.fixtures.all), succeeded(handle.id));
    expect(done.history.map((e) => e.status)).toEqual([
      'scheduled',
      'cancelled',
      'queued',
      'running',
      'succeeded',
    ]);
  });

  it('acknowledges the message of a short-delayed job cancelled before it arrived, without running it', async () => {
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { delaySeconds: 1 });
    await s.longhaul.cancel(handle.id);
    await serveUntil(testWorker(s.t.backend, s.fixtures.all), queueIsEmpty);
    expect(s.fixtures.runs.add).toBe(0);
    expect((await s.longhaul.getJob(handle)).status).toBe('cancelled');
  });

  it('schedules one send for a job id enqueued twice with a long delay', async () => {
    const first = await s.longhaul.enqueue(
      s.fixtures.tasks.add,
      { a: 1, b: 1 },
      { jobId: 'delayed-once', delaySeconds: hour },
    );
    const second = await s.longhaul.enqueue(
      s.fixtures.tasks.add,
      { a: 1, b: 1 },
      { jobId: 'delayed-once', delaySeconds: hour },
    );
    expect([first.created, second.created]).toEqual([true, false]);
    expect(await s.t.fireDelayed('delayed-once')).toBeDefined();
    expect(await s.t.fireDelayed('delayed-once')).toBeUndefined();
  });

  it('delays every job of enqueueMany, past 15 minutes too', async () => {
    const handles = await s.longhaul.enqueueMany(
      s.fixtures.tasks.add,
      [
        { a: 1, b: 0 },
        { a: 2, b: 0 },
      ],
      { delaySeconds: 3 * hour },
    );
    for (const handle of handles) expect((await s.longhaul.getJob(handle)).status).toBe('scheduled');
    expect(await queueIsEmpty()).toBe(true);
    for (const handle of handles) expect(await s.t.fireDelayed(handle.id)).toBeDefined();
    await serveUntil(testWorker(s.t.backend, s.fixtures.all), async () => {
      const jobs = await Promise.all(handles.map((h) => s.longhaul.getJob(h)));
      return jobs.every((job) => job.status === 'succeeded');
    });
  });

  it('refuses a long delay on a backend with no delay scheduler, naming what to configure', async () => {
    const { transport, store, requests } = s.t.backend;
    const bare = new Longhaul({ backend: { transport, store, requests } });
    const attempt = bare.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { delaySeconds: 901 });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(/LONGHAUL_DELAY_ROLE_ARN|`scheduler`/);
    // Up to 15 minutes the queue is enough.
    const short = await bare.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { delaySeconds: 900 });
    expect((await bare.getJob(short)).status).toBe('scheduled');
  });

  it('rejects bad delay options with a message naming the option and the value', async () => {
    const add = s.fixtures.tasks.add;
    const args = { a: 1, b: 1 };
    await expect(s.longhaul.enqueue(add, args, { delaySeconds: -1 })).rejects.toThrow(
      /`delaySeconds`.*got `-1`/,
    );
    await expect(s.longhaul.enqueue(add, args, { delaySeconds: 1.5 })).rejects.toThrow(
      /`delaySeconds`.*got `1.5`/,
    );
    await expect(s.longhaul.enqueue(add, args, { runAt: new Date('nonsense') })).rejects.toThrow(/`runAt`/);
    await expect(s.longhaul.enqueue(add, args, { delaySeconds: 5, runAt: Date.now() })).rejects.toThrow(
      /at most one of `delaySeconds` and `runAt`/,
    );
    expect((await s.longhaul.list()).jobs).toEqual([]);
  });
});
