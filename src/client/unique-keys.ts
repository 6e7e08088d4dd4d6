/**
 * Unique keys on the producer side: which key a job gets, and taking the key for it. The key is one item
 * beside the jobs (`#key#<task>#<key>`) naming its holder; taking it is one conditional PutItem, so of
 * many producers racing for a free key exactly one wins, with no read-then-write gap.
 */
import { isFinalStatus } from '../core/job.js';
import type { KeyHold, WorkerJobStore } from '../core/ports.js';
import type { AnyTask } from '../core/task.js';
import { checkKeyWindow, computeKey, taskLimitDefaults } from '../core/task-limits.js';

/** The key options `enqueue` takes. */
export interface KeyOptions {
  readonly key?: string;
  readonly keyWindowMs?: number;
}

/** The job's key and window: the explicit `key` first, else the task's `unique.key` of its arguments. */
export function keyOf(
  task: AnyTask,
  parsedArgs: unknown,
  options: KeyOptions,
): { key: string; windowMs: number } | undefined {
  if (options.key === undefined && options.keyWindowMs !== undefined) {
    checkKeyWindow(options.keyWindowMs);
  }
  const compute =
    options.key !== undefined ? () => options.key : task.unique && (() => task.unique?.key(parsedArgs));
  if (!compute) return undefined;
  const key = computeKey(task.name, 'unique key', compute);
  const windowMs = checkKeyWindow(options.keyWindowMs ?? task.unique?.windowMs ?? 0);
  return { key, windowMs };
}

/**
 * Makes `jobId` the holder of the key, replacing a holder that no longer blocks it. Resolves with the
 * blocking holder's job id, or undefined when `jobId` now holds the key.
 */
export async function takeKey(
  store: WorkerJobStore,
  request: { task: string; key: string; jobId: string; windowMs: number; at: number },
): Promise<string | undefined> {
  let replacing: string | undefined;
  for (let tries = 0; tries < 5; tries++) {
    const hold = await store.holdKey({
      task: request.task,
      key: request.key,
      jobId: request.jobId,
      at: request.at,
      until: request.at + request.windowMs,
      ...(replacing === undefined ? {} : { replacing }),
    });
    if (hold.held) return undefined;
    if (await blocks(store, hold, Date.now())) return hold.holder;
    // The holder finished (or its producer died): replace exactly that holder, so of several producers
    // seeing it finished only one takes the key.
    replacing = hold.holder;
  }
  // The holder changed under us every time: other producers are taking the key right now.
  return replacing;
}

/**
 * Hands a key back when its job was not created after all (its message could not be sent): the holder
 * becomes the empty id, which blocks nothing. Only if `jobId` still holds it.
 */
export async function releaseKey(
  store: WorkerJobStore,
  task: string,
  key: string,
  jobId: string,
): Promise<void> {
  await store.holdKey({ task, key, jobId: releasedHolder, at: 0, until: 0, replacing: jobId });
}

const releasedHolder = '';

/** A holder blocks the key within its window, while its job is unfinished, and while it is being written. */
async function blocks(store: WorkerJobStore, hold: KeyHold & { held: false }, now: number): Promise<boolean> {
  if (hold.holder === releasedHolder) return false;
  if (now < hold.until) return true;
  const holder = await store.get(hold.holder);
  if (!holder) return now < hold.heldAt + taskLimitDefaults.keyEnqueueGraceMs;
  return !isFinalStatus(holder.status);
}
