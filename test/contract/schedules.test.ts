import { defineSchedule, defineTask, scheduledEnvelope, startScheduler } from 'longhaul';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { eventually, testWorker } from '../support/serve.js';

describe.each(contractBackends('contract/schedules'))('schedules on the $name backend', (factory) => {
  const s = useContractBackend(factory);

  const refresh = defineTask({
    name: 'figures.refresh',
    args: z.object({ region: z.string() }),
    async run({ region }, ctx) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { region, jobId: ctx.jobId };
    },
  });
  /** Holds its run open until released, so a later run overlaps it. */
  const gates: Array<() => void> = [];
  const longRefresh = defineTask({
    name: 'figures.longRefresh',
    async run() {
      await new Promise<void>((resolve) => gates.push(resolve));
      return 'done';
    },
  });

  it('fires a schedule in-process; each run is an ordinary job named after the schedule and its time', async () => {
    const schedule = defineSchedule(refresh, 'rate(1 minute)', { args: { region: 'eu' } });
    const fired: string[] = [];
    // 600x: a minute of schedule time passes every 100 ms.
    const scheduler = startScheduler({
      schedules: [schedule],
      transport: s.t.backend.transport,
      timeScale: 600,
      onFire: (run) => fired.push(run.jobId),
    });
    const worker = testWorker(s.t.backend, [refresh]).start();
    try {
      await eventually(async () => fired.length >= 3);
      await scheduler.stop();
      const ids = [...fired];
      const jobs = await eventually(async () => {
        const all = await Promise.all(ids.map((id) => s.longhaul.getJob(id).catch(() => undefined)));
        return all.every((job) => job?.status === 'succeeded') ? all : undefined;
      });
      for (const job of jobs) {
        expect(job?.id).toMatch(/^figures\.refresh@\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
        expect(job).toMatchObject({
          task: 'figures.refresh',
          schedule: 'figures.refresh',
          args: { region: 'eu' },
        });
        expect(job?.result).toEqual({ region: 'eu', jobId: job?.id });
      }
      // One minute of schedule time between runs.
      const times = ids.map((id) => Date.parse(id.split('@')[1] as string));
      const [first = 0, second = 0, third = 0] = times;
      expect(second - first).toBe(60_000);
      expect(third - second).toBe(60_000);
    } finally {
      await scheduler.stop();
      await worker.stop();
    }
  });

  it('runs a duplicate firing of the same time once', async () => {
    const schedule = defineSchedule(refresh, 'rate(5 minutes)', { args: { region: 'us' } });
    const body = JSON.stringify(scheduledEnvelope(schedule, '2026-11-23T12:00:00Z'));
    await s.t.backend.transport.send([{ body }, { body }]);
    const worker = testWorker(s.t.backend, [refresh]).start();
    try {
      const job = await eventually(async () => {
        const j = await s.longhaul.getJob('figures.refresh@2026-11-23T12:00:00Z').catch(() => undefined);
        return j?.status === 'succeeded' ? j : undefined;
      });
      expect(job).toMatchObject({ attempts: 1, enqueuedAt: Date.parse('2026-11-23T12:00:00Z') });
      await eventually(async () => {
        const depth = await s.t.backend.transport.depth();
        return depth.available + depth.inFlight === 0;
      });
    } finally {
      await worker.stop();
    }
  });

  it('skips a run while the previous run of a skip-overlap schedule is unfinished, and runs the next', async () => {
    const schedule = defineSchedule(longRefresh, 'rate(1 minute)', { overlap: 'skip' });
    const send = (at: string) =>
      s.t.backend.transport.send([{ body: JSON.stringify(scheduledEnvelope(schedule, at)) }]);
    const worker = testWorker(s.t.backend, [longRefresh]).start();
    try {
      await send('2026-11-23T12:00:00Z');
      const first = 'figures.longRefresh@2026-11-23T12:00:00Z';
      await eventually(
        async () => (await s.longhaul.getJob(first).catch(() => undefined))?.status === 'running',
      );

      await send('2026-11-23T12:01:00Z');
      const skipped = await eventually(async () => {
        const j = await s.longhaul.getJob('figures.longRefresh@2026-11-23T12:01:00Z').catch(() => undefined);
        return j?.status === 'cancelled' ? j : undefined;
      });
      expect(skipped.error).toMatchObject({ code: 'schedule_overlap' });
      expect(skipped.error?.message).toContain(first);
      expect(gates).toHaveLength(1);

      for (const open of gates.splice(0)) open();
      await eventually(async () => (await s.longhaul.getJob(first)).status === 'succeeded');

      await send('2026-11-23T12:02:00Z');
      await eventually(async () => gates.length === 1);
      for (const open of gates.splice(0)) open();
      const third = await eventually(async () => {
        const j = await s.longhaul.getJob('figures.longRefresh@2026-11-23T12:02:00Z').catch(() => undefined);
        return j?.status === 'succeeded' ? j : undefined;
      });
      expect(third.result).toBe('done');
      // The hold is not a job: listings never show it.
      const listed = (await s.longhaul.list({ limit: 100 })).jobs.map((j) => j.id);
      expect(listed.sort()).toEqual([
        first,
        'figures.longRefresh@2026-11-23T12:01:00Z',
        'figures.longRefresh@2026-11-23T12:02:00Z',
      ]);
    } finally {
      for (const open of gates.splice(0)) open();
      await worker.stop();
    }
  });

  it('lets runs overlap under the default policy', async () => {
    const schedule = defineSchedule(longRefresh, 'rate(1 minute)');
    await s.t.backend.transport.send([
      { body: JSON.stringify(scheduledEnvelope(schedule, '2026-11-23T12:00:00Z')) },
      { body: JSON.stringify(scheduledEnvelope(schedule, '2026-11-23T12:01:00Z')) },
    ]);
    const worker = testWorker(s.t.backend, [longRefresh]).start();
    try {
      await eventually(async () => gates.length === 2);
      for (const open of gates.splice(0)) open();
      for (const at of ['12:00', '12:01']) {
        await eventually(
          async () =>
            (await s.longhaul.getJob(`figures.longRefresh@2026-11-23T${at}:00Z`)).status === 'succeeded',
        );
      }
    } finally {
      for (const open of gates.splice(0)) open();
      await worker.stop();
    }
  });
});
