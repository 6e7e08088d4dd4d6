/**
 * Concurrency and rate limits, checked by the job runner before it claims a job. Both are enforced in
 * the job store with conditional writes, so they hold across every worker and Lambda invocation:
 *
 * - concurrency: one item per limit holds a slot per running attempt (`slot:<token>` → lease expiry) and
 *   their count; taking one is a conditional update (`n < max`). A slot is released when the attempt
 *   ends, renewed with its heartbeat, and frees itself when its lease expires (the holder crashed): the
 *   next attempt refused a slot releases expired ones and tries once more.
 * - rate: one counter per fixed window of `perMs`, incremented unless it reached `max`.
 *
 * A job over a limit is not claimed, so it spends no attempt. Its message is sent again with a delay (to
 * the next window, or a short jittered wait for a slot) and this delivery is deleted: merely hiding it
 * would count receives toward the queue's `maxReceiveCount` and end in the dead-letter queue.
 */

import { ConfigError } from '../core/errors.js';
import { isFinalStatus, type JobLimited, JobStatus } from '../core/job.js';
import type { Logger } from '../core/logger.js';
import type { QueueMessage, Transport, WorkerJobStore } from '../core/ports.js';
import type { AnyTask } from '../core/task.js';
import { computeKey, taskLimitDefaults } from '../core/task-limits.js';
import { newUuid } from '../core/uuid.js';

/** The concurrency slots held by one attempt: renewed with its heartbeat, released when it ends. */
export class Permit {
  readonly #store: WorkerJobStore;
  readonly #logger: Logger;
  readonly #slots: readonly { readonly limit: string; readonly token: string }[];
  #released = false;

  constructor(store: WorkerJobStore, logger: Logger, slots: readonly { limit: string; token: string }[]) {
    this.#store = store;
    this.#logger = logger;
    this.#slots = slots;
  }

