import { type AnyTask, defineSchedule, defineTask, scheduledEnvelope, scheduledJobId } from 'longhaul';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { eventually, testWorker } from '../support/serve.js';

/** A refresh task whose runs each wait for the test to release them, by job id, and can be told to fail. */
function gatedRefresh() {
  const gates = new Map<string, (outcome: 'succeed' | 'fail') => void>();
  const task = defineTask({
    name: 'figures.refresh',
    retries: 0,
    async run(_args, ctx) {
      const outcome = await new Promise<'succeed' | 'fail'>((resolve) => gates.set(ctx.jobId, resolve));
      if (outcome === 'fail') throw new Error('the source was down');
      return { total: 100 + gates.size, computedBy: ctx.jobId };
    },
  });
  const schedule = defineSchedule(task, 'rate(1 minute)', { name: 'figures' });
  return { task, schedule, gates };
}

describe.each(contractBackends('contract/schedule-results'))(
  "a schedule's latest result on the $name backend",
  (factory) => {
    const s = useContractBackend(factory);
    /** Runs whose after-final effects (pointer, then hooks) are done. */
    const hooked = new Set<string>();
    const worker = (task: AnyTask, options: { concurrency?: number } = {}) =>
      testWorker(s.t.backend, [task], {
        ...options,
        hooks: {
          onSuccess: (_result, info) => void hooked.add(info.jobId),
          onFinalFailure: (_error, info) => void hooked.add(info.jobId),
        },
      });

    async function fire(schedule: ReturnType<typeof gatedRefresh>['schedule'], at: string) {
      await s.t.backend.transport.send([{ body: JSON.stringify(scheduledEnvelope(schedule, at)) }]);
      return scheduledJobId(schedule.name, at);
    }

    async function settle(
      gates: ReturnType<typeof gatedRefresh>['gates'],
      jobId: string,
      outcome: 'succeed' | 'fail',
    ) {
      await eventually(async () => gates.has(jobId), 20_000, `run ${jobId} to start`);
      // Runs of other tests had the same ids (a schedule's run ids are its firing times): forget theirs.
      hooked.delete(jobId);
      gates.get(jobId)?.(outcome);
      const final = outcome === 'succeed' ? 'succeeded' : 'failed';
      await eventually(
        async () => (await s.longhaul.getJob(jobId).catch(() => undefined))?.status === final,
        20_000,
        `run ${jobId} to be ${final}`,
      );
      // The pointer is written after the status and before the hooks: wait for the hook.
      await eventually(async () => hooked.has(jobId), 20_000, `the hooks of run ${jobId}`);
    }

    it('is undefined before any run succeeded, then shows the newest succeeded run', async () => {
      const { task, schedule, gates } = gatedRefresh();
      expect(await s.longhaul.latestScheduleResult(schedule)).toBeUndefined();
      const running = worker(task).start();
      try {
        const first = await fire(schedule, '2026-12-06T12:00:00Z');
        await settle(gates, first, 'succeed');
        const second = await fire(schedule, '2026-12-06T12:01:00Z');
        await settle(gates, second, 'succeed');

        const latest = await s.longhaul.latestScheduleResult(schedule);
        expectTypeOf(latest).toEqualTypeOf<
          | {
              readonly schedule: string;
              readonly jobId: string;
              readonly result: { total: number; computedBy: string };
              readonly finishedAt: Date;
              readonly scheduledFor: Date;
            }
          | undefined
        >();
        const job = await s.longhaul.getJob(second);
        expect(latest).toEqual({
          schedule: 'figures',
          jobId: second,
          result: { total: 102, computedBy: second },
          finishedAt: new Date(job.finishedAt ?? 0),
          scheduledFor: new Date('2026-12-06T12:01:00Z'),
        });
        // By name too, untyped.
        expect((await s.longhaul.latestScheduleResult('figures'))?.jobId).toBe(second);
        expect(await s.longhaul.latestScheduleResult('other-schedule')).toBeUndefined();
      } finally {
        for (const open of gates.values()) open('succeed');
        await running.stop();
      }
    });

    it('reads the latest result in one GetItem', async () => {
      const { task, schedule, gates } = gatedRefresh();
      const running = worker(task).start();
      try {
        await settle(gates, await fire(schedule, '2026-12-06T12:00:00Z'), 'succeed');
      } finally {
        await running.stop();
      }
      s.t.backend.requests.reset();
      expect(await s.longhaul.latestScheduleResult(schedule)).toBeDefined();
      expect(s.t.backend.requests.snapshot()).toEqual({ dynamodb: { GetItem: 1 } });
    });

    it('keeps a newer run when an older run finishes after it', async () => {
      const { task, schedule, gates } = gatedRefresh();
      const running = worker(task, { concurrency: 2 }).start();
      try {
        const older = await fire(schedule, '2026-12-06T12:00:00Z');
        const newer = await fire(schedule, '2026-12-06T12:01:00Z');
        await eventually(async () => gates.size === 2, 20_000, 'both runs to start');
        await settle(gates, newer, 'succeed');
        expect((await s.longhaul.latestScheduleResult(schedule))?.jobId).toBe(newer);

        await settle(gates, older, 'succeed');
        const latest = await s.longhaul.latestScheduleResult(schedule);
        expect(latest?.jobId).toBe(newer);
        expect(latest?.result.computedBy).toBe(newer);
      } finally {
        for (const open of gates.values()) open('succeed');
        await running.stop();
      }
    });

    it('leaves the latest result as it was when a later run fails', async () => {
      const { task, schedule, gates } = gatedRefresh();
      const running = worker(task).start();
      try {
        const good = await fire(schedule, '2026-12-06T12:00:00Z');
        await settle(gates, good, 'succeed');
        const before = await s.longhaul.latestScheduleResult(schedule);
        await settle(gates, await fire(schedule, '2026-12-06T12:01:00Z'), 'fail');
        expect(await s.longhaul.latestScheduleResult(schedule)).toEqual(before);
        expect(before?.jobId).toBe(good);
      } finally {
        for (const open of gates.values()) open('succeed');
        await running.stop();
      }
    });

    it('writes the pointer only for a later firing, or the same firing finished no earlier', async () => {
      const store = s.t.backend.store;
      const pointer = {
        schedule: 'figures',
        jobId: 'figures@2026-12-06T12:01:00Z',
        scheduledFor: Date.parse('2026-12-06T12:01:00Z'),
        finishedAt: Date.parse('2026-12-06T12:01:30Z'),
        result: { total: 1, nested: { list: [1, 'two', null] } },
      };
      expect(await store.noteScheduleResult(pointer)).toBe(true);
      // A redelivery of the same run writes the same pointer again.
      expect(await store.noteScheduleResult(pointer)).toBe(true);
      // An older firing, however late it finished, loses.
      expect(
        await store.noteScheduleResult({
          ...pointer,
          jobId: 'figures@2026-12-06T12:00:00Z',
          scheduledFor: Date.parse('2026-12-06T12:00:00Z'),
          finishedAt: Date.parse('2026-12-06T12:09:00Z'),
          result: { total: 0 },
        }),
      ).toBe(false);
      // The same firing with an earlier finish (a stale write) loses too.
      expect(await store.noteScheduleResult({ ...pointer, finishedAt: pointer.finishedAt - 1 })).toBe(false);
      expect(await store.latestScheduleResult('figures')).toEqual(pointer);
      const later = {
        ...pointer,
        jobId: 'figures@2026-12-06T12:02:00Z',
        scheduledFor: Date.parse('2026-12-06T12:02:00Z'),
        finishedAt: Date.parse('2026-12-06T12:02:05Z'),
        result: 'plain',
      };
      expect(await store.noteScheduleResult(later)).toBe(true);
      expect(await store.latestScheduleResult('figures')).toEqual(later);
      // The pointer is not a job: listings never show it.
      expect((await s.longhaul.list({ limit: 100 })).jobs).toEqual([]);
    });
  },
);

