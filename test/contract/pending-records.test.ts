// enqueueMany with full tracking writes its records with unconditional batch writes after the messages go
// (`pendingRecord` envelopes). These cases replay the race by hand, one delivery at a time: the message
// is sent first and a worker gets it before the producer's batch write lands.
import { encodeEnvelope, type JobRecord, pendingRecordWaitMs, type QueueMessage } from 'longhaul';
import { describe, expect, it } from 'vitest';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { receiveOne, serveUntil, testRunner, testWorker } from '../support/serve.js';

describe.each(contractBackends('contract/pending-records'))(
  'pending job records on the $name backend',
  (factory) => {
    const s = useContractBackend(factory);

    /** What `enqueueMany` does by hand: the message (marked pendingRecord) now, the record when asked. */
    async function sendPending(args: unknown): Promise<JobRecord> {
      const enqueuedAt = Date.now();
      const record: JobRecord = {
        id: `pending-${Math.random().toString(36).slice(2)}`,
        task: s.fixtures.tasks.add.name,
        status: 'queued',
        args,
        attempts: 0,
        maxAttempts: s.fixtures.tasks.add.retry.maxAttempts,
        enqueuedAt,
        logs: [],
        history: [{ status: 'queued', at: enqueuedAt, attempt: 0 }],
      };
      const body = encodeEnvelope({
        id: record.id,
        task: record.task,
        args,
        enqueuedAt,
        pendingRecord: true,
      });
      await s.t.backend.transport.send([{ body }]);
      return record;
    }

    async function putLate(record: JobRecord): Promise<void> {
      const put = await s.t.backend.store.putNew([record], new AbortController().signal);
      expect(put).toEqual({ written: [record.id] });
    }

    const statuses = (job: JobRecord) => job.history.map((event) => `${event.status}:${event.attempt}`);

    it('hands back a young message whose record is not written yet, then runs the job once on the late record', async () => {
      const record = await sendPending({ a: 1, b: 2 });
      const runner = testRunner(s.t.backend, s.fixtures.all);

      const early = await receiveOne(s.t.backend, 30);
      expect(await runner.process(early)).toEqual({ kind: 'release', delaySeconds: 2 });
      // No record was created, so the producer's unconditional write cannot replace a claim.
      expect(await s.t.backend.store.get(record.id)).toBeUndefined();
      expect(s.fixtures.runs.add).toBe(0);

      await putLate(record);
      const next = await receiveOne(s.t.backend, 30);
      expect(next.receiveCount).toBe(2);
      expect(await runner.process(next)).toMatchObject({ kind: 'ack' });
      await s.t.backend.transport.delete([next]);

      expect(s.fixtures.runs.add).toBe(1);
      const job = await s.longhaul.getJob(record.id);
      expect(job).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        args: { a: 1, b: 2 },
        result: { sum: 3 },
      });
      expect(statuses(job)).toEqual(['queued:0', 'running:1', 'succeeded:1']);
    });

    it('claims a young message once its record lands a moment later, without handing it back', async () => {
      const record = await sendPending({ a: 3, b: 4 });
      const runner = testRunner(s.t.backend, s.fixtures.all);
      const message = await receiveOne(s.t.backend, 30);
      // The producer's batch write lands while the worker is looking: the first claim finds no record.
      const processing = runner.process(message);
      await new Promise((resolve) => setTimeout(resolve, 30));
      await putLate(record);
      expect(await processing).toMatchObject({ kind: 'ack' });
      await s.t.backend.transport.delete([message]);
      expect(s.fixtures.runs.add).toBe(1);
      const job = await s.longhaul.getJob(record.id);
      expect(job).toMatchObject({ status: 'succeeded', attempts: 1, result: { sum: 7 } });
      expect(statuses(job)).toEqual(['queued:0', 'running:1', 'succeeded:1']);
    });

    it('creates the record itself once the message is older than the wait (its producer crashed)', async () => {
      const record = await sendPending({ a: 2, b: 2 });
      const runner = testRunner(s.t.backend, s.fixtures.all);
      const message = await receiveOne(s.t.backend, 30);
      // As the same delivery would look once the wait is over (rather than waiting a minute).
      const old: QueueMessage = { ...message, sentAt: message.sentAt - pendingRecordWaitMs };
      expect(await runner.process(old)).toMatchObject({ kind: 'ack' });
      await s.t.backend.transport.delete([message]);
      const job = await s.longhaul.getJob(record.id);
      expect(job).toMatchObject({ status: 'succeeded', attempts: 1, result: { sum: 4 } });
      expect(statuses(job)).toEqual(['queued:0', 'running:1', 'succeeded:1']);
    });

    it('holds a bad message until its record is written, then fails the job on it and dead-letters it', async () => {
      const record = await sendPending({ a: 'one', b: 2 });
      const runner = testRunner(s.t.backend, s.fixtures.all);

      const early = await receiveOne(s.t.backend, 30);
      expect(await runner.process(early)).toEqual({ kind: 'release', delaySeconds: 2 });
      expect(await s.t.backend.store.get(record.id)).toBeUndefined();
      expect(await s.t.deadLetters()).toEqual([]);

      await putLate(record);
      const next = await receiveOne(s.t.backend, 30);
      expect(await runner.process(next)).toMatchObject({
        kind: 'deadLettered',
        reason: { code: 'invalid_args' },
      });
      expect(await s.longhaul.getJob(record.id)).toMatchObject({
        status: 'failed',
        deadLettered: true,
        error: { code: 'invalid_args' },
      });
    });

    it('writes enqueueMany records with batch writes and runs each job once', async () => {
      const jobCount = 30;
      s.t.backend.requests.reset();
      const handles = await s.longhaul.enqueueMany(
        s.fixtures.tasks.add,
        Array.from({ length: jobCount }, (_, i) => ({ a: i, b: 1 })),
      );
      const enqueueCounts = s.t.backend.requests.snapshot();
      expect(enqueueCounts.sqs).toEqual({ SendMessageBatch: 3 });
      expect(enqueueCounts.dynamodb).toEqual({ BatchWriteItem: 2 });
      expect(handles.every((h) => h.created)).toBe(true);
      expect(await s.longhaul.getJob(handles[0]?.id as string)).toMatchObject({
        status: 'queued',
        attempts: 0,
      });

      const worker = testWorker(s.t.backend, s.fixtures.all, { concurrency: 10 });
      await serveUntil(worker, async () => worker.stats.deleted === jobCount);
      expect(s.fixtures.runs.add).toBe(jobCount);
      const jobs = await Promise.all(handles.map((h) => s.longhaul.getJob(h.id)));
      expect(jobs.map((j) => [j.status, j.attempts, statuses(j)])).toEqual(
        jobs.map(() => ['succeeded', 1, ['queued:0', 'running:1', 'succeeded:1']]),
      );
    });
  },
);