  /** Extends the slots' leases. A failure is logged: the slot then lapses at its old lease. */
  async renew(leaseExpiresAt: number): Promise<void> {
    if (this.#released) return;
    for (const { limit, token } of this.#slots) {
      try {
        const held = await this.#store.renewSlot(limit, token, leaseExpiresAt);
        if (!held) this.#logger.warn('a concurrency slot lapsed while its job ran', { limit });
      } catch (error) {
        this.#logger.warn('could not renew a concurrency slot', { limit, error: String(error) });
      }
    }
  }

  /** Frees the slots. Never throws: a slot that cannot be freed now frees itself when its lease expires. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    for (const { limit, token } of this.#slots) {
      try {
        await this.#store.releaseSlot(limit, token);
      } catch (error) {
        this.#logger.warn('could not release a concurrency slot; it frees itself when its lease expires', {
          limit,
          error: String(error),
        });
      }
    }
  }
}

/** What the limiter decided: start (holding `permit` when the task has a concurrency limit), or wait. */
export type Admission =
  | { readonly admitted: true; readonly permit?: Permit }
  | { readonly admitted: false; readonly limited: JobLimited };

/** Checks a task's limits before its job is claimed. Tasks without limits cost nothing. */
export class TaskLimiter {
  readonly #store: WorkerJobStore;
  readonly #transport: Transport;
  readonly #logger: Logger;

  constructor(store: WorkerJobStore, transport: Transport, logger: Logger) {
    this.#store = store;
    this.#transport = transport;
    this.#logger = logger;
  }

  /**
   * Takes a slot and counts a start where the task's limits allow. Throws `InvalidKeyError` when the
   * per-key limit's key cannot be computed from `args`.
   */
  async admit(task: AnyTask, args: unknown, leaseExpiresAt: number, enqueuedAt: number): Promise<Admission> {
    if (!task.limits) return { admitted: true };
    const limits = task.limits.map((limit) => {
      const keyFn = limit.key;
      const name = keyFn
        ? `${task.name}#${computeKey(task.name, 'limit key', () => keyFn(args))}`
        : task.name;
      return { ...limit, name };
    });
    const now = Date.now();
    const slots: { limit: string; token: string }[] = [];
    const permit = () => new Permit(this.#store, this.#logger, slots);
    // Slots first: they can be handed back if a later limit refuses; a counted start cannot.
    for (const limit of limits) {
      if (limit.concurrency === undefined) continue;
      const token = await this.#acquire(limit.name, limit.concurrency, leaseExpiresAt, now);
      if (token === undefined) {
        await permit().release();
        const { min, max, cap } = taskLimitDefaults.concurrencyWaitSeconds;
        const longest = Math.min(cap, Math.max(max, Math.floor((now - enqueuedAt) / 10_000)));
        const waitSeconds = min + Math.floor(Math.random() * (longest - min + 1));
        const until = now + waitSeconds * 1000;
        return { admitted: false, limited: { by: 'concurrency', limit: limit.name, at: now, until } };
      }
      slots.push({ limit: limit.name, token });
    }
    for (const limit of limits) {
      if (!limit.rate) continue;
      const { max, perMs } = limit.rate;
      const window = Math.floor(now / perMs);
      const started = await this.#store.takeRateStart({
        limit: limit.name,
        window,
        max,
        expiresAt: (window + 2) * perMs,
      });
      if (!started) {
        await permit().release();
        // Spread the jobs that wait over the next window rather than all at its first millisecond.
        const until = (window + 1) * perMs + Math.floor(Math.random() * perMs);
        return { admitted: false, limited: { by: 'rate', limit: limit.name, at: now, until } };
      }
    }
    return slots.length ? { admitted: true, permit: permit() } : { admitted: true };
  }

  /**
   * Makes a job over its limit wait without spending an attempt: records why on the job, sends its
   * message again with a delay, and resolves `true` for the caller to delete this delivery (send first,
   * delete second: a crash between leaves two messages, and the job id fences the duplicate). Resolves
   * `false` when this delivery is a duplicate of a job already running or finished: the claim decides.
   */
  async postpone(message: QueueMessage, jobId: string, limited: JobLimited): Promise<boolean> {
    const note = await this.#store.noteLimited(jobId, limited);
    const job = note.noted ? undefined : note.job;
    const live = job?.status === JobStatus.running && (job.leaseExpiresAt ?? 0) >= limited.at;
    if (job && (isFinalStatus(job.status) || live)) return false;
    const delaySeconds = Math.min(
      taskLimitDefaults.maxWaitSeconds,
      Math.max(1, Math.ceil((limited.until - Date.now()) / 1000)),
    );
    await this.#transport.send([
      { body: message.body, delaySeconds, ...(message.trace ? { trace: message.trace } : {}) },
    ]);
    this.#logger.info('a job waits for its limit', {
      jobId,
      by: limited.by,
      limit: limited.limit,
      delaySeconds,
    });
    return true;
  }

  /** Takes a slot (resolving its token); when all are held, releases expired ones and tries once more. */
  async #acquire(
    limit: string,
    max: number,
    leaseExpiresAt: number,
    now: number,
  ): Promise<string | undefined> {
    const token = newUuid();
    const request = { limit, token, max, leaseExpiresAt };
    const grant = await this.#store.acquireSlot(request);
    if (grant.acquired) return token;
    const expired = grant.holders.filter((holder) => holder.leaseExpiresAt < now);
    if (expired.length === 0) return undefined;
    for (const holder of expired) {
      // Conditional on the lease still being expired: a holder that renewed meanwhile keeps its slot.
      await this.#store.releaseSlot(limit, holder.token, now);
    }
    const retried = await this.#store.acquireSlot(request);
    return retried.acquired ? token : undefined;
  }
}

/** Limits live in the job table: a worker keeping no records (`tracking: 'off'`) cannot enforce them. */
export function checkLimitsTracked(tasks: readonly AnyTask[], tracking: string | undefined): void {
  if (tracking !== 'off') return;
  const limited = tasks.filter((task) => task.limits).map((task) => `"${task.name}"`);
  if (limited.length) {
    throw new ConfigError(
      `Expected \`tracking\` to be "full" for tasks with \`limits\` (${limited.join(', ')}): limits are enforced in the job table, got "off"`,
    );
  }
}
