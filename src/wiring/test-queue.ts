/**
 * Helpers for unit-testing your own tasks on the embedded backend: enqueue with the real client, run the
 * real worker, and read the job, without AWS.
 *
 * @example
 * import { createTestQueue } from 'longhaul/testing';
 * const queue = createTestQueue({ tasks: [resize] });
 * const job = await queue.runJob(resize, { key: 'a.png', width: 10 });
 * expect(job.status).toBe('succeeded');
 */

import { type MemoryBackend, type MemoryBackendOptions, memoryBackend } from '../backends/memory/index.js';
import { Longhaul } from '../client/longhaul.js';
import type { JobRecord } from '../core/job.js';
import { isFinalStatus } from '../core/job.js';
import { silentLogger } from '../core/logger.js';
import type { AnyTask, TaskArgs, TaskResult } from '../core/task.js';
import { createWorker, type Worker } from '../runtime/worker.js';
import type { WorkerOptions } from '../runtime/worker-options.js';

/** The tasks under test, and worker options to override the test defaults. */
export interface TestQueueOptions extends MemoryBackendOptions {
  readonly tasks: readonly AnyTask[];
  /** Worker options; defaults suit tests (concurrency 4, short polls, 1 s locks, silent logs). */
  readonly worker?: Partial<Omit<WorkerOptions, 'backend' | 'tasks'>>;
}

/** An embedded backend with a client and a worker, for testing tasks. */
export interface TestQueue {
  readonly backend: MemoryBackend;
  readonly longhaul: Longhaul;
  readonly worker: Worker;
  /** Enqueues one job, serves the queue until it is final, and returns its record. */
  runJob<T extends AnyTask>(
    task: T,
    args: TaskArgs<T>,
    options?: { timeoutMs?: number },
  ): Promise<JobRecord<TaskArgs<T>, TaskResult<T>>>;
  /** Serves the queue until no message is left (delayed ones included), then stops the worker. */
  drain(options?: { timeoutMs?: number }): Promise<void>;
}

/** Creates a {@link TestQueue} for `options.tasks` on a fresh embedded backend. */
export function createTestQueue(options: TestQueueOptions): TestQueue {
  const backend = memoryBackend({
    ...(options.maxReceiveCount === undefined ? {} : { maxReceiveCount: options.maxReceiveCount }),
    ...(options.payloads === undefined ? {} : { payloads: options.payloads }),
    ...(options.keepFinishedJobs === undefined ? {} : { keepFinishedJobs: options.keepFinishedJobs }),
  });
  const longhaul = new Longhaul({ backend });
  const worker = createWorker({
    backend,
    tasks: options.tasks,
    visibilityTimeoutSeconds: 2,
    heartbeatIntervalSeconds: 1,
    waitTimeSeconds: 1,
    shutdownGraceMs: 1_000,
    progressIntervalMs: 0,
    logger: silentLogger,
    ...options.worker,
  });
  const serveUntil = async (done: () => Promise<boolean>, timeoutMs: number) => {
    worker.start();
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`The test queue was still busy after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return {
    backend,
    longhaul,
    worker,
    async runJob(task, args, runOptions = {}) {
      const handle = await longhaul.enqueue(task as AnyTask, args);
      await serveUntil(
        async () => isFinalStatus((await longhaul.getJob(handle.id)).status),
        runOptions.timeoutMs ?? 30_000,
      );
      return (await longhaul.getJob(handle.id)) as JobRecord<TaskArgs<typeof task>, TaskResult<typeof task>>;
    },
    async drain(drainOptions = {}) {
      await serveUntil(async () => {
        const depth = await backend.transport.depth();
        return depth.available + depth.inFlight + depth.delayed === 0 && worker.activeJobs === 0;
      }, drainOptions.timeoutMs ?? 30_000);
      await worker.stop();
    },
  };
}
