import { type Backend, defineTask, type JobStore, type Transport } from 'longhaul';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { delegate } from '../support/delegate.js';
import { eventually, testWorker } from '../support/serve.js';

const movedLine = 'moved to a fresh queue message';

/** Runs for `ms` (its first attempt for `firstMs` when given), honouring its signal; counts its runs. */
function longTask() {
  const runs = { count: 0 };
  const task = defineTask({
    name: 'long',
    args: z.object({ ms: z.number().int(), firstMs: z.number().int().optional() }),
    retries: 2,
    backoff: { baseDelayMs: 1_000, maxDelayMs: 1_000 },
    async run({ ms, firstMs }, ctx) {
      runs.count++;
      const until = Date.now() + (ctx.attempt === 1 && firstMs !== undefined ? firstMs : ms);
      while (Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        ctx.signal.throwIfAborted();
      }
      return { ran: ms };
    },
  });
  return { task, runs };
}

/**
 * The backend as seen by a process that can be killed: after `kill()`, every request fails (and receives
 * find nothing), like a SIGKILLed worker whose timers still fire but reach nobody.
 */
function killable(backend: Backend): { backend: Backend; kill(): void } {
  let dead = false;
  const fail = () => {
    throw new Error('this worker was killed');
  };
  const guard =
    <A extends unknown[], R>(method: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (dead) fail();
      return method(...args);
    };
  const { transport, store } = backend;
  const transportOverrides: Partial<Transport> = {
    receive: async (request, signal) => {
      if (dead) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return [];
      }
      return transport.receive(request, signal);
    },
    changeVisibility: guard(transport.changeVisibility.bind(transport)),
    delete: guard(transport.delete.bind(transport)),
    send: guard(transport.send.bind(transport)),
    deadLetter: guard(transport.deadLetter.bind(transport)),
  };
  const storeOverrides: Partial<JobStore> = {
    get: guard(store.get.bind(store)),
    claim: guard(store.claim.bind(store)),
    takeOver: guard(store.takeOver.bind(store)),
    touch: guard(store.touch.bind(store)),
    complete: guard(store.complete.bind(store)),
    reject: guard(store.reject.bind(store)),
    registerHandoff: guard(store.registerHandoff.bind(store)),
  };
  return {
    backend: {
      transport: delegate(transport, transportOverrides),
      store: delegate(store, storeOverrides),
      requests: backend.requests,
    },
    kill() {
      dead = true;
    },
  };
}

describe.each(contractBackends('contract/long-jobs'))(
  'jobs longer than the visibility ceiling on the $name backend',
  (factory) => {
    const s = useContractBackend(factory);
    // A ceiling of 2 s stands for SQS's 12 hours: the job below runs through several.
    const ceiling = { visibilityCeilingSeconds: 2 } as const;

    it('moves a job to fresh messages past the ceiling and runs it once, leaving the queue empty', async () => {
      const { task, runs } = longTask();
      const handle = await s.longhaul.enqueue(task, { ms: 7_000 });
      const workers = [testWorker(s.t.backend, [task], ceiling), testWorker(s.t.backend, [task], ceiling)];
      for (const worker of workers) worker.start();
      try {
        await eventually(async () => (await s.longhaul.getJob(handle.id)).status === 'succeeded');
        // A copy sent just before the job ended is deleted by whichever worker receives it next.
        await eventually(async () => {
          const depth = await s.t.backend.transport.depth();
          return depth.available === 0 && depth.inFlight === 0 && depth.delayed === 0;
        });
        expect(workers.reduce((n, w) => n + w.stats.deleted, 0)).toBeGreaterThanOrEqual(1);
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
      const job = await s.longhaul.getJob(handle.id);
      expect(runs.count).toBe(1);
      expect(job).toMatchObject({ status: 'succeeded', attempts: 1, result: { ran: 7_000 } });
      expect(job.handoff).toBeUndefined();
      expect(job.history.map((e) => e.status)).toEqual(['queued', 'running', 'succeeded']);
      const moves = job.logs.filter((line) => line.message.startsWith(movedLine));
      expect(moves.length).toBeGreaterThanOrEqual(2);
      // The copies were received once each and then held by the owner: nothing was handed back.
      expect(workers.reduce((n, w) => n + w.stats.released + w.stats.retried, 0)).toBe(0);
      expect(workers.reduce((n, w) => n + w.stats.abandoned, 0)).toBeGreaterThanOrEqual(moves.length);
      expect(await s.t.deadLetters()).toEqual([]);
    });

    it('lets another worker take over when the owner dies after a move, and still leaves the queue empty', async () => {
      const { task, runs } = longTask();
      // The first attempt would outlast the test: only the kill ends it. The second runs 3 s.
      const handle = await s.longhaul.enqueue(task, { ms: 3_000, firstMs: 60_000 });
      const doomed = killable(s.t.backend);
      const owner = testWorker(doomed.backend, [task], {
        ...ceiling,
        shutdownGraceMs: 0,
        workerId: 'owner',
      }).start();
      const rescuer = testWorker(s.t.backend, [task], ceiling);
      try {
        // The owner must hold the job before the rescuer polls, or the rescuer could claim it first.
        await eventually(async () => {
          const job = await s.longhaul.getJob(handle.id);
          return job.status === 'running' && job.workerId === 'owner';
        });
        // The rescuer receives the owner's fresh copy and leaves it on the record for the owner.
        rescuer.start();
        await eventually(async () =>
          (await s.longhaul.getJob(handle.id)).logs.some((l) => l.message.startsWith(movedLine)),
        );
        doomed.kill();
        const job = await eventually(async () => {
          const current = await s.longhaul.getJob(handle.id);
          return current.status === 'succeeded' && current;
        }, 40_000);
        expect(job.attempts).toBe(2);
        expect(job.history.map((e) => `${e.status}:${e.attempt}:${e.error?.code ?? ''}`)).toEqual([
          'queued:0:',
          'running:1:',
          'retrying:1:worker_lost',
          'running:2:',
          'succeeded:2:',
        ]);
        await eventually(async () => {
          const depth = await s.t.backend.transport.depth();
          return depth.available === 0 && depth.inFlight === 0;
        }, 20_000);
      } finally {
        await Promise.all([owner.stop(), rescuer.stop()]);
      }
      expect(runs.count).toBe(2);
      expect(await s.t.deadLetters()).toEqual([]);
    });
  },
);