describe.each(contractBackends('contract/schedule-results-offloaded'))(
  'an offloaded latest result on the $name backend',
  (factory) => {
    const s = useContractBackend(factory, { payloads: { offloadResultOverBytes: 1024 } });

    it('keeps a reference in the pointer and reads the result from the payload store', async () => {
      const report = defineTask({
        name: 'report.build',
        async run() {
          return { rows: Array.from({ length: 200 }, (_, i) => ({ i, label: `row ${i}` })) };
        },
      });
      const schedule = defineSchedule(report, 'cron(0 3 * * ? *)');
      const at = '2026-12-06T03:00:00Z';
      await s.t.backend.transport.send([{ body: JSON.stringify(scheduledEnvelope(schedule, at)) }]);
      const running = testWorker(s.t.backend, [report]).start();
      try {
        await eventually(async () => (await s.longhaul.latestScheduleResult(schedule)) !== undefined);
      } finally {
        await running.stop();
      }
      const pointer = await s.t.backend.store.latestScheduleResult(schedule.name);
      expect(pointer?.result).toBeNull();
      const job = await s.t.backend.store.get(scheduledJobId(schedule.name, at));
      expect(job?.resultRef).toBeDefined();
      expect(pointer?.resultRef).toEqual(job?.resultRef);
      const latest = await s.longhaul.latestScheduleResult(schedule);
      expect(latest?.result.rows).toHaveLength(200);
      expect(latest?.result.rows[199]).toEqual({ i: 199, label: 'row 199' });
    });
  },
);
