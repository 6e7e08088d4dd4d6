import {
  type Disposition,
  defineTask,
  isFinalStatus,
  maxInterruptions,
  type QueueMessage,
  type Transport,
} from 'longhaul';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { delegate } from '../support/delegate.js';
import { eventually, receiveOne, serveUntil, testRunner, testWorker } from '../support/serve.js';

describe.each(contractBackends('contract/crash-and-shutdown'))(
  'crashes and shutdowns on the $name backend',
  (factory) => {
    const s = useContractBackend(factory);

    it('takes over from killed workers, and fails the job once they used up its attempts', async () => {
      // A "killed" worker: it claims the job and then neither heartbeats nor finishes, exactly what a
      // SIGKILLed process leaves behind. Its task is released at the end to show its late writes are refused.
      let wakeZombies: () => void = () => {};
      const zombiesWake = new Promise<void>((resolve) => {
        wakeZombies = resolve;
      });
      const hang = defineTask({
        name: 'hang',
        args: z.object({}),
        retries: 1,
        async run() {
          await zombiesWake;
          return 'a result nobody may record';
        },
      });
      const zombie = (workerId: string) =>
        testRunner(s.t.backend, [hang], {
          workerId,
          visibilityTimeoutSeconds: 1,
          heartbeatIntervalSeconds: 3_600,
        });

      const handle = await s.longhaul.enqueue(hang, {});
      const zombies: Promise<Disposition>[] = [];
      /** Delivers the message to a new zombie until it has started `attempt` (a delivery may be handed back). */
      const zombieStarts = async (workerId: string, attempt: number) => {
        for (;;) {
          let settled = false;
          const processing = zombie(workerId).process(await receiveOne(s.t.backend));
          void processing.then(() => {
            settled = true;
          });
          for (;;) {
            const job = await s.longhaul.getJob(handle.id);
            if (job.attempts === attempt && job.workerId === workerId) {
              zombies.push(processing);
              return;
            }
            if (settled) break; // handed back (the previous lease had not lapsed yet): next delivery
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
        }
      };
      await zombieStarts('zombie-1', 1);
      // The first lock lapses; the next delivery finds attempt 1 lost and starts attempt 2.
      await zombieStarts('zombie-2', 2);

      const worker = testWorker(s.t.backend, [hang]);
      const job = await serveUntil(worker, async () => {
        const current = await s.longhaul.getJob(handle.id);
        return current.status === 'failed' && current;
      });
      expect(job).toMatchObject({ attempts: 2, deadLettered: true, error: { code: 'worker_lost' } });
      expect(job.history.map((e) => `${e.status}:${e.attempt}:${e.error?.code ?? ''}`)).toEqual([
        'queued:0:',
        'running:1:',
        'retrying:1:worker_lost',
        'running:2:',
        'failed:2:worker_lost',
      ]);
      expect(await s.t.deadLetters()).toEqual([
        expect.objectContaining({ code: 'worker_lost', jobId: handle.id }),
      ]);

      wakeZombies();
      expect(await Promise.all(zombies)).toEqual([{ kind: 'abandon' }, { kind: 'abandon' }]);
      expect(await s.longhaul.getJob(handle.id)).toMatchObject({
        status: 'failed',
        error: { code: 'worker_lost' },
      });
    });

    it('lets SQS redrive a message that keeps crashing workers before they record anything', async () => {
      const backend = await factory.create({ maxReceiveCount: 2 });
      try {
        await backend.backend.transport.send([{ body: 'crashes the parser' }]);
        for (let receive = 1; receive <= 2; receive++) {
          const messages = await backend.backend.transport.receive({
            maxMessages: 1,
            waitTimeSeconds: 1,
            visibilityTimeoutSeconds: 0,
          });
          expect(messages.map((m) => m.receiveCount)).toEqual([receive]);
        }
        expect(
          await backend.backend.transport.receive({
            maxMessages: 1,
            waitTimeSeconds: 0,
            visibilityTimeoutSeconds: 0,
          }),
        ).toEqual([]);
        expect(await backend.deadLetters()).toEqual([{ body: 'crashes the parser' }]);
      } finally {
        await backend.dispose();
      }
    });

    it('renews the lock of a job that runs longer than the visibility timeout, so it runs once', async () => {
      const handle = await s.longhaul.enqueue(s.fixtures.tasks.slow, { ms: 3_500 });
      const workers = [testWorker(s.t.backend, s.fixtures.all), testWorker(s.t.backend, s.fixtures.all)];
      for (const worker of workers) worker.start();
      try {
        await eventually(async () => (await s.longhaul.getJob(handle.id)).status === 'succeeded');
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
      const job = await s.longhaul.getJob(handle.id);
      expect(s.fixtures.runs.slow).toBe(1);
      expect(job).toMatchObject({ attempts: 1, progress: { fraction: 1, message: 'step 10' } });
      expect(job.heartbeatAt).toBeGreaterThan(job.startedAt as number);
    });

    it('never receives more messages than it has free slots', async () => {
      const jobs = await Promise.all(
        [1, 2, 3].map(() => s.longhaul.enqueue(s.fixtures.tasks.slow, { ms: 3_000 })),
      );
      const busy = testWorker(s.t.backend, s.fixtures.all, { concurrency: 1 }).start();
      try {
        await eventually(async () => {
          const statuses = await Promise.all(jobs.map(async (j) => (await s.longhaul.getJob(j.id)).status));
          return statuses.includes('running');
        });
        // One job runs; the other two stay in the queue for other workers instead of waiting behind it.
        expect(await s.t.backend.transport.depth()).toMatchObject({ available: 2, inFlight: 1 });
        expect(busy.stats.received).toBe(1);
      } finally {
        await busy.stop();
      }
    });

    it('hands back a message received ahead that waited too long for a slot, and runs it once later', async () => {
      // Quick jobs first, so the worker receives ahead of its one slot (receiveAheadMs is generous here).
      const warmUp = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 });
      const worker = testWorker(s.t.backend, s.fixtures.all, { concurrency: 1, receiveAheadMs: 60_000 });
      worker.start();
      try {
        await eventually(async () => (await s.longhaul.getJob(warmUp.id)).status === 'succeeded');
        // Three slow jobs arrive together: one runs, and the two received with it wait longer than a quarter
        // of the 2 s visibility timeout, so they go back to the queue rather than start on a lapsing lock.
        const slow = await s.longhaul.enqueueMany(s.fixtures.tasks.slow, [
          { ms: 1_200 },
          { ms: 1_200 },
          { ms: 1_200 },
        ]);
        await eventually(async () => {
          const jobs = await Promise.all(slow.map((j) => s.longhaul.getJob(j.id)));
          return jobs.every((j) => j.status === 'succeeded');
        }, 30_000);
        const jobs = await Promise.all(slow.map((j) => s.longhaul.getJob(j.id)));
        expect(jobs.map((j) => j.attempts)).toEqual([1, 1, 1]);
        expect(s.fixtures.runs.slow).toBe(3);
        expect(worker.stats.released).toBeGreaterThanOrEqual(2);
      } finally {
        await worker.stop();
      }
    });

    it('deletes a duplicate message of a finished job without running it again', async () => {
      const handle = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 2 });
      const first = testWorker(s.t.backend, s.fixtures.all);
      await serveUntil(first, async () => (await s.longhaul.getJob(handle.id)).status === 'succeeded');
      const job = await s.longhaul.getJob(handle.id);
      // At-least-once delivery: the same message arrives again.
      await s.t.backend.transport.send([
        {
          body: JSON.stringify({
            v: 1,
            id: job.id,
            task: job.task,
            args: job.args,
            enqueuedAt: job.enqueuedAt,
          }),
        },
      ]);
      const second = testWorker(s.t.backend, s.fixtures.all);
      await serveUntil(second, async () => second.stats.deleted === 1);
      expect(s.fixtures.runs.add).toBe(1);
      expect(await s.longhaul.getJob(handle.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    });

    it('lets running jobs finish when stopped within the grace period', async () => {
      const handle = await s.longhaul.enqueue(s.fixtures.tasks.slow, { ms: 600 });
      const worker = testWorker(s.t.backend, s.fixtures.all, { shutdownGraceMs: 10_000 }).start();
      await eventually(async () => (await s.longhaul.getJob(handle.id)).status === 'running');
      await worker.stop();
      expect(await s.longhaul.getJob(handle.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(await s.t.backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
    });

    it('hands an interrupted job back at once when the grace period runs out, and another worker finishes it', async () => {
      const handle = await s.longhaul.enqueue(s.fixtures.tasks.slow, { ms: 3_000 });
      const stopping = testWorker(s.t.backend, s.fixtures.all, { shutdownGraceMs: 200 }).start();
      await eventually(async () => (await s.longhaul.getJob(handle.id)).status === 'running');
      await stopping.stop();
      const interrupted = await s.longhaul.getJob(handle.id);
      expect(interrupted).toMatchObject({ status: 'retrying', error: { code: 'worker_shutdown' } });
      expect(stopping.stats.released).toBe(1);

      const next = testWorker(s.t.backend, s.fixtures.all);
      const job = await serveUntil(next, async () => {
        const current = await s.longhaul.getJob(handle.id);
        return current.status === 'succeeded' && current;
      });
      // The interrupted attempt is given back: the next one is attempt 1 again.
      expect(job).toMatchObject({ attempts: 1, interruptions: 1 });
      expect(job.history.map((e) => [e.status, e.attempt, e.interrupted ?? false])).toEqual([
        ['queued', 0, false],
        ['running', 1, false],
        ['retrying', 1, true],
        ['running', 1, false],
        ['succeeded', 1, false],
      ]);
    });

    it('does not count an attempt interrupted by a stopping worker against a job with no retries', async () => {
      const once = defineTask({
        name: 'once',
        args: z.object({ ms: z.number() }),
        retries: 0,
        async run({ ms }, ctx) {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, ms);
            ctx.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              reject(ctx.signal.reason);
            });
          });
          return 'done';
        },
      });
      const handle = await s.longhaul.enqueue(once, { ms: 1_500 });
      const stopping = testWorker(s.t.backend, [once], { shutdownGraceMs: 100 }).start();
      await eventually(async () => (await s.longhaul.getJob(handle.id)).status === 'running');
      await stopping.stop();
      expect(await s.longhaul.getJob(handle.id)).toMatchObject({
        status: 'retrying',
        attempts: 0,
        interruptions: 1,
        error: { code: 'worker_shutdown' },
      });

      const next = testWorker(s.t.backend, [once]);
      const job = await serveUntil(next, async () => {
        const current = await s.longhaul.getJob(handle.id);
        return isFinalStatus(current.status) && current;
      });
      expect(job).toMatchObject({ status: 'succeeded', result: 'done', attempts: 1, interruptions: 1 });
      expect(await s.t.backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
    });

    it('fails a job interrupted more than the cap allows, dead-lettering it with the reason', async () => {
      // Each delivery's worker is told to stop as soon as the attempt starts: a stop loop.
      let stopNow: AbortController = new AbortController();
      const interrupted = defineTask({
        name: 'interrupted',
        args: z.object({}),
        retries: 0,
        async run(_args, ctx) {
          stopNow.abort();
          ctx.signal.throwIfAborted();
          return 'never';
        },
      });
      const handle = await s.longhaul.enqueue(interrupted, {});
      const runner = testRunner(s.t.backend, [interrupted]);
      const dispositions: Disposition[] = [];
      for (let delivery = 1; delivery <= maxInterruptions + 1; delivery++) {
        const message = await receiveOne(s.t.backend, 30);
        stopNow = new AbortController();
        const disposition = await runner.process(message, stopNow.signal);
        dispositions.push(disposition);
        // The job went on in a fresh copy of the message: the runtime deletes the one it held.
        if (disposition.kind === 'ack') await s.t.backend.transport.delete([message]);
      }
      expect(dispositions.slice(0, maxInterruptions).every((d) => d.kind === 'ack')).toBe(true);
      expect(dispositions.at(-1)).toMatchObject({
        kind: 'deadLettered',
        reason: { code: 'too_many_interruptions', jobId: handle.id },
      });
      expect(await s.longhaul.getJob(handle.id)).toMatchObject({
        status: 'failed',
        attempts: 1,
        interruptions: maxInterruptions + 1,
        deadLettered: true,
        error: { code: 'too_many_interruptions' },
      });
      expect(await s.t.deadLetters()).toEqual([
        expect.objectContaining({ code: 'too_many_interruptions', jobId: handle.id }),
      ]);
    });

    it('hands back a message its long poll receives while stopping, instead of hiding it', async () => {
      // SQS answers a long poll even after the client gave up on it: an aborted receive would take a
      // message sent meanwhile and hide it for the whole visibility timeout. Stopping lets the poll end
      // (in the background) and hands back what it brings.
      const worker = testWorker(s.t.backend, s.fixtures.all, {
        waitTimeSeconds: 2,
        visibilityTimeoutSeconds: 30,
      });
      worker.start();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const stopping = worker.stop();
      const handle = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 });
      await stopping;
      expect(worker.stats.deleted).toBe(0);
      const again = await eventually(async () => {
        const received = await s.t.backend.transport.receive({
          maxMessages: 1,
          waitTimeSeconds: 1,
          visibilityTimeoutSeconds: 30,
        });
        return received.length ? received : undefined;
      }, 10_000);
      expect(JSON.parse(again[0]?.body ?? '{}').id).toBe(handle.id);
    });

    it('stops without waiting for its long poll, and hands back what that poll brings afterwards', async () => {
      // Like SQS's, this poll cannot be cut short: the memory queue would end its poll on the stop signal,
      // so the watch drops the signal to give both backends the poll SQS has.
      const watch = watchPolls(s.t.backend.transport);
      const hiddenForSeconds = 300;
      const stopping = testWorker({ ...s.t.backend, transport: watch.transport }, s.fixtures.all, {
        waitTimeSeconds: 20,
        visibilityTimeoutSeconds: hiddenForSeconds,
      });
      let ran = false;
      const running = stopping.run().then(() => {
        ran = true;
      });
      const poll = await eventually(async () => watch.polls[0], 10_000, 'the first long poll');
      await stopping.stop();
      // Nothing was sent yet, so the poll could only have ended by waiting out its 20 s.
      expect(poll.returned).toBeUndefined();
      expect(watch.polls).toHaveLength(1);
      // `run()` resolves only when the worker has let go of the queue: after that poll and its hand-back.
      expect(ran).toBe(false);

      // A message sent now is taken by that poll, which hands it back instead of hiding it for 300 s.
      const handle = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 2, b: 3 });
      const taken = await eventually(async () => poll.returned, 30_000, 'the long poll to return');
      expect(taken.map((m) => JSON.parse(m.body).id)).toEqual([handle.id]);
      await running;
      expect(watch.handedBack).toEqual(taken.map((m) => m.messageId));
      expect(stopping.stats).toMatchObject({ received: 0, deleted: 0 });

      // Another worker runs it well within the 300 s the poll hid it for: it was not stranded.
      const next = testWorker(s.t.backend, s.fixtures.all);
      const job = await serveUntil(
        next,
        async () => {
          const current = await s.longhaul.getJob(handle.id);
          return current.status === 'succeeded' && current;
        },
        (hiddenForSeconds * 1000) / 10,
      );
      expect(job).toMatchObject({ attempts: 1, result: { sum: 5 } });
    });
  },
);

/** A transport whose polls a test can watch: each receive's result once it returns, and every hand-back. */
function watchPolls(inner: Transport) {
  const polls: Array<{ returned?: QueueMessage[] }> = [];
  const handedBack: string[] = [];
  const transport = delegate(inner, {
    async receive(request) {
      const poll: { returned?: QueueMessage[] } = {};
      polls.push(poll);
      poll.returned = await inner.receive(request);
      return poll.returned;
    },
    async changeVisibility(message, seconds) {
      if (seconds === 0) handedBack.push(message.messageId);
      return inner.changeVisibility(message, seconds);
    },
  });
  return { transport, polls, handedBack };
}
