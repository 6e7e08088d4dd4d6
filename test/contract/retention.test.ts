import { defineTask, encodeEnvelope, JobNotFoundError, Longhaul, retentionDefaults } from 'longhaul';
import { describe, expect, it } from 'vitest';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';

const hour = 3_600_000;

// Finished jobs expire after their retention: the final write stamps `expiresAt`, and every read treats
// an expired record as gone. On the emulator DynamoDB's TTL never deletes anything (and on AWS it takes
// up to a day or two), so what these tests see on both backends is that read-side check.
describe.each(contractBackends('contract/retention'))('result expiry on the $name backend', (factory) => {
  const s = useContractBackend(factory);

  const statusOf = (id: string, status: string) => async () => {
    const job = await s.t.backend.store.get(id);
    return job?.status === status && job;
  };

  it('forgets a succeeded job after its retention and keeps a failed one', async () => {
    const { add, doomed } = s.fixtures.tasks;
    const ok = await s.longhaul.enqueue(add, { a: 1, b: 2 });
    const bad = await s.longhaul.enqueue(doomed, { unrecoverable: true });
    const worker = testWorker(s.t.backend, s.fixtures.all, {
      retention: { succeededMs: 1_000, failedMs: hour },
    });
    const succeeded = await serveUntil(worker, async () => {
      const [a, b] = await Promise.all([s.t.backend.store.get(ok.id), s.t.backend.store.get(bad.id)]);
      return a?.status === 'succeeded' && b?.status === 'failed' && a;
    });
    // Stamped in the final write: TTL counts in whole seconds, so DynamoDB rounds up.
    expect(succeeded.expiresAt).toBeGreaterThanOrEqual((succeeded.finishedAt ?? 0) + 1_000);
    expect(succeeded.expiresAt).toBeLessThanOrEqual((succeeded.finishedAt ?? 0) + 2_000);

    await eventually(async () => {
      const error = await s.longhaul.getJob(ok.id).catch((e) => e);
      return error instanceof JobNotFoundError;
    });
    const failed = await s.longhaul.getJob(bad.id);
    expect(failed.status).toBe('failed');
    expect(failed.expiresAt).toBeGreaterThanOrEqual((failed.finishedAt ?? 0) + hour);
    const listed = (await s.longhaul.list()).jobs.map((job) => job.id);
    expect(listed).toEqual([bad.id]);
    expect((await s.longhaul.list({ status: 'succeeded' })).jobs).toEqual([]);
  });

  it('keeps failed jobs longer than succeeded ones by default', async () => {
    const { add, doomed } = s.fixtures.tasks;
    const ok = await s.longhaul.enqueue(add, { a: 1, b: 2 });
    const bad = await s.longhaul.enqueue(doomed, { unrecoverable: true });
    await serveUntil(testWorker(s.t.backend, s.fixtures.all), async () => {
      const [a, b] = await Promise.all([statusOf(ok.id, 'succeeded')(), statusOf(bad.id, 'failed')()]);
      return a && b;
    });
    const [succeeded, failed] = await Promise.all([s.longhaul.getJob(ok.id), s.longhaul.getJob(bad.id)]);
    const kept = (job: typeof succeeded) => (job.expiresAt ?? 0) - (job.finishedAt ?? 0);
    expect(kept(succeeded)).toBeGreaterThanOrEqual(retentionDefaults.succeededMs);
    expect(kept(succeeded)).toBeLessThan(retentionDefaults.succeededMs + 1_000);
    expect(kept(failed)).toBeGreaterThanOrEqual(retentionDefaults.failedMs);
    expect(retentionDefaults.failedMs).toBeGreaterThan(retentionDefaults.succeededMs);
  });

  it('clears the expiry of a job that is retried', async () => {
    const bad = await s.longhaul.enqueue(s.fixtures.tasks.doomed, { unrecoverable: true });
    await serveUntil(testWorker(s.t.backend, s.fixtures.all), statusOf(bad.id, 'failed'));
    expect((await s.longhaul.getJob(bad.id)).expiresAt).toEqual(expect.any(Number));
    const retried = await s.longhaul.retry(bad.id);
    expect(retried.status).toBe('queued');
    expect(retried.expiresAt).toBeUndefined();
    expect((await s.longhaul.getJob(bad.id)).expiresAt).toBeUndefined();
  });

  it("expires a cancelled job after the client's retention", async () => {
    const longhaul = new Longhaul({ backend: s.t.backend, retention: { cancelledMs: 1_000 } });
    const job = await longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { delaySeconds: 60 });
    const cancelled = await longhaul.cancel(job.id);
    expect(cancelled.expiresAt).toBeGreaterThanOrEqual((cancelled.finishedAt ?? 0) + 1_000);
    await eventually(async () => (await longhaul.getJob(job.id).catch((e) => e)) instanceof JobNotFoundError);
    // Gone for operators too: it can no longer be retried.
    await expect(longhaul.retry(job.id)).rejects.toBeInstanceOf(JobNotFoundError);
  });

  it("applies a task's own retention over the worker's", async () => {
    const brief = defineTask({
      name: 'brief',
      retention: { succeededMs: 1_000 },
      async run() {
        return 'done';
      },
    });
    const job = await s.longhaul.enqueue(brief);
    const other = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 2, b: 2 });
    await serveUntil(
      testWorker(s.t.backend, [brief, s.fixtures.tasks.add], { retention: { succeededMs: hour } }),
      async () => (await statusOf(job.id, 'succeeded')()) && (await statusOf(other.id, 'succeeded')()),
    );
    await eventually(
      async () => (await s.longhaul.getJob(job.id).catch((e) => e)) instanceof JobNotFoundError,
    );
    expect((await s.longhaul.getJob(other.id)).status).toBe('succeeded');
  });

  it('enqueues a new job under the id of an expired one', async () => {
    const { add } = s.fixtures.tasks;
    const first = await s.longhaul.enqueue(add, { a: 1, b: 1 }, { jobId: 'reused-id' });
    const worker = () => testWorker(s.t.backend, s.fixtures.all, { retention: { succeededMs: 1_000 } });
    await serveUntil(worker(), statusOf(first.id, 'succeeded'));
    // Still there: enqueueing the same id is the idempotent no-op it always was.
    expect(await s.longhaul.enqueue(add, { a: 1, b: 1 }, { jobId: 'reused-id' })).toMatchObject({
      created: false,
    });
    await eventually(
      async () => (await s.longhaul.getJob(first.id).catch((e) => e)) instanceof JobNotFoundError,
    );

    const second = await s.longhaul.enqueue(add, { a: 2, b: 2 }, { jobId: 'reused-id' });
    expect(second).toMatchObject({ id: 'reused-id', created: true });
    expect(await s.longhaul.getJob('reused-id')).toMatchObject({ status: 'queued', args: { a: 2, b: 2 } });
    const done = await serveUntil(worker(), statusOf('reused-id', 'succeeded'));
    expect(done).toMatchObject({ attempts: 1, result: { sum: 4 } });
  });

  it('runs a message for a job whose record expired as a new job, as once the record is deleted', async () => {
    const { add } = s.fixtures.tasks;
    const job = await s.longhaul.enqueue(add, { a: 3, b: 4 });
    const worker = () => testWorker(s.t.backend, s.fixtures.all, { retention: { succeededMs: 1_000 } });
    await serveUntil(worker(), statusOf(job.id, 'succeeded'));
    await eventually(
      async () => (await s.longhaul.getJob(job.id).catch((e) => e)) instanceof JobNotFoundError,
    );
    // A redrive or a resend of its message after the expiry.
    await s.t.backend.transport.send([
      { body: encodeEnvelope({ id: job.id, task: add.name, args: { a: 3, b: 4 }, enqueuedAt: Date.now() }) },
    ]);
    const again = await serveUntil(worker(), statusOf(job.id, 'succeeded'));
    expect(again).toMatchObject({ attempts: 1, result: { sum: 7 } });
    expect(again.history.map((event) => event.status)).toEqual(['queued', 'running', 'succeeded']);
    expect(s.fixtures.runs.add).toBe(2);
  });
});
