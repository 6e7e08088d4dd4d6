import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeEnvelope } from './core/envelope.js';
import {
  ConfigError,
  EnqueueError,
  JobConflictError,
  JobFailedError,
  JobNotFoundError,
  PayloadTooLargeError,
  serializeError,
  WaitTimeoutError,
} from './core/errors.js';
import { isFinalStatus, type JobPage, type JobQuery, type JobRecord, JobStatus } from './core/job.js';
import { jsonBytes, limits } from './core/limits.js';
import type { AnyTask, TaskArgs, TaskResult } from './core/task.js';
import { statusEvent } from './core/transitions.js';
import type { Backend } from './ports.js';

/** Options of one `enqueue`. */
export interface EnqueueOptions {
  /**
   * Your own id for the job (1–128 characters). Enqueueing the same id again returns the existing job
   * instead of creating a second one, so a retried web request does not start the work twice.
   */
  readonly jobId?: string;
  /** Hide the job for this long before its first attempt, 0–900 s. Default 0. */
  readonly delaySeconds?: number;
}

/** Options of `waitForResult`. */
export interface WaitOptions {
  /** Give up (the job goes on) after this long. Default 30 000. */
  readonly timeoutMs?: number;
  /** How often the job is read. Default 250. */
  readonly pollIntervalMs?: number;
  /** Stops waiting early. */
  readonly signal?: AbortSignal;
}

/** A reference to an enqueued job that remembers the task's result type. */
export interface JobHandle<TResult = unknown> {
  readonly id: string;
  readonly task: string;
  /** False when `jobId` named a job that already existed. */
  readonly created: boolean;
  /** Type-only marker of the result type. */
  readonly __result?: TResult;
}

type EnqueueParams<T extends AnyTask> =
  undefined extends TaskArgs<T>
    ? [args?: TaskArgs<T>, options?: EnqueueOptions]
    : [args: TaskArgs<T>, options: EnqueueOptions] | [args: TaskArgs<T>];

/**
 * The producer and reader side: enqueue jobs, read their status and results, cancel and retry them.
 * Safe to share across requests; it holds no state but the backend.
 *
 * @example
 * const longhaul = new Longhaul({ backend: awsBackend({ queueUrl, tableName }) });
 * const job = await longhaul.enqueue(resize, { key: 'a.png', width: 200 });
 * const result = await longhaul.waitForResult(job, { timeoutMs: 60_000 }); // typed as resize's result
 */
export class Longhaul {
  readonly #backend: Backend;

  constructor(options: { readonly backend: Backend }) {
    if (!options?.backend)
      throw new ConfigError('Expected `backend` to be a backend such as `awsBackend(...)`');
    this.#backend = options.backend;
  }

