import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DelayPlan, planDelay } from '../core/delay.js';
import { decodeEnvelope, salvageFrom } from '../core/envelope.js';
import {
  ConfigError,
  EnqueueError,
  JobConflictError,
  JobFailedError,
  JobNotFoundError,
  MalformedMessageError,
  PayloadTooLargeError,
  serializeError,
  WaitTimeoutError,
} from '../core/errors.js';
import {
  isFinalStatus,
  type JobCounts,
  type JobLogLine,
  type JobPage,
  type JobQuery,
  type JobRecord,
  JobStatus,
} from '../core/job.js';
import { publishChanges, stateChangeOf } from '../core/job-events.js';
import { jsonBytes } from '../core/limits.js';
import { jsonLogger } from '../core/logger.js';
import type { Backend, DeadLetterMessage } from '../core/ports.js';
import { checkPriority, Priority } from '../core/priority.js';
import { expiryOf, type Retention, resolveRetention } from '../core/retention.js';
import type { AnyTask, TaskArgs, TaskResult } from '../core/task.js';
import { statusEvent } from '../core/transitions.js';
import type { WorkflowState } from '../core/workflow.js';
import type {
  DeadLetter,
  EnqueueOptions,
  EnqueueParams,
  JobHandle,
  LonghaulOptions,
  PurgeOptions,
  QueueStats,
  RedriveOptions,
  RedriveResult,
  Tracking,
  WaitOptions,
} from './client-types.js';
import { cancelDelivery, checkDelivery, deliver } from './delivery.js';
import { PayloadOffload } from './payload-offload.js';
import { keyOf, releaseKey, takeKey } from './unique-keys.js';
import {
  ChainBuilder,
  type ChainHandle,
  GroupBuilder,
  type GroupHandle,
  readWorkflow,
  type Step,
  type WorkflowContext,
  type WorkflowHandle,
  waitForWorkflow,
} from './workflows.js';

