// The costs benchmark's index-write instrument (scripts/bench/index-writes.ts): DynamoDB's per-index
// rules on item images, and the counts the embedded backend's recording store gives for whole job
// lifecycles, which must be the index design's (one entry for a quick successful job).
import { createWorker, defineSchedule, defineTask, Longhaul, silentLogger, startScheduler } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { indexWritesOf, recordingStore } from '../../scripts/bench/index-writes.js';

const index = { partitionKey: 'pk', sortKey: 'at', include: ['task'] };

describe('indexWritesOf', () => {
  it('prices a put, a delete, a key change, a projected change and an unrelated change', () => {
    const item = { id: 'j1', pk: 'a#01', at: 1, task: 't', status: 'queued' };
    expect(indexWritesOf(undefined, item, [index])).toBe(1);
    expect(indexWritesOf(item, undefined, [index])).toBe(1);
    expect(indexWritesOf(item, { ...item, pk: 'b#01' }, [index])).toBe(2);
    expect(indexWritesOf(item, { ...item, task: 'u' }, [index])).toBe(1);
    expect(indexWritesOf(item, { ...item, status: 'running' }, [index])).toBe(0);
  });

  it('costs nothing for an item without the index keys (a sparse index)', () => {
    const item = { id: 'j1', at: 1, status: 'queued' };
    expect(indexWritesOf(item, { ...item, status: 'running' }, [index])).toBe(0);
    expect(indexWritesOf(undefined, item, [index])).toBe(0);
  });
});

async function recordLifecycle(
  options: { retries?: number; delaySeconds?: number; tracking?: 'full' | 'lean'; many?: boolean } = {},
) {
  const made = memoryBackend();
  const recorded = recordingStore(made.store, () => undefined);
  const backend = { ...made, store: recorded.store };
  let attempts = 0;
  const task = defineTask({
    name: 'unit.lifecycle',
    args: z.object({ i: z.number() }),
    retries: options.retries ?? 0,
    backoff: { baseDelayMs: 10, maxDelayMs: 10 },
    run: async ({ i }) => {
      attempts += 1;
      if (attempts === 1 && options.retries) throw new Error('the first attempt fails');
      return { i };
    },
  });
  const longhaul = new Longhaul({ backend, tracking: options.tracking ?? 'full' });
  const [handle] = options.many
    ? await longhaul.enqueueMany(task, [{ i: 1 }])
    : [
        await longhaul.enqueue(
          task,
          { i: 1 },
          options.delaySeconds ? { delaySeconds: options.delaySeconds } : {},
        ),
      ];
  if (!handle) throw new Error('nothing was enqueued');
  const worker = createWorker({ backend, tasks: [task], waitTimeSeconds: 1, logger: silentLogger });
  worker.start();
  try {
    await expect
      .poll(async () => (await made.store.get(handle.id))?.status, { timeout: 15_000 })
      .toBe('succeeded');
  } finally {
    await worker.stop();
  }
  return recorded.recording();
}

describe('recordingStore on the embedded backend', () => {
  it('counts one index write and three stream records for a quick successful job', async () => {
    expect(await recordLifecycle()).toEqual({ indexWrites: 1, streamRecords: 3, pointerRecords: 0 });
  });

  it('counts the same for a job whose record enqueueMany wrote in a batch', async () => {
    expect(await recordLifecycle({ many: true })).toEqual({
      indexWrites: 1,
      streamRecords: 3,
      pointerRecords: 0,
    });
  });

  it('counts one index write and two stream records with lean tracking', async () => {
    expect(await recordLifecycle({ tracking: 'lean' })).toEqual({
      indexWrites: 1,
      streamRecords: 2,
      pointerRecords: 0,
    });
  });

  it('adds the attention entry a retry puts and the next claim deletes', async () => {
    expect((await recordLifecycle({ retries: 1 })).indexWrites).toBe(3);
  });

  it('adds the scheduled entry a delayed job is created with and its claim deletes', async () => {
    expect((await recordLifecycle({ delaySeconds: 1 })).indexWrites).toBe(3);
  });

  it("counts a scheduled run's pointer write as a stream record apart, only when it replaced the pointer", async () => {
    const made = memoryBackend();
    const recorded = recordingStore(made.store, () => undefined);
    const backend = { ...made, store: recorded.store };
    const tick = defineTask({ name: 'unit.tick', run: async () => ({ ticked: true }) });
    const ids: string[] = [];
    const scheduler = startScheduler({
      schedules: [defineSchedule(tick, 'rate(1 minute)')],
      transport: backend.transport,
      timeScale: 10_000,
      logger: silentLogger,
      onFire: (run) => {
        ids.push(run.jobId);
      },
    });
    await expect.poll(() => ids.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    await scheduler.stop();
    // One at a time, in firing order: each run's pointer write finds an older pointer and replaces it.
    const worker = createWorker({
      backend,
      tasks: [tick],
      concurrency: 1,
      waitTimeSeconds: 1,
      logger: silentLogger,
    });
    worker.start();
    try {
      await expect
        .poll(
          async () =>
            (await Promise.all(ids.map((id) => made.store.get(id)))).every((j) => j?.status === 'succeeded'),
          {
            timeout: 15_000,
          },
        )
        .toBe(true);
    } finally {
      await worker.stop();
    }
    // A run the scheduler fires has no record until its claim: two job records each, and its pointer.
    const runs = ids.length;
    expect(recorded.recording()).toEqual({
      indexWrites: runs,
      streamRecords: 3 * runs,
      pointerRecords: runs,
    });
  });
});
