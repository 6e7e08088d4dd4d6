// Runs a real worker against a backend until a condition holds, with settings that suit tests.
import {
  type AnyTask,
  type Backend,
  createWorker,
  JobRunner,
  type JobRunnerOptions,
  type QueueMessage,
  silentLogger,
  TaskRegistry,
  type Worker,
  type WorkerOptions,
} from 'longhaul';

export const testWorkerDefaults = {
  visibilityTimeoutSeconds: 2,
  heartbeatIntervalSeconds: 1,
  waitTimeSeconds: 1,
  shutdownGraceMs: 1_000,
  progressIntervalMs: 0,
  deleteBatchWindowMs: 10,
  logger: silentLogger,
  // Kept, so every test runs the metrics code, but not written: the tests' output stays readable.
  metrics: { sink: () => {} },
} as const;

export function testWorker(
  backend: Backend,
  tasks: readonly AnyTask[],
  options: Partial<Omit<WorkerOptions, 'backend' | 'tasks'>> = {},
): Worker {
  return createWorker({ backend, tasks, ...testWorkerDefaults, ...options });
}

/** Polls `check` every 25 ms until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Starts a worker, waits for `until`, then stops the worker gracefully. */
export async function serveUntil<T>(
  worker: Worker,
  until: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  worker.start();
  try {
    return await eventually(until, timeoutMs, 'the worker to finish');
  } finally {
    await worker.stop();
  }
}

/**
 * A bare JobRunner on `backend`, for tests that drive single deliveries by hand (a zombie that never
 * heartbeats, a process that dies mid-way). Defaults: no progress throttling, a silent logger.
 */
export function testRunner(
  backend: Backend,
  tasks: readonly AnyTask[],
  options: Partial<JobRunnerOptions> = {},
): JobRunner {
  return new JobRunner({
    registry: new TaskRegistry(tasks),
    store: backend.store,
    transport: backend.transport,
    workerId: 'worker-a',
    visibilityTimeoutSeconds: 30,
    heartbeatIntervalSeconds: 10,
    progressIntervalMs: 0,
    logger: silentLogger,
    ...options,
  });
}

/** Waits until one message can be received, hidden for `visibilityTimeoutSeconds`, and returns it. */
export async function receiveOne(backend: Backend, visibilityTimeoutSeconds = 1): Promise<QueueMessage> {
  const [message] = await eventually(async () => {
    const messages = await backend.transport.receive({
      maxMessages: 1,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds,
    });
    return messages.length > 0 && messages;
  });
  return message as QueueMessage;
}
