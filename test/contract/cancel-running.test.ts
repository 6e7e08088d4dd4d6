import { defineTask, Longhaul, silentLogger } from 'longhaul';
import { createLambdaHandler } from 'longhaul/lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { invokeOnce } from '../support/lambda.js';
import { eventually, receiveOne, testRunner, testWorker } from '../support/serve.js';

describe.each(contractBackends('contract/cancel-running'))(
  'cancelling running jobs on the $name backend',
  (factory) => {
    const s = useContractBackend(factory);

    const finished = (id: string) => async () => {
      const job = await s.longhaul.getJob(id);
      return ['succeeded', 'failed', 'cancelled'].includes(job.status) && job;
    };

    it('aborts a running task from another client: the job ends cancelled and its message is gone', async () => {
      let sawAbort: unknown;
      const patient = defineTask({
        name: 'patient',
        retries: 3,
        async run(_args, ctx) {
          await new Promise<void>((resolve) => {
            ctx.signal.addEventListener('abort', () => resolve(), { once: true });
          });
          sawAbort = ctx.signal.reason;
          throw ctx.signal.reason;
        },
      });
      const handle = await s.longhaul.enqueue(patient);
      const worker = testWorker(s.t.backend, [patient]).start();
      try {
        await eventually(async () => (await s.longhaul.getJob(handle.id)).status === 'running');
        // An operator's process: its own client on the same queue and table.
        const operator = new Longhaul({ backend: s.t.backend });
        const requested = await operator.cancel(handle.id);
        expect(requested).toMatchObject({ status: 'running', cancelRequestedAt: expect.any(Number) });

        const job = await eventually(finished(handle.id));
        expect(job).toMatchObject({ status: 'cancelled', attempts: 1, error: { code: 'cancelled' } });
        expect(job.deadLettered).toBe(false);
        expect(sawAbort).toMatchObject({ name: 'JobCancelledError', code: 'cancelled' });
        expect(job.history.map((e) => `${e.status}:${e.attempt}`)).toEqual([
          'queued:0',
          'running:1',
          'cancelled:1',
        ]);
        await eventually(async () => worker.stats.deleted === 1);
      } finally {
        await worker.stop();
      }
      expect(await s.t.backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
      expect(await s.t.deadLetters()).toEqual([]);
      await expect(s.longhaul.cancel(handle.id)).rejects.toMatchObject({ code: 'job_conflict' });
    });

    it('cancels a job running in a Lambda invocation, which then leaves its message to be deleted', async () => {
      const patient = defineTask({
        name: 'patient-lambda',
        async run(_args, ctx) {
          await new Promise((_, reject) => {
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
          });
        },
      });
      const handler = createLambdaHandler({
        tasks: [patient],
        backend: s.t.backend,
        // A heartbeat every second: the Lambda heartbeat is half the visibility timeout.
        visibilityTimeoutSeconds: 2,
        deliveryLimit: 10,
        logger: silentLogger,
      });
      const handle = await s.longhaul.enqueue(patient);
      const invocation = eventually(() =>
        invokeOnce(handler, s.t.backend, { remainingMs: 60_000, visibilityTimeoutSeconds: 2 }),
      );
      await eventually(async () => (await s.longhaul.getJob(handle.id)).status === 'running');
      await s.longhaul.cancel(handle.id);
      const { failedIds } = await invocation;
      expect(failedIds).toEqual([]);
      expect(await s.longhaul.getJob(handle.id)).toMatchObject({
        status: 'cancelled',
        error: { code: 'cancelled' },
      });
      expect(await s.t.backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
      expect(await s.t.deadLetters()).toEqual([]);
    });

    it('ends a task that ignores its signal as cancelled once its grace is over', async () => {
      const release = new AbortController();
      const deaf = defineTask({
        name: 'deaf',
        timeoutGraceMs: 200,
        async run() {
          // Ignores ctx.signal; the test releases it at the end so nothing outlives the test.
          await new Promise((resolve) => release.signal.addEventListener('abort', resolve, { once: true }));
          return 'finished regardless';
        },
      });
      const handle = await s.longhaul.enqueue(deaf);
      const warnings: string[] = [];
      const worker = testWorker(s.t.backend, [deaf], {
        logger: { ...silentLogger, warn: (message) => warnings.push(message) },
      }).start();
      try {
        await eventually(async () => (await s.longhaul.getJob(handle.id)).status === 'running');
        await s.longhaul.cancel(handle.id);
        const job = await eventually(finished(handle.id));
        expect(job).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
        expect(warnings).toContain('task ignored its abort signal');
        // The slot was freed while the task still hangs.
        expect(worker.activeJobs).toBe(0);
      } finally {
        release.abort();
        await worker.stop();
      }
      expect(await s.t.backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
    });

    it('ends an attempt cancelled while it was failing as cancelled, not retrying', async () => {
      // The task fails as soon as the cancel is recorded, before any heartbeat could see it: the retry
      // must not swallow the cancel.
      const reader = new Longhaul({ backend: s.t.backend });
      const failing = defineTask({
        name: 'failing',
        retries: 3,
        async run(_args, ctx) {
          await eventually(async () => (await reader.getJob(ctx.jobId)).cancelRequestedAt !== undefined);
          throw new Error('failed on its own');
        },
      });
      const handle = await s.longhaul.enqueue(failing);
      const worker = testWorker(s.t.backend, [failing], {
        visibilityTimeoutSeconds: 60,
        heartbeatIntervalSeconds: 30,
      }).start();
      try {
        await eventually(async () => (await s.longhaul.getJob(handle.id)).status === 'running');
        await s.longhaul.cancel(handle.id);
        const job = await eventually(finished(handle.id));
        expect(job).toMatchObject({ status: 'cancelled', attempts: 1, error: { code: 'cancelled' } });
        expect(job.history.map((e) => e.status)).not.toContain('retrying');
      } finally {
        await worker.stop();
      }
      expect(await s.t.backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
    });

    it('cancels a job whose worker died, at the next delivery, without starting it again', async () => {
      let runs = 0;
      let wake: () => void = () => {};
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const hang = defineTask({
        name: 'hang',
        args: z.object({}),
        retries: 2,
        async run() {
          runs++;
          await woken;
          return 'too late';
        },
      });
      // A "killed" worker: it claims the job and never heartbeats again.
      const zombie = testRunner(s.t.backend, [hang], {
        workerId: 'zombie',
        visibilityTimeoutSeconds: 1,
        heartbeatIntervalSeconds: 3_600,
      });
      const handle = await s.longhaul.enqueue(hang, {});
      const zombieDone = zombie.process(await receiveOne(s.t.backend));
      await eventually(async () => (await s.longhaul.getJob(handle.id)).status === 'running');
      await s.longhaul.cancel(handle.id);

      const worker = testWorker(s.t.backend, [hang]).start();
      try {
        const job = await eventually(finished(handle.id));
        expect(job).toMatchObject({ status: 'cancelled', attempts: 1, error: { code: 'cancelled' } });
        await eventually(async () => worker.stats.deleted === 1);
      } finally {
        await worker.stop();
        wake();
      }
      expect(runs).toBe(1);
      expect(await zombieDone).toEqual({ kind: 'abandon' });
      expect(await s.t.backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
    });
  },
);
