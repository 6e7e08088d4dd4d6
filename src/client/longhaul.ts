/**
 * The `Longhaul` client: the public class producers use. It checks its options once and hands each call
 * to the module of its concern (enqueue, job reads, job control, dead letters, workflows).
 */
import { ConfigError } from '../core/errors.js';
import type { JobCounts, JobLogLine, JobPage, JobQuery, JobRecord } from '../core/job.js';
import { resolveRetention } from '../core/retention.js';
import type { Schedule } from '../core/schedule.js';
import type { AnyTask, TaskArgs, TaskResult } from '../core/task.js';
import type { WorkflowState } from '../core/workflow.js';
import { type ClientContext, publishJobs } from './client-context.js';
import type {
  DeadLetter,
  EnqueueOptions,
  EnqueueParams,
  JobHandle,
  LatestScheduleResult,
  LonghaulOptions,
  PurgeOptions,
  QueueStats,
  RedriveOptions,
  RedriveResult,
  WaitOptions,
} from './client-types.js';
import { peekDeadLetters, redriveDeadLetters } from './dead-letters.js';
import { enqueueJob, enqueueJobs } from './enqueue.js';
import { cancelJob, purgeJobs, retryJob } from './job-control.js';
import {
  followJobLogs,
  queueStats,
  readJob,
  readLatestScheduleResult,
  waitForJobResult,
} from './job-reads.js';
import { PayloadOffload } from './payload-offload.js';
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
  readonly #ctx: ClientContext;

  constructor(options: LonghaulOptions) {
    if (!options?.backend)
      throw new ConfigError('Expected `backend` to be a backend such as `awsBackend(...)`');
    const tracking = options.tracking ?? 'full';
    if (tracking !== 'full' && tracking !== 'lean') {
      throw new ConfigError(`Expected \`tracking\` to be "full" or "lean", got ${JSON.stringify(tracking)}`);
    }
    this.#ctx = {
      backend: options.backend,
      tracking,
      payloads: new PayloadOffload(options.backend.payloads),
      retention: resolveRetention(options.retention),
    };
  }

  /**
   * Validates `args` against the task's schema, records the job as queued and sends its message.
   * Resolves once both are durable, with the job's id. A type error when `args` do not fit the task.
   * Throws `InvalidArgsError` (with each issue's path) for arguments that fail the schema or that JSON
   * cannot carry portably (a BigInt, a cycle, a lone UTF-16 surrogate), `ConfigError` when `task` is not
   * a task, `InvalidJobIdError` and `JobConflictError` for a `jobId` that cannot be this job's.
   */
  enqueue<T extends AnyTask>(task: T, ...params: EnqueueParams<T>): Promise<JobHandle<TaskResult<T>>> {
    const [args, options = {}] = params as [unknown, EnqueueOptions | undefined];
    return enqueueJob(this.#ctx, task, args, options);
  }

  /**
   * Enqueues one job per element of `argsList`, validating every one before sending any. Messages go in
   * batches of ten (SendMessageBatch), four requests in flight; with full tracking, the records follow
   * in BatchWriteItems of 25 as their messages are sent (see docs/architecture.md, "Records written in
   * batches"). Resolves with the handles in the order of `argsList`. Throws `EnqueueError` when a send
   * fails: no later batch starts, and the jobs whose messages were sent are enqueued and named in its
   * context (`enqueued`).
   */
  enqueueMany<T extends AnyTask>(
    task: T,
    argsList: readonly TaskArgs<T>[],
    options: Pick<EnqueueOptions, 'delaySeconds' | 'runAt' | 'priority'> = {},
  ): Promise<JobHandle<TaskResult<T>>[]> {
    return enqueueJobs(this.#ctx, task, argsList, options);
  }

  /**
   * The job as stored, with offloaded arguments and result read back from the payload store. Throws
   * {@link JobNotFoundError} for an unknown or expired id, `PayloadUnavailableError` when an offloaded
   * payload is gone.
   */
  getJob<TResult = unknown>(job: string | JobHandle<TResult>): Promise<JobRecord<unknown, TResult>> {
    return readJob(this.#ctx, job);
  }

  /**
   * Waits for the job to finish and returns its result. Throws {@link JobFailedError} when it failed or was
   * cancelled, {@link WaitTimeoutError} when it is still going after `timeoutMs`.
   */
  waitForResult<TResult = unknown>(
    job: string | JobHandle<TResult>,
    options: WaitOptions = {},
  ): Promise<TResult> {
    return waitForJobResult(this.#ctx, job, options);
  }

  /**
   * The schedule's last succeeded run: its result (typed by the schedule's task), its job id and when it
   * finished, or undefined before any run succeeded. One read of the pointer item the worker keeps per
   * schedule (plus the payload object when the result was offloaded), whatever the number of runs. The
   * latest is the run with the latest firing time: an older run that finishes late never replaces a
   * newer one; failed and cancelled runs leave it as it was. Needs workers with `tracking` on (default).
   *
   * @example
   * export const nightly = defineSchedule(refreshFigures, 'cron(0 3 * * ? *)');
   * const latest = await longhaul.latestScheduleResult(nightly);
   * if (latest) render(latest.result, { asOf: latest.finishedAt });
   */
  latestScheduleResult<TResult = unknown>(
    schedule: Schedule<TResult> | string,
  ): Promise<LatestScheduleResult<TResult> | undefined> {
    const name = typeof schedule === 'string' ? schedule : schedule?.name;
    if (typeof name !== 'string' || name === '') {
      return Promise.reject(
        new ConfigError('Expected `schedule` to be a schedule from `defineSchedule` or its name'),
      );
    }
    return readLatestScheduleResult<TResult>(this.#ctx, name);
  }

  /**
   * One page of jobs, newest first, filtered by status and/or task. Offloaded arguments and results are
   * not read: such a job has `args`/`result` null beside `argsRef`/`resultRef` (read it with `getJob`).
   * Failed, cancelled, retrying and scheduled jobs come from an index that holds only them; other
   * filters walk jobs newest first with a bound on what one call reads, so a page may be short (even
   * empty) with a `nextCursor` (docs/architecture.md, "The job table's indexes").
   *
   * @example
   * let cursor: string | undefined;
   * do {
   *   const page = await longhaul.list({ status: 'queued', ...(cursor ? { cursor } : {}) });
   *   for (const job of page.jobs) console.log(job.id);
   *   cursor = page.nextCursor;
   * } while (cursor);
   */
  list(query: JobQuery = {}): Promise<JobPage> {
    return this.#ctx.backend.store.list(query);
  }

  /**
   * Cancels a scheduled, queued or retrying job at once (it comes back `cancelled`; a job waiting for the
   * delay scheduler also has its pending send deleted). A running job comes back still `running` with
   * `cancelRequestedAt` set: its worker aborts the task's signal at its next heartbeat and the job ends
   * `cancelled`. Throws `JobConflictError` for a finished job, `JobNotFoundError` for none.
   */
  cancel(id: string): Promise<JobRecord> {
    return cancelJob(this.#ctx, id);
  }

  /**
   * Runs a failed or cancelled job again with a fresh attempt budget: it goes back to queued under the
   * same id and a new message is sent. For a job still queued, only sends its message again (in case it
   * was lost); the claim's conditions make sure the job still runs once.
   */
  retry(id: string): Promise<JobRecord> {
    return retryJob(this.#ctx, id);
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
    return waitForWorkflow(this.#ctx.backend, workflow, options);
  }

  /** A workflow's status, with each step's or member's job and status. Throws `WorkflowNotFoundError`. */
  getWorkflow(workflow: string | WorkflowHandle): Promise<WorkflowState> {
    return readWorkflow(this.#ctx.backend, typeof workflow === 'string' ? workflow : workflow.id);
  }

  #workflowContext(): WorkflowContext {
    return { backend: this.#ctx.backend, enqueued: (jobs) => publishJobs(this.#ctx, jobs) };
  }

  // -------------------------------------------------------------------------------------------------
  // Operating the queue: what the CLI and the dashboard use.

  /** Jobs by status, overall and per task. */
  counts(): Promise<JobCounts> {
    return this.#ctx.backend.store.counts();
  }

  /**
   * Recounts the jobs by status and task from their records and makes {@link counts} return that from
   * now on; resolves with the new counts. On DynamoDB this repairs the counts the stream aggregator keeps
   * when they drifted (its failure queue has messages): it scans the whole table (no index knows the
   * status; about 250 000 read units per million 2 KB jobs), then writes the counts item once. It throws `CountsChangedError` if the
   * aggregator applied changes during each of three recounts. In memory the counts are always exact and
   * this returns them.
   *
   * @example
   * const counts = await longhaul.rebuildCounts();
   * console.log(counts.byStatus.queued);
   */
  rebuildCounts(): Promise<JobCounts> {
    return this.#ctx.backend.store.rebuildCounts();
  }

  /** Counts, queue depth, and the age of the oldest job still waiting for its first attempt. */
  stats(): Promise<QueueStats> {
    return queueStats(this.#ctx);
  }

  /**
   * Up to `limit` messages of the dead-letter queue with the job and reason each carries. Looking does
   * not take them: each receive hides nothing (visibility 0), so a message can show up twice in a large
   * queue; duplicates are dropped.
   */
  deadLetters(options: { limit?: number } = {}): Promise<DeadLetter[]> {
    return peekDeadLetters(this.#ctx, options);
  }

  /**
   * Moves dead letters back to work: each job is put back to queued with a fresh attempt budget (as by
   * `retry`) and its message sent to the queue again, then the dead letter is deleted. `task` and
   * `jobId` choose which; the others are left in the dead-letter queue. A dead letter that names no job
   * (a malformed message) is left too: fix and resend it, or `discard` it.
   */
  redrive(options: RedriveOptions = {}): Promise<RedriveResult> {
    return redriveDeadLetters(this.#ctx, options);
  }

  /**
   * Deletes finished jobs (`succeeded`, `failed` or `cancelled`) of `status` enqueued more than
   * `olderThanMs` ago, optionally of one task. Jobs that run again meanwhile are kept.
   */
  purge(options: PurgeOptions): Promise<{ deleted: number }> {
    return purgeJobs(this.#ctx, options);
  }

  /**
   * The job's log lines as they are written: first those already there (unless `fromStart: false`),
   * then new ones, polling every `pollIntervalMs` (default 1 000) until the job is final or `signal`
   * aborts.
   */
  followLogs(
    id: string,
    options: { signal?: AbortSignal; pollIntervalMs?: number; fromStart?: boolean } = {},
  ): AsyncGenerator<JobLogLine> {
    return followJobLogs(this.#ctx, id, options);
  }
}
