import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { env, jobTable } from 'longhaul/aws';
import { describe, expect, it } from 'vitest';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';

// What operators use (the CLI and the dashboard): listing at scale, counts, the dead-letter queue,
// redrive, purge and following logs, on every backend.
describe.each(contractBackends('contract/operations'))(
  'operating the queue on the $name backend',
  (factory) => {
    const s = useContractBackend(factory);

    const finished = (ids: readonly string[]) => async () => {
      const jobs = await Promise.all(ids.map((id) => s.longhaul.getJob(id)));
      return jobs.every((job) => ['succeeded', 'failed', 'cancelled'].includes(job.status)) && jobs;
    };

    it('pages through every job newest first without gaps or repeats, by status, task and time', async () => {
      const adds = [];
      for (let i = 0; i < 23; i++) adds.push(await s.longhaul.enqueue(s.fixtures.tasks.add, { a: i, b: 0 }));
      const flakies = [];
      for (let i = 0; i < 5; i++)
        flakies.push(await s.longhaul.enqueue(s.fixtures.tasks.flaky, { failures: 0 }));

      const walk = async (query: { status?: 'queued'; task?: string }) => {
        const ids: string[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 20; pages++) {
          const page = await s.longhaul.list({ ...query, limit: 4, ...(cursor ? { cursor } : {}) });
          ids.push(...page.jobs.map((job) => job.id));
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
        return ids;
      };
      // Newest first, and by id among jobs enqueued in the same millisecond.
      const newestFirst = async (handles: readonly { id: string }[]) => {
        const jobs = await Promise.all(handles.map((h) => s.longhaul.getJob(h.id)));
        return jobs
          .sort((a, b) => b.enqueuedAt - a.enqueuedAt || (a.id < b.id ? 1 : -1))
          .map((job) => job.id);
      };
      expect(await walk({})).toEqual(await newestFirst([...adds, ...flakies]));
      expect(await walk({ task: 'math.add' })).toEqual(await newestFirst(adds));
      expect(await walk({ status: 'queued', task: 'flaky' })).toEqual(await newestFirst(flakies));
      const cutoff = (await s.longhaul.getJob(adds[10]?.id as string)).enqueuedAt;
      const older = await s.longhaul.list({ task: 'math.add', enqueuedBefore: cutoff, limit: 100 });
      expect(older.jobs.every((job) => job.enqueuedAt < cutoff)).toBe(true);
      expect(older.jobs.length).toBeGreaterThanOrEqual(1);
    });

    it('counts jobs by status and by task, and reports queue depth and the oldest queued job', async () => {
      const ok = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 });
      const doomed = await s.longhaul.enqueue(s.fixtures.tasks.doomed, { unrecoverable: true });
      await serveUntil(testWorker(s.t.backend, s.fixtures.all), finished([ok.id, doomed.id]));
      const waiting = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 2, b: 2 });

      const counts = await s.longhaul.counts();
      expect(counts.byStatus).toEqual({
        scheduled: 0,
        queued: 1,
        running: 0,
        retrying: 0,
        succeeded: 1,
        failed: 1,
        cancelled: 0,
      });
      expect(counts.byTask['math.add']).toMatchObject({ queued: 1, succeeded: 1 });
      expect(counts.byTask.doomed).toMatchObject({ failed: 1 });
      const stats = await s.longhaul.stats();
      expect(stats.oldestQueued?.id).toBe(waiting.id);
      expect(stats.oldestQueued?.ageMs).toBeGreaterThanOrEqual(0);
      expect(stats.depth).toMatchObject({ available: expect.any(Number), deadLettered: expect.any(Number) });
    });

    it('rebuilds counts that drifted from the job records', async () => {
      const ok = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 });
      const doomed = await s.longhaul.enqueue(s.fixtures.tasks.doomed, { unrecoverable: true });
      await serveUntil(testWorker(s.t.backend, s.fixtures.all), finished([ok.id, doomed.id]));
      await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 2, b: 2 });
      const exact = {
        scheduled: 0,
        queued: 1,
        running: 0,
        retrying: 0,
        succeeded: 1,
        failed: 1,
        cancelled: 0,
      };
      if (factory.name === 'aws') {
        // Counters that drifted: a lost batch, a task that no longer has jobs, and an old revision.
        const tableName = s.t.environment[env.tableName] as string;
        await DynamoDBDocumentClient.from(new DynamoDBClient({})).send(
          new PutCommand({
            TableName: tableName,
            Item: {
              [jobTable.partitionKey]: '#counts',
              'n:queued': 7,
              'n:succeeded': 0,
              't:queued:math.add': 7,
              't:running:gone': 3,
              rev: 41,
            },
          }),
        );
        expect((await s.longhaul.counts()).byStatus.queued).toBe(7);
      }
      // On memory the counts are always exact; the rebuild returns them.

      const rebuilt = await s.longhaul.rebuildCounts();
      expect(rebuilt.byStatus).toEqual(exact);
      expect(rebuilt.byTask).toEqual({
        'math.add': { ...exact, failed: 0 },
        doomed: { ...exact, queued: 0, succeeded: 0 },
      });
      const read = await s.longhaul.counts();
      expect(read.byStatus).toEqual(exact);
      expect(read.byTask).toEqual(rebuilt.byTask);
    });

    it('lists dead letters with their job and reason, and redrives the chosen ones back to work', async () => {
      const doomedA = await s.longhaul.enqueue(s.fixtures.tasks.doomed, { unrecoverable: true });
      const doomedB = await s.longhaul.enqueue(s.fixtures.tasks.doomed, { unrecoverable: true });
      const bad = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 });
      await s.t.backend.transport.send([{ body: 'not an envelope' }]);
      // The add job dead-letters as an unknown task: its worker only knows `doomed`.
      await serveUntil(
        testWorker(s.t.backend, [s.fixtures.tasks.doomed]),
        finished([doomedA.id, doomedB.id, bad.id]),
      );

      const letters = await eventually(async () => {
        const found = await s.longhaul.deadLetters();
        return found.length === 4 ? found : undefined;
      });
      const byJob = new Map(letters.map((l) => [l.jobId, l]));
      expect(byJob.get(doomedA.id)).toMatchObject({ task: 'doomed', code: 'unrecoverable' });
      expect(byJob.get(bad.id)).toMatchObject({ task: 'math.add', code: 'unknown_task' });
      expect(letters.find((l) => l.jobId === undefined)).toMatchObject({
        code: 'malformed_message',
        body: 'not an envelope',
      });

      const progress: number[] = [];
      const one = await s.longhaul.redrive({ jobId: bad.id, onProgress: (p) => progress.push(p.done) });
      expect(one.redriven).toEqual([bad.id]);
      expect(progress).toEqual([1]);
      expect(await s.longhaul.getJob(bad.id)).toMatchObject({ status: 'queued', attempts: 0 });
      await serveUntil(testWorker(s.t.backend, s.fixtures.all), finished([bad.id]));
      expect(await s.longhaul.getJob(bad.id)).toMatchObject({ status: 'succeeded', result: { sum: 2 } });

      const rest = await eventually(async () => {
        const result = await s.longhaul.redrive({ task: 'doomed' });
        return result.redriven.length === 2 ? result : undefined;
      }, 20_000);
      expect([...rest.redriven].sort()).toEqual([doomedA.id, doomedB.id].sort());
      // The malformed message names no job: it stays for an operator to look at.
      const left = await eventually(async () => {
        const found = await s.longhaul.deadLetters();
        return found.length === 1 ? found : undefined;
      }, 40_000);
      expect(left[0]?.code).toBe('malformed_message');
      expect(await s.longhaul.getJob(doomedA.id)).toMatchObject({ status: 'queued' });
    });

    it('purges finished jobs older than a cut-off and never a job still going', async () => {
      const done = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 2 });
      const failed = await s.longhaul.enqueue(s.fixtures.tasks.doomed, { unrecoverable: true });
      await serveUntil(testWorker(s.t.backend, s.fixtures.all), finished([done.id, failed.id]));
      const waiting = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 3, b: 4 });

      expect(await s.longhaul.purge({ status: 'succeeded', olderThanMs: 3_600_000 })).toEqual({ deleted: 0 });
      await expect(s.longhaul.purge({ status: 'queued', olderThanMs: 0 })).rejects.toThrow(/never purged/);
      const seen: number[] = [];
      const purged = await s.longhaul.purge({
        status: 'succeeded',
        olderThanMs: 0,
        onProgress: (p) => seen.push(p.deleted),
      });
      expect(purged).toEqual({ deleted: 1 });
      expect(seen).toEqual([1]);
      await expect(s.longhaul.getJob(done.id)).rejects.toMatchObject({ code: 'job_not_found' });
      expect(await s.longhaul.getJob(failed.id)).toMatchObject({ status: 'failed' });
      expect(await s.longhaul.getJob(waiting.id)).toMatchObject({ status: 'queued' });
      // The store itself refuses to delete a job that is not finished.
      expect(await s.t.backend.store.remove([waiting.id])).toEqual([]);
    });

    it('follows a job’s log lines until it finishes', async () => {
      const handle = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 5, b: 6 });
      const worker = testWorker(s.t.backend, s.fixtures.all).start();
      try {
        const lines: string[] = [];
        for await (const line of s.longhaul.followLogs(handle.id, { pollIntervalMs: 25 }))
          lines.push(line.message);
        expect(lines).toEqual(['adding 5 and 6']);
        expect((await s.longhaul.getJob(handle.id)).status).toBe('succeeded');
      } finally {
        await worker.stop();
      }
    });

    it('enqueues many jobs at once, validating them all before sending any', async () => {
      const handles = await s.longhaul.enqueueMany(
        s.fixtures.tasks.add,
        Array.from({ length: 23 }, (_, i) => ({ a: i, b: i })),
      );
      expect(handles).toHaveLength(23);
      const queued = await Promise.all(handles.map((h) => s.longhaul.getJob(h.id)));
      expect(queued.every((job) => job.status === 'queued')).toBe(true);
      expect(queued.map((job) => job.args)).toEqual(Array.from({ length: 23 }, (_, i) => ({ a: i, b: i })));

      // One bad element: nothing is sent.
      const before = await s.t.backend.transport.depth();
      await expect(
        s.longhaul.enqueueMany(s.fixtures.tasks.add, [
          { a: 1, b: 1 },
          // @ts-expect-error b must be a number
          { a: 1, b: 'x' },
        ]),
      ).rejects.toMatchObject({ code: 'invalid_args' });
      expect((await s.t.backend.transport.depth()).available).toBe(before.available);

      await serveUntil(
        testWorker(s.t.backend, s.fixtures.all, { concurrency: 10 }),
        finished(handles.map((h) => h.id)),
      );
      const done = await Promise.all(handles.map((h) => s.longhaul.getJob(h.id)));
      expect(done.map((job) => job.result)).toEqual(Array.from({ length: 23 }, (_, i) => ({ sum: 2 * i })));
    });
  },
);
