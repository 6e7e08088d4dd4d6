import {
  defineSchedule,
  defineTask,
  type JobStore,
  Longhaul,
  scheduledEnvelope,
  scheduledJobId,
} from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import { eventually, testWorker } from '../support/serve.js';

const refresh = defineTask({ name: 'figures.refresh', retries: 0, run: async () => ({ total: 7 }) });
const schedule = defineSchedule(refresh, 'rate(5 minutes)');

/** The backend's store, but the first `noteScheduleResult` fails as a lost connection would. */
function storeFailingFirstPointerWrite(store: JobStore): { store: JobStore; failures: () => number } {
  let failures = 0;
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'noteScheduleResult') {
        return async (...args: Parameters<JobStore['noteScheduleResult']>) => {
          if (failures === 0) {
            failures += 1;
            throw new Error('connection reset');
          }
          return await target.noteScheduleResult(...args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: wrapped, failures: () => failures };
}

describe("a schedule's latest-result pointer", () => {
  it('is written by the redelivery when the write after the job succeeded failed', async () => {
    const backend = memoryBackend();
    const failing = storeFailingFirstPointerWrite(backend.store);
    const worker = testWorker({ ...backend, store: failing.store }, [refresh]).start();
    const at = '2026-12-06T12:00:00Z';
    try {
      await backend.transport.send([{ body: JSON.stringify(scheduledEnvelope(schedule, at)) }]);
      const latest = await eventually(async () => backend.store.latestScheduleResult(schedule.name));
      expect(failing.failures()).toBe(1);
      const job = await backend.store.get(scheduledJobId(schedule.name, at));
      // The job succeeded once; the redelivery only did what was left (the pointer), no second run.
      expect(job).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(latest).toEqual({
        schedule: schedule.name,
        jobId: job?.id,
        scheduledFor: Date.parse(at),
        finishedAt: job?.finishedAt,
        result: { total: 7 },
      });
    } finally {
      await worker.stop();
    }
  });

  it('is not written for a job that is no run of a schedule', async () => {
    const backend = memoryBackend();
    const worker = testWorker(backend, [refresh]).start();
    try {
      const handle = await new Longhaul({ backend }).enqueue(refresh, undefined);
      await eventually(async () => (await backend.store.get(handle.id))?.status === 'succeeded');
      expect(await backend.store.latestScheduleResult(refresh.name)).toBeUndefined();
    } finally {
      await worker.stop();
    }
  });
});