  /**
   * Validates `args` against the task's schema, records the job as queued and sends its message.
   * Resolves once both are durable, with the job's id. A type error when `args` do not fit the task.
   */
  async enqueue<T extends AnyTask>(task: T, ...params: EnqueueParams<T>): Promise<JobHandle<TaskResult<T>>> {
    const [args, options = {}] = params as [unknown, EnqueueOptions | undefined];
    const delaySeconds = options.delaySeconds ?? 0;
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > 900) {
      throw new ConfigError(
        `Expected \`delaySeconds\` to be an integer from 0 to 900, got \`${delaySeconds}\``,
      );
    }
    const id = options.jobId ?? randomUUID();
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
      throw new ConfigError(
        `Expected \`jobId\` to be a string of 1–128 characters, got ${JSON.stringify(id)}`,
      );
    }
    await task.parseArgs(args);
    const argsBytes = jsonBytes(args);
    if (argsBytes > limits.maxArgsBytes) {
      throw new PayloadTooLargeError(`Arguments of task "${task.name}"`, argsBytes, limits.maxArgsBytes);
    }
    if (options.jobId !== undefined && (await this.#backend.store.get(id))) {
      return { id, task: task.name, created: false };
    }
    const now = Date.now();
    const job: JobRecord = {
      id,
      task: task.name,
      status: JobStatus.queued,
      args: args ?? null,
      attempts: 0,
      maxAttempts: task.retry.maxAttempts,
      enqueuedAt: now,
      logs: [],
      history: [statusEvent(JobStatus.queued, now, 0)],
    };
    // The message goes first: a job record then always has a message, or was created by the worker that
    // claimed it. The other order would strand a queued job with no message if this process died between.
    await this.#send(job, delaySeconds);
    try {
      await this.#backend.store.create(job);
    } catch (error) {
      if (!(error instanceof JobConflictError)) {
        throw new EnqueueError(id, error, { sent: true });
      }
      // Either a worker claimed our message first (it writes the record from the message), or a concurrent
      // enqueue with the same jobId won; then our message is a duplicate that workers recognise and drop.
      const existing = await this.#backend.store.get(id);
      const ours = existing?.enqueuedAt === now && existing.task === task.name;
      return { id, task: task.name, created: ours };
    }
    return { id, task: task.name, created: true };
  }

  /** The job as stored. Throws {@link JobNotFoundError} for an unknown id. */
  async getJob<TResult = unknown>(job: string | JobHandle<TResult>): Promise<JobRecord<unknown, TResult>> {
    const id = typeof job === 'string' ? job : job.id;
    const record = await this.#backend.store.get(id);
    if (!record) throw new JobNotFoundError(id);
    return record as JobRecord<unknown, TResult>;
  }

  /**
   * Waits for the job to finish and returns its result. Throws {@link JobFailedError} when it failed or was
   * cancelled, {@link WaitTimeoutError} when it is still going after `timeoutMs`.
   */
  async waitForResult<TResult = unknown>(
    job: string | JobHandle<TResult>,
    options: WaitOptions = {},
  ): Promise<TResult> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const pollIntervalMs = options.pollIntervalMs ?? 250;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.getJob(job);
      if (record.status === JobStatus.succeeded) return record.result as TResult;
      if (isFinalStatus(record.status)) throw new JobFailedError(record.id, record.status, record.error);
      if (Date.now() >= deadline) throw new WaitTimeoutError(record.id, timeoutMs, record.status);
      options.signal?.throwIfAborted();
      await sleep(Math.min(pollIntervalMs, Math.max(0, deadline - Date.now())), undefined, {
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
  }

  /** One page of jobs, newest first, filtered by status and/or task. */
  list(query: JobQuery = {}): Promise<JobPage> {
    return this.#backend.store.list(query);
  }

  /** Cancels a job that has not started (queued) or waits between attempts (retrying). */
  cancel(id: string): Promise<JobRecord> {
    return this.#backend.store.cancel(id, Date.now());
  }

  /**
   * Runs a failed or cancelled job again with a fresh attempt budget: it goes back to queued under the
   * same id and a new message is sent. For a job still queued, only sends its message again (in case it
   * was lost); the claim's conditions make sure the job still runs once.
   */
  async retry(id: string): Promise<JobRecord> {
    const current = await this.getJob(id);
    if (current.status === JobStatus.queued) {
      await this.#send(current, 0);
      return current;
    }
    const job = await this.#backend.store.requeue(id, Date.now());
    try {
      await this.#send(job, 0);
    } catch (error) {
      // Put the job back to failed rather than leave it queued with no message.
      await this.#backend.store
        .reject({
          id,
          task: job.task,
          maxAttempts: job.maxAttempts,
          guard: { kind: 'unstarted' },
          error: serializeError(error),
          deadLettered: false,
          at: Date.now(),
        })
        .catch(() => false);
      throw error;
    }
    return job;
  }

  /** Sends the job's message. Throws {@link EnqueueError} when the queue refuses it. */
  async #send(job: JobRecord, delaySeconds: number): Promise<void> {
    const body = encodeEnvelope({ id: job.id, task: job.task, args: job.args, enqueuedAt: job.enqueuedAt });
    try {
      await this.#backend.transport.send([{ body, ...(delaySeconds ? { delaySeconds } : {}) }]);
    } catch (cause) {
      throw new EnqueueError(job.id, cause, { sent: false });
    }
  }
}