// The client's types live in their own module (workflows use them too); the class's users find them here too.
export type {
  DeadLetter,
  EnqueueOptions,
  JobHandle,
  LonghaulOptions,
  PurgeOptions,
  QueueStats,
  RedriveOptions,
  RedriveResult,
  Tracking,
  WaitOptions,
} from './client-types.js';

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
  readonly #tracking: Tracking;
  readonly #payloads: PayloadOffload;
  readonly #retention: Retention;

  constructor(options: LonghaulOptions) {
    if (!options?.backend)
      throw new ConfigError('Expected `backend` to be a backend such as `awsBackend(...)`');
    const tracking = options.tracking ?? 'full';
    if (tracking !== 'full' && tracking !== 'lean') {
      throw new ConfigError(`Expected \`tracking\` to be "full" or "lean", got ${JSON.stringify(tracking)}`);
    }
    this.#backend = options.backend;
    this.#tracking = tracking;
    this.#payloads = new PayloadOffload(options.backend.payloads);
    this.#retention = resolveRetention(options.retention);
  }

  /**
   * Validates `args` against the task's schema, records the job as queued and sends its message.
   * Resolves once both are durable, with the job's id. A type error when `args` do not fit the task.
   */
  async enqueue<T extends AnyTask>(task: T, ...params: EnqueueParams<T>): Promise<JobHandle<TaskResult<T>>> {
    const [args, options = {}] = params as [unknown, EnqueueOptions | undefined];
    const plan = this.#plan(task, options);
    const { job: validated, windowMs } = await this.#newKeyedJob(task, args, options, plan);
    if (options.jobId !== undefined && (await this.#backend.store.get(validated.id))) {
      return { id: validated.id, task: task.name, created: false, matched: 'jobId' };
    }
    if (validated.key !== undefined) {
      const holder = await takeKey(this.#backend.store, {
        task: validated.task,
        key: validated.key,
        jobId: validated.id,
        windowMs,
        at: validated.enqueuedAt,
      });
      if (holder !== undefined) return { id: holder, task: task.name, created: false, matched: 'key' };
    }
    const job = await this.#offloadArgs(validated);
    // The message goes first: a job record then always has a message, or was created by the worker that
    // claimed it. The other order would strand a queued job with no message if this process died between.
    try {
      await this.#send(job, plan.delay);
    } catch (error) {
      // No job was created: hand its key back rather than block it for the enqueue grace.
      if (job.key !== undefined)
        await releaseKey(this.#backend.store, job.task, job.key, job.id).catch(() => {});
      throw error;
    }
    const handle = await this.#record<TaskResult<T>>(job);
    if (handle.created) await this.#published([job]);
    return handle;
  }

  /**
   * Enqueues one job per element of `argsList`, validating every one before sending any. Messages go in
   * batches of ten (SendMessageBatch); with full tracking, the records follow as conditional writes, up
   * to 16 at a time (BatchWriteItem takes no conditions, and a worker may already have claimed a job).
   * Resolves with the handles in the order of `argsList`. Throws `EnqueueError` when a send fails (the
   * jobs of earlier batches are enqueued and named in its context).
   */
  async enqueueMany<T extends AnyTask>(
    task: T,
    argsList: readonly TaskArgs<T>[],
    options: Pick<EnqueueOptions, 'delaySeconds' | 'runAt' | 'priority'> = {},
  ): Promise<JobHandle<TaskResult<T>>[]> {
    const plan = this.#plan(task, options);
    const validated: JobRecord[] = [];
    for (const args of argsList) validated.push((await this.#newJob(task, args, undefined, plan)).job);
    if (task.unique) {
      // Each job takes its key before its message goes, so they go one by one (validated all first).
      const handles: JobHandle<TaskResult<T>>[] = [];
      for (const args of argsList) handles.push(await this.enqueue(task, args, options));
      return handles;
    }
    const jobs: JobRecord[] = [];
    for (const job of validated) jobs.push(await this.#offloadArgs(job));
    const sent: string[] = [];
    for (let i = 0; i < jobs.length; i += 10) {
      const batch = jobs.slice(i, i + 10);
      try {
        await deliver(this.#backend, batch, plan.delay);
      } catch (cause) {
        throw new EnqueueError(batch[0]?.id ?? '', cause, { sent: false, enqueued: sent });
      }
      sent.push(...batch.map((job) => job.id));
    }
    const handles: JobHandle<TaskResult<T>>[] = new Array(jobs.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(16, jobs.length) }, async () => {
        for (let i = next++; i < jobs.length; i = next++) {
          handles[i] = (await this.#record(jobs[i] as JobRecord)) as JobHandle<TaskResult<T>>;
        }
      }),
    );
    await this.#published(jobs.filter((_, i) => handles[i]?.created));
    return handles;
  }

  /** Builds the job's record with its unique key, if it has one. */
  async #newKeyedJob(
    task: AnyTask,
    args: unknown,
    options: EnqueueOptions,
    plan: EnqueuePlan,
  ): Promise<{ job: JobRecord; windowMs: number }> {
    const { job, parsedArgs } = await this.#newJob(task, args, options.jobId, plan);
    if (options.key === undefined && options.keyWindowMs === undefined && !task.unique) {
      return { job, windowMs: 0 };
    }
    const key = keyOf(task, parsedArgs, options);
    if (key === undefined) return { job, windowMs: 0 };
    if (this.#tracking === 'lean') {
      throw new ConfigError(
        'Expected `tracking` to be "full" for jobs with a unique key (a holder\'s record tells whether it finished), got "lean"',
      );
    }
    return { job: { ...job, key: key.key }, windowMs: key.windowMs };
  }

  /** Checks the delay and priority options against each other and the backend. */
  #plan(task: AnyTask, options: EnqueueOptions): EnqueuePlan {
    const now = Date.now();
    const delay = planDelay(options, now);
    const priority = checkPriority(options.priority ?? task.priority);
    checkDelivery(this.#backend, delay, priority);
    return { now, delay, priority };
  }

  /** Validates a job's arguments and builds its record: scheduled when delayed, else queued. */
  async #newJob(
    task: AnyTask,
    args: unknown,
    jobId: string | undefined,
    plan: EnqueuePlan,
  ): Promise<{ job: JobRecord; parsedArgs: unknown }> {
    const id = jobId ?? randomUUID();
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
      throw new ConfigError(
        `Expected \`jobId\` to be a string of 1–128 characters, got ${JSON.stringify(id)}`,
      );
    }
    // What the schema outputs: a task's unique key is computed from it.
    const parsedArgs = await task.parseArgs(args);
    const argsBytes = jsonBytes(args);
    const maxBytes = this.#payloads.maxArgsBytes;
    if (argsBytes > maxBytes) {
      throw new PayloadTooLargeError(`Arguments of task "${task.name}"`, argsBytes, maxBytes);
    }
    // The plan's clock: `runAt - enqueuedAt` is then exactly the wait the delay was planned on.
    const now = plan.now;
    const status = plan.delay.kind === 'none' ? JobStatus.queued : JobStatus.scheduled;
    const job: JobRecord = {
      id,
      task: task.name,
      status,
      args: args ?? null,
      attempts: 0,
      maxAttempts: task.retry.maxAttempts,
      enqueuedAt: now,
      logs: [],
      history: [statusEvent(status, now, 0)],
      ...(plan.delay.kind === 'none' ? {} : { runAt: plan.delay.runAt }),
      ...(plan.priority !== Priority.normal ? { priority: plan.priority } : {}),
    };
    return { job, parsedArgs };
  }

  /**
   * The job with its arguments moved to the payload store when they are too large to carry. Throws
   * {@link EnqueueError} (`sent: false`) when the store refuses them: nothing was sent, no job exists.
   */
  async #offloadArgs(job: JobRecord): Promise<JobRecord> {
    try {
      const carried = await this.#payloads.offloadArgs(job.id, job.args, JSON.stringify(job.args ?? null));
      return { ...job, ...carried };
    } catch (cause) {
      throw new EnqueueError(job.id, cause, { sent: false });
    }
  }

  /**
   * Writes the record of a job whose message was sent, with full tracking; with lean tracking the
   * worker's claim creates it.
   */
  async #record<TResult>(job: JobRecord): Promise<JobHandle<TResult>> {
    if (this.#tracking === 'lean') return { id: job.id, task: job.task, created: true };
    try {
      await this.#backend.store.create(job);
    } catch (error) {
      if (!(error instanceof JobConflictError)) {
        throw new EnqueueError(job.id, error, { sent: true });
      }
      // Either a worker claimed our message first (it writes the record from the message), or a concurrent
      // enqueue with the same jobId won; then our message is a duplicate that workers recognise and drop.
      const existing = await this.#backend.store.get(job.id);
      const ours = existing?.enqueuedAt === job.enqueuedAt && existing.task === job.task;
      return { id: job.id, task: job.task, created: ours };
    }
    return { id: job.id, task: job.task, created: true };
  }

  /**
   * The job as stored, with offloaded arguments and result read back from the payload store. Throws
   * {@link JobNotFoundError} for an unknown or expired id, `PayloadUnavailableError` when an offloaded
   * payload is gone.
   */
  async getJob<TResult = unknown>(job: string | JobHandle<TResult>): Promise<JobRecord<unknown, TResult>> {
    const record = await this.#stored(job);
    return (await this.#payloads.resolve(record, { args: true, result: true })) as JobRecord<
      unknown,
      TResult
    >;
  }

  /** The record as stored: offloaded payloads are null beside their references. */
  async #stored(job: string | JobHandle<unknown>): Promise<JobRecord> {
    const id = typeof job === 'string' ? job : job.id;
    const record = await this.#backend.store.get(id);
    if (!record) throw new JobNotFoundError(id);
    return record;
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
      // Polls the bare record: the arguments are never read, the result only once it is there.
      const record = await this.#stored(job);
      if (record.status === JobStatus.succeeded) {
        return (await this.#payloads.resolve(record, { args: false, result: true })).result as TResult;
      }
      if (isFinalStatus(record.status)) throw new JobFailedError(record.id, record.status, record.error);
      if (Date.now() >= deadline) throw new WaitTimeoutError(record.id, timeoutMs, record.status);
      options.signal?.throwIfAborted();
      await sleep(Math.min(pollIntervalMs, Math.max(0, deadline - Date.now())), undefined, {
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
  }

  /**
   * One page of jobs, newest first, filtered by status and/or task. Offloaded arguments and results are
   * not read: such a job has `args`/`result` null beside `argsRef`/`resultRef` (read it with `getJob`).
   */
  list(query: JobQuery = {}): Promise<JobPage> {
    return this.#backend.store.list(query);
  }

  /**
   * Cancels a scheduled, queued or retrying job at once (it comes back `cancelled`; a job waiting for the
   * delay scheduler also has its pending send deleted). A running job comes back still `running` with
   * `cancelRequestedAt` set: its worker aborts the task's signal at its next heartbeat and the job ends
   * `cancelled`. Throws `JobConflictError` for a finished job, `JobNotFoundError` for none.
   */
  async cancel(id: string): Promise<JobRecord> {
    const at = Date.now();
    const job = await this.#backend.store.cancel(id, at, expiryOf(JobStatus.cancelled, at, this.#retention));
    // A running job's cancel is only a request: its worker publishes the change when the job ends.
    if (job.status === JobStatus.cancelled) {
      await cancelDelivery(this.#backend, job);
      await this.#published([job]);
    }
    return job;
  }

  /**
   * Runs a failed or cancelled job again with a fresh attempt budget: it goes back to queued under the
   * same id and a new message is sent. For a job still queued, only sends its message again (in case it
   * was lost); the claim's conditions make sure the job still runs once.
   */
  async retry(id: string): Promise<JobRecord> {
    const current = await this.#stored(id);
    if (current.status === JobStatus.queued) {
      await this.#send(current, atOnce);
      return current;
    }
    if (current.argsRef) await this.#payloads.refresh(current.argsRef);
    const job = await this.#backend.store.requeue(id, Date.now());
    try {
      await this.#send(job, atOnce);
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
          expiresAt: expiryOf(JobStatus.failed, Date.now(), this.#retention),
        })
        .catch(() => false);
      throw error;
    }
    await this.#published([job]);
    return job;
  }

  // -------------------------------------------------------------------------------------------------
  // Workflows (see ./workflows.ts).

  /**
   * Starts building a chain: each `andThen(task)` step gets the previous step's result as its arguments
   * (checked by the type system), `start()` enqueues the first step.
   *
   * @example
   * const flow = await longhaul.chain(fetchPage, { url }).andThen(parsePage).andThen(savePage).start();
   * const saved = await longhaul.waitForResult(flow.last);
   */
  chain<T extends AnyTask>(task: T, ...params: EnqueueParams<T>): ChainBuilder<T> {
    return new ChainBuilder<T>(this.#workflowContext(), { task, args: params[0] as TaskArgs<T> });
  }

  /**
   * Starts building a group of jobs that run in parallel; `andThen(callback)` runs the callback once every
   * member succeeded, with their results in order; `start()` enqueues the members.
   *
   * @example
   * const fan = await longhaul.group([step(resize, { key: 'a' }), step(resize, { key: 'b' })]).andThen(zip).start();
   */
  group<const S extends readonly Step[]>(members: S): GroupBuilder<S> {
    return new GroupBuilder(this.#workflowContext(), members);
  }

  /**
   * Waits for a workflow to end and resolves with its result: a chain's last step's, a group's
   * callback's, or a group's member results in order. Throws `JobFailedError` naming the job that failed.
   */
  waitForWorkflow<TResult>(
    workflow: ChainHandle<TResult> | GroupHandle<TResult> | string,
    options: WaitOptions = {},
  ): Promise<TResult> {
    return waitForWorkflow(this.#backend, workflow, options);
  }

  /** A workflow's status, with each step's or member's job and status. Throws `WorkflowNotFoundError`. */
  getWorkflow(workflow: string | WorkflowHandle): Promise<WorkflowState> {
    return readWorkflow(this.#backend, typeof workflow === 'string' ? workflow : workflow.id);
  }

  #workflowContext(): WorkflowContext {
    return { backend: this.#backend, enqueued: (jobs) => this.#published(jobs) };
  }

  /** Publishes the jobs' current status when the backend has events; a failure is only logged. */
  async #published(jobs: readonly JobRecord[]): Promise<void> {
    await publishChanges(
      this.#backend.events,
      jobs.map((job) => stateChangeOf(job)),
      jsonLogger,
    );
  }

  // -------------------------------------------------------------------------------------------------
  // Operating the queue: what the CLI and the dashboard use.

  /** Jobs by status, overall and per task. */
  counts(): Promise<JobCounts> {
    return this.#backend.store.counts();
  }

  /** Counts, queue depth, and the age of the oldest job still waiting for its first attempt. */
  async stats(): Promise<QueueStats> {
    const [counts, depth, oldest] = await Promise.all([
      this.counts(),
      this.#backend.transport.depth(),
      this.#backend.store.oldest(JobStatus.queued),
    ]);
    const at = Date.now();
    return {
      counts,
      depth,
      ...(oldest
        ? { oldestQueued: { id: oldest.id, enqueuedAt: oldest.enqueuedAt, ageMs: at - oldest.enqueuedAt } }
        : {}),
    };
  }

  /**
   * Up to `limit` messages of the dead-letter queue with the job and reason each carries. Looking does
   * not take them: each receive hides nothing (visibility 0), so a message can show up twice in a large
   * queue; duplicates are dropped.
   */
  async deadLetters(options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const limit = options.limit ?? 100;
    const seen = new Map<string, DeadLetter>();
    for (let tries = 0; seen.size < limit && tries < Math.ceil(limit / 10) + 3; tries++) {
      const batch = await this.#backend.transport.receiveDeadLetters(Math.min(10, limit - seen.size), 0);
      if (batch.length === 0) break;
      let fresh = 0;
      for (const message of batch) {
        if (seen.has(message.messageId)) continue;
        fresh++;
        seen.set(message.messageId, describeDeadLetter(message));
      }
      if (fresh === 0) break;
    }
    return [...seen.values()].slice(0, limit);
  }

  /**
   * Moves dead letters back to work: each job is put back to queued with a fresh attempt budget (as by
   * `retry`) and its message sent to the queue again, then the dead letter is deleted. `task` and
   * `jobId` choose which; the others are left in the dead-letter queue. A dead letter that names no job
   * (a malformed message) is left too: fix and resend it, or `discard` it.
   */
  async redrive(options: RedriveOptions = {}): Promise<RedriveResult> {
    const redriven: string[] = [];
    let left = 0;
    const total = options.total ?? (await this.#backend.transport.depth()).deadLettered;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const seen = new Set<string>();
    // SQS returns a sample of the queue per receive: stop after a few receives that bring nothing new.
    for (let stale = 0; stale < 3 && redriven.length < limit; ) {
      // Hidden while this redrive works on them, so another redrive does not take them too.
      const batch = await this.#backend.transport.receiveDeadLetters(10, 60);
      const fresh = batch.filter((m) => !seen.has(m.messageId));
      for (const message of batch.filter((m) => seen.has(m.messageId))) {
        await this.#backend.transport.releaseDeadLetter(message);
      }
      if (batch.length === 0) break;
      stale = fresh.length === 0 ? stale + 1 : 0;
      for (const message of fresh) {
        seen.add(message.messageId);
        const letter = describeDeadLetter(message);
        const wanted =
          letter.jobId !== undefined &&
          redriven.length < limit &&
          (options.task === undefined || letter.task === options.task) &&
          (options.jobId === undefined || letter.jobId === options.jobId);
        if (!wanted || letter.jobId === undefined) {
          // Not ours to move: visible again at once for the next look or redrive.
          await this.#backend.transport.releaseDeadLetter(message);
          left++;
          continue;
        }
        const job = await this.#backend.store.get(letter.jobId);
        if (job && !isFinalStatus(job.status)) {
          // The job is alive again (retried meanwhile): this dead letter is a stale copy.
          await this.#backend.transport.discardDeadLetter(message);
        } else if (job) {
          await this.retry(job.id);
          await this.#backend.transport.discardDeadLetter(message);
        } else {
          // No record (it expired, or was purged): the message itself is the job; send it back.
          await this.#backend.transport.redrive(message);
        }
        redriven.push(letter.jobId);
        options.onProgress?.({ done: redriven.length, total });
      }
    }
    return { redriven, left };
  }

  /**
   * Deletes finished jobs (`succeeded`, `failed` or `cancelled`) of `status` enqueued more than
   * `olderThanMs` ago, optionally of one task. Jobs that run again meanwhile are kept.
   */
  async purge(options: PurgeOptions): Promise<{ deleted: number }> {
    if (!isFinalStatus(options.status)) {
      throw new ConfigError(
        `Expected \`status\` to be succeeded, failed or cancelled (jobs still going are never purged), got \`${options.status}\``,
      );
    }
    if (!Number.isFinite(options.olderThanMs) || options.olderThanMs < 0) {
      throw new ConfigError(
        `Expected \`olderThanMs\` to be a duration of 0 or more, got \`${options.olderThanMs}\``,
      );
    }
    const enqueuedBefore = Date.now() - options.olderThanMs;
    let deleted = 0;
    for (;;) {
      // Deleting shrinks the listing, so each round starts again from the newest matching page.
      const page = await this.list({
        status: options.status,
        ...(options.task ? { task: options.task } : {}),
        enqueuedBefore,
        limit: 100,
      });
      if (page.jobs.length === 0) break;
      const removed = await this.#backend.store.remove(page.jobs.map((job) => job.id));
      deleted += removed.length;
      options.onProgress?.({ deleted });
      if (removed.length === 0) break;
    }
    return { deleted };
  }

  /**
   * The job's log lines as they are written: first those already there (unless `fromStart: false`),
   * then new ones, polling every `pollIntervalMs` (default 1 000) until the job is final or `signal`
   * aborts.
   */
  async *followLogs(
    id: string,
    options: { signal?: AbortSignal; pollIntervalMs?: number; fromStart?: boolean } = {},
  ): AsyncGenerator<JobLogLine> {
    let job = await this.#stored(id);
    let seen = options.fromStart === false ? job.logs.length : 0;
    for (;;) {
      for (const line of job.logs.slice(seen)) yield line;
      seen = Math.max(seen, job.logs.length);
      if (isFinalStatus(job.status) || options.signal?.aborted) return;
      try {
        await sleep(
          options.pollIntervalMs ?? 1_000,
          undefined,
          options.signal ? { signal: options.signal } : {},
        );
      } catch {
        return;
      }
      job = await this.#stored(id);
    }
  }

  /** Sends the job's message. Throws {@link EnqueueError} when the queue refuses it. */
  async #send(job: JobRecord, plan: DelayPlan): Promise<void> {
    try {
      await deliver(this.#backend, [job], plan);
    } catch (cause) {
      throw new EnqueueError(job.id, cause, { sent: false });
    }
  }
}

function describeDeadLetter(message: DeadLetterMessage): DeadLetter {
  let jobId = message.reason?.jobId;
  let task: string | undefined;
  try {
    const envelope = decodeEnvelope(message.body);
    jobId ??= envelope.id;
    task = envelope.task;
  } catch (error) {
    const salvage = error instanceof MalformedMessageError ? salvageFrom(error) : {};
    jobId ??= salvage.id;
    task = salvage.task;
  }
  return {
    messageId: message.messageId,
    ...(jobId ? { jobId } : {}),
    ...(task ? { task } : {}),
    ...(message.reason ? { code: message.reason.code, message: message.reason.message } : {}),
    sentAt: message.sentAt,
    body: message.body,
  };
}

/** What `enqueue` decided before building a job: when it was asked, how it waits, its priority. */
interface EnqueuePlan {
  readonly now: number;
  readonly delay: DelayPlan;
  readonly priority: Priority;
}

/** Delivery at once, for `retry`. */
const atOnce: DelayPlan = { kind: 'none' };
