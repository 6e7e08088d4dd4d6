// The dashboard's JSON API on every backend: what it reads, what its actions do, and its error codes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aws, type BackendFactory, memory } from '../support/backends.js';
import { eventually, testWorker } from '../support/serve.js';
import { makeTasks } from '../support/tasks.js';
import { type DashboardScope, readEvents, startDashboard } from './helpers.js';

const factories: BackendFactory[] = [memory, aws('dashboard-api')];

describe.each(factories)('the dashboard API on the $name backend', (factory) => {
  let d: DashboardScope & { dispose(): Promise<void> };
  let fixtures: ReturnType<typeof makeTasks>;

  beforeEach(async () => {
    d = await startDashboard(factory);
    fixtures = makeTasks();
  });
  afterEach(async () => {
    await d.dispose();
  });

  /** Two succeeded jobs, one failed and dead-lettered, one cancelled through the API. */
  async function seed() {
    const { add, doomed } = fixtures.tasks;
    const first = await d.longhaul.enqueue(add, { a: 1, b: 2 });
    const second = await d.longhaul.enqueue(add, { a: 3, b: 4 });
    const failed = await d.longhaul.enqueue(doomed, { unrecoverable: true });
    const cancelled = await d.longhaul.enqueue(add, { a: 5, b: 6 });
    const cancel = await d.post(`api/jobs/${cancelled.id}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.json.job).toMatchObject({ id: cancelled.id, status: 'cancelled' });

    const worker = testWorker(d.t.backend, fixtures.all).start();
    try {
      await eventually(async () => {
        const jobs = await Promise.all([first, second, failed].map((j) => d.longhaul.getJob(j.id)));
        return jobs.every((j) => j.status === 'succeeded' || (j.status === 'failed' && j.deadLettered));
      });
    } finally {
      await worker.stop();
    }
    return { first, second, failed, cancelled };
  }

  it('reads the stats, the job list with filters and pages, one job and the dead-letter queue', async () => {
    const { first, second, failed, cancelled } = await seed();

    const stats = await d.get('api/stats');
    expect(stats.status).toBe(200);
    expect(stats.headers['content-type']).toMatch(/^application\/json/);
    expect(stats.json.counts.byStatus).toMatchObject({ succeeded: 2, failed: 1, cancelled: 1, queued: 0 });
    expect(stats.json.counts.byTask['math.add']).toMatchObject({ succeeded: 2, cancelled: 1 });
    expect(stats.json.counts.byTask.doomed).toMatchObject({ failed: 1 });
    expect(stats.json.depth).toHaveProperty('deadLettered');

    const all = await d.get('api/jobs');
    expect(all.json.jobs.map((j: { id: string }) => j.id).sort()).toEqual(
      [first.id, second.id, failed.id, cancelled.id].sort(),
    );
    const summary = all.json.jobs.find((j: { id: string }) => j.id === failed.id);
    expect(summary).toMatchObject({ task: 'doomed', status: 'failed', error: { code: 'unrecoverable' } });
    expect(summary).not.toHaveProperty('args');

    const succeeded = await d.get('api/jobs?status=succeeded');
    expect(succeeded.json.jobs.map((j: { id: string }) => j.id).sort()).toEqual([first.id, second.id].sort());
    const byTask = await d.get('api/jobs?task=doomed');
    expect(byTask.json.jobs.map((j: { id: string }) => j.id)).toEqual([failed.id]);
    const both = await d.get('api/jobs?status=cancelled&task=math.add');
    expect(both.json.jobs.map((j: { id: string }) => j.id)).toEqual([cancelled.id]);

    // Cursor paging walks every job once.
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await d.get(`api/jobs?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.json.jobs.map((j: { id: string }) => j.id));
      cursor = page.json.nextCursor;
      if (!cursor) break;
    }
    expect(seen.sort()).toEqual([first.id, second.id, failed.id, cancelled.id].sort());

    const job = await d.get(`api/jobs/${encodeURIComponent(first.id)}`);
    expect(job.status).toBe(200);
    expect(job.json).toMatchObject({
      id: first.id,
      status: 'succeeded',
      args: { a: 1, b: 2 },
      result: { sum: 3 },
    });
    expect(job.json.history.map((e: { status: string }) => e.status)).toEqual([
      'queued',
      'running',
      'succeeded',
    ]);
    expect(job.json.logs.map((l: { message: string }) => l.message)).toContain('adding 1 and 2');
    expect(job.json).not.toHaveProperty('leaseToken');
    const failedJob = await d.get(`api/jobs/${failed.id}`);
    expect(failedJob.json.error).toMatchObject({ code: 'unrecoverable', message: 'the account is gone' });
    expect(failedJob.json.error.stack).toContain('UnrecoverableError');

    const dlq = await eventually(async () => {
      const reply = await d.get('api/dlq');
      return reply.json.deadLetters.length > 0 && reply;
    });
    expect(dlq.json.deadLetters).toEqual([
      expect.objectContaining({
        jobId: failed.id,
        task: 'doomed',
        code: 'unrecoverable',
        message: 'the account is gone',
      }),
    ]);
  });

  it('lists a delayed job as scheduled with its run time, and cancels it', async () => {
    const delayed = await d.longhaul.enqueue(fixtures.tasks.add, { a: 1, b: 1 }, { delaySeconds: 600 });
    const listed = await d.get('api/jobs?status=scheduled');
    expect(listed.json.jobs.map((j: { id: string }) => j.id)).toEqual([delayed.id]);
    const stats = await d.get('api/stats');
    expect(stats.json.counts.byStatus).toMatchObject({ scheduled: 1 });
    const job = await d.get(`api/jobs/${delayed.id}`);
    expect(job.json).toMatchObject({ status: 'scheduled', runAt: expect.any(Number) });
    const cancel = await d.post(`api/jobs/${delayed.id}/cancel`);
    expect(cancel.json.job).toMatchObject({ status: 'cancelled' });
  });

  it('cancels, retries and redrives, answering 409 and 404 when they do not apply', async () => {
    const { first, failed, cancelled } = await seed();

    const again = await d.post(`api/jobs/${cancelled.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'job_conflict' });
    expect(again.json.error.message).toContain('cancelled');
    const missing = await d.post('api/jobs/no-such-job/cancel');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('job_not_found');
    expect((await d.get('api/jobs/no-such-job')).json.error.code).toBe('job_not_found');

    const retry = await d.post(`api/jobs/${cancelled.id}/retry`);
    expect(retry.status).toBe(200);
    expect(retry.json.job).toMatchObject({ id: cancelled.id, status: 'queued' });
    const retrySucceeded = await d.post(`api/jobs/${first.id}/retry`);
    expect(retrySucceeded.status).toBe(409);
    expect(retrySucceeded.json.error.code).toBe('job_conflict');
    expect((await d.post('api/jobs/no-such-job/retry')).status).toBe(404);

    await eventually(async () => (await d.get('api/dlq')).json.deadLetters.length === 1);
    const none = await d.post('api/dlq/redrive', { jobId: 'not-in-the-dlq' });
    expect(none.json).toEqual({ redriven: [], left: 1 });
    const one = await d.post('api/dlq/redrive', { jobId: failed.id });
    expect(one.status).toBe(200);
    expect(one.json.redriven).toEqual([failed.id]);
    expect((await d.get(`api/jobs/${failed.id}`)).json.status).toBe('queued');
    await eventually(async () => (await d.get('api/dlq')).json.deadLetters.length === 0);
    expect((await d.post('api/dlq/redrive')).json).toEqual({ redriven: [], left: 0 });
  });

  it('asks the worker of a running job to cancel it, and shows the request', async () => {
    const handle = await d.longhaul.enqueue(fixtures.tasks.slow, { ms: 20_000 });
    const worker = testWorker(d.t.backend, fixtures.all).start();
    try {
      await eventually(async () => (await d.longhaul.getJob(handle.id)).status === 'running');
      const requested = await d.post(`api/jobs/${handle.id}/cancel`);
      expect(requested.status).toBe(200);
      expect(requested.json.job).toMatchObject({ status: 'running', cancelRequestedAt: expect.any(Number) });
      expect(requested.json.job).not.toHaveProperty('leaseToken');
      await eventually(async () => (await d.get(`api/jobs/${handle.id}`)).json.status === 'cancelled');
      expect((await d.get(`api/jobs/${handle.id}`)).json.error.code).toBe('cancelled');
    } finally {
      await worker.stop();
    }
  });

  it('redrives every dead letter, or those of one task', async () => {
    const { doomed, add } = fixtures.tasks;
    const jobs = [
      await d.longhaul.enqueue(doomed, { unrecoverable: true }),
      await d.longhaul.enqueue(doomed, { unrecoverable: true }),
    ];
    const worker = testWorker(d.t.backend, fixtures.all).start();
    try {
      await eventually(async () => (await d.get('api/dlq')).json.deadLetters.length === 2);
    } finally {
      await worker.stop();
    }
    expect((await d.post('api/dlq/redrive', { task: add.name })).json.redriven).toEqual([]);
    const all = await d.post('api/dlq/redrive', { task: doomed.name });
    expect([...all.json.redriven].sort()).toEqual(jobs.map((j) => j.id).sort());
    for (const job of jobs) expect((await d.longhaul.getJob(job.id)).status).toBe('queued');
  });

  it('answers bad input with 400, unknown routes with 404 and wrong methods with 405', async () => {
    const bad = [
      'api/jobs?status=exploded',
      'api/jobs?limit=0',
      'api/jobs?limit=abc',
      'api/jobs?limit=100000',
      'api/jobs?cursor=not-a-cursor',
      'api/dlq?limit=-1',
      'api/events?view=nothing',
    ];
    for (const path of bad) {
      const reply = await d.get(path);
      expect(reply.status, path).toBe(400);
      expect(reply.json.error.code, path).toBe('invalid_request');
      expect(reply.headers['content-type'], path).toMatch(/^application\/json/);
    }
    const unknownField = await d.post('api/dlq/redrive', { jobId: 'x', everything: true });
    expect(unknownField.status).toBe(400);
    const wrongType = await d.post('api/dlq/redrive', { jobId: 42 });
    expect(wrongType.status).toBe(400);
    const notJson = await d.post('api/dlq/redrive', '{"jobId":');
    expect(notJson.status).toBe(400);
    expect(notJson.json.error.message).toContain('not valid JSON');
    const notObject = await d.post('api/dlq/redrive', '[1,2]');
    expect(notObject.status).toBe(400);

    const unknown = await d.get('api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('not_found');
    const wrongMethod = await d.get('api/dlq/redrive');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    expect((await d.post('api/stats')).status).toBe(405);
  });

  it('streams stats and the viewed list or job as Server-Sent Events when they change', async () => {
    const { add } = fixtures.tasks;
    const list = await readEvents(`${d.url}api/events?view=jobs&task=math.add`);
    try {
      expect((await list.next('stats')).counts.byStatus.queued).toBe(0);
      expect((await list.next('jobs')).jobs).toEqual([]);
      const job = await d.longhaul.enqueue(add, { a: 2, b: 2 });
      const listed = await list.next('jobs', (page) => page.jobs.length === 1);
      expect(listed.jobs[0]).toMatchObject({ id: job.id, status: 'queued' });
      await list.next('stats', (stats) => stats.counts.byStatus.queued === 1);

      const one = await readEvents(`${d.url}api/events?view=job&id=${encodeURIComponent(job.id)}`);
      try {
        expect(await one.next('job')).toMatchObject({ id: job.id, status: 'queued' });
        await d.longhaul.cancel(job.id);
        expect(await one.next('job', (j) => j.status === 'cancelled')).toMatchObject({ id: job.id });
      } finally {
        one.close();
      }
      const missing = await readEvents(`${d.url}api/events?view=job&id=nope`);
      try {
        expect((await missing.next('problem')).error.code).toBe('job_not_found');
      } finally {
        missing.close();
      }
    } finally {
      list.close();
    }
  });
});
