/**
 * What `Longhaul.enqueue` and `Longhaul.enqueueMany` do: validate the arguments and delivery options,
 * build the job's record, take its unique key, offload large arguments, send the message and write the
 * record (at once for a job with a fresh id and no key, else the message first). The hot path of the
 * producer: it makes no request it does not need, and no request waits for one it does not depend on.
 */

import { type DelayPlan, planDelay } from '../core/delay.js';
import type { RecordWriter } from '../core/envelope.js';
import {
  ConfigError,
  EnqueueError,
  JobConflictError,
  PayloadTooLargeError,
  serializeError,
} from '../core/errors.js';
import { type JobRecord, JobStatus } from '../core/job.js';
import { checkJobId } from '../core/job-id.js';
import { checkJsonArgs } from '../core/json-args.js';
import { jsonLogger } from '../core/logger.js';
import { pendingRecordWriteMs } from '../core/pending-record.js';
import { checkPriority, Priority } from '../core/priority.js';
import { expiryOf } from '../core/retention.js';
import { type AnyTask, checkTask, type TaskArgs, type TaskResult } from '../core/task.js';
import type { TraceCarrier } from '../core/trace-context.js';
import { statusEvent } from '../core/transitions.js';
import { newUuid } from '../core/uuid.js';
import { type ClientContext, publishJobs, sendJob } from './client-context.js';
import type { EnqueueOptions, JobHandle } from './client-types.js';
import { checkDelivery, deliver } from './delivery.js';
import { type ProducerSpan, traceSend } from './trace-spans.js';
import { keyOf, releaseKey, takeKey } from './unique-keys.js';

/** What `enqueue` decided before building a job: when it was asked, how it waits, its priority. */
interface EnqueuePlan {
  readonly now: number;
  readonly delay: DelayPlan;
  readonly priority: Priority;
  /** The trace context the jobs carry: their PRODUCER span's. */
  readonly trace?: TraceCarrier | undefined;
}

/** Enqueues one job, in a PRODUCER span of its own; see `Longhaul.enqueue`. */
export async function enqueueJob<T extends AnyTask>(
  ctx: ClientContext,
  task: T,
  args: unknown,
  options: EnqueueOptions,
): Promise<JobHandle<TaskResult<T>>> {
  checkTask(task);
  return traceSend(ctx.backend.transport, { task: task.name, count: 1 }, (span) =>
    enqueueTraced(ctx, task, args, options, span),
  );
}

async function enqueueTraced<T extends AnyTask>(
  ctx: ClientContext,
  task: T,
  args: unknown,
  options: EnqueueOptions,
  span: ProducerSpan,
): Promise<JobHandle<TaskResult<T>>> {
  const plan: EnqueuePlan = { ...planOf(ctx, task, options), trace: span.carrier };
  const { job: validated, windowMs, argsJson } = await newKeyedJob(ctx, task, args, options, plan);
  span.setJob(validated.id);
  if (options.jobId !== undefined) {
    const existing = await ctx.backend.store.get(validated.id);
    if (existing) {
      checkSameTask(existing, task.name);
      return { id: validated.id, task: task.name, created: false, matched: 'jobId' };
    }
  }
  if (validated.key !== undefined) {
    const holder = await takeKey(ctx.backend.store, {
      task: validated.task,
      key: validated.key,
      jobId: validated.id,
      windowMs,
      at: validated.enqueuedAt,
    });
    if (holder !== undefined) return { id: holder, task: task.name, created: false, matched: 'key' };
  }
  const job = await offloadArgs(ctx, validated, argsJson);
  if (ctx.tracking === 'full' && options.jobId === undefined && job.key === undefined) {
    return await sendAndCreate<TaskResult<T>>(ctx, job, plan.delay);
  }
  // A job another enqueue can name (its own `jobId`, or a unique key) keeps the order message first: a
  // record then always has a message, or was created by the worker that claimed it. The other order
  // would strand a queued job with no message, which a retried enqueue of the same id or key would then
  // take for the job, if this process died between.
  try {
    await sendJob(ctx, job, plan.delay, ctx.tracking === 'lean' ? 'worker' : 'producer');
  } catch (error) {
    // No job was created: hand its key back rather than block it for the enqueue grace.
    if (job.key !== undefined) await releaseKey(ctx.backend.store, job.task, job.key, job.id).catch(() => {});
    throw error;
  }
  const handle = await recordJob<TaskResult<T>>(ctx, job);
  if (handle.created) await publishJobs(ctx, [job]);
  return handle;
}

/**
 * Full tracking's `enqueue` of a job with a fresh random id and no key: the message and the record's
 * conditional put (`attribute_not_exists`) go at once, so the call takes one round trip instead of two.
 *
 * - A worker that receives the message before the record lands creates the record with its claim (the
 *   envelope carries no `pendingRecord`), and the producer's put then fails its condition: it never
 *   replaces the claim, and the job is reported as created (the worker announced it running).
 * - A failed send with the record written: the record is failed, then removed (both conditional:
 *   only while no worker has claimed the job), so no queued job is left without a message and, as before,
 *   no job exists; `EnqueueError` (`sent: false`).
 * - A failed write with the message sent: the job runs (its worker creates the record);
 *   `EnqueueError` (`sent: true`), as before.
 *
 * A process that dies after the record landed but before the queue took the message leaves a queued
 * record with no message, under an id no one else knows (the caller got no handle): it never runs, and
 * `retry(id)` would send it. Jobs with a `jobId` or a key keep the message-first order for this reason.
 */
async function sendAndCreate<TResult>(
  ctx: ClientContext,
  job: JobRecord,
  delay: DelayPlan,
): Promise<JobHandle<TResult>> {
  const [sent, written] = await Promise.allSettled([sendJob(ctx, job, delay), ctx.backend.store.create(job)]);
  if (sent.status === 'rejected') {
    if (written.status === 'fulfilled') await unwriteUnsent(ctx, job, sent.reason);
    throw sent.reason;
  }
  const handle = { id: job.id, task: job.task, created: true };
  if (written.status === 'rejected') {
    // The id is fresh, so the record that exists is the one the worker that claimed the message made.
    if (written.reason instanceof JobConflictError) return handle;
    throw new EnqueueError(job.id, written.reason, { sent: true });
  }
  await publishJobs(ctx, [job]);
  return handle;
}

/**
 * Takes back the record of a job whose message could not be sent: fails it while it is still unstarted
 * (a send that only looked failed may have reached the queue, and a worker may hold it), then removes
 * it (only a final job is removed). Best effort: when the store refuses, the record stays (logged).
 */
async function unwriteUnsent(ctx: ClientContext, job: JobRecord, sendError: unknown): Promise<void> {
  const at = Date.now();
  try {
    const failed = await ctx.backend.store.reject({
      id: job.id,
      task: job.task,
      maxAttempts: job.maxAttempts,
      guard: { kind: 'unstarted', createMissing: false },
      error: serializeError(sendError),
      deadLettered: false,
      at,
      expiresAt: expiryOf(JobStatus.failed, at, ctx.retention),
    });
    if (failed) await ctx.backend.store.remove([job.id]);
  } catch (error) {
    jsonLogger.warn('could not take back the record of a job whose message was not sent', {
      jobId: job.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * Enqueues one job per element of `argsList`, in one PRODUCER span for the batch (every job carries its
 * context); see `Longhaul.enqueueMany`.
 */
export async function enqueueJobs<T extends AnyTask>(
  ctx: ClientContext,
  task: T,
  argsList: readonly TaskArgs<T>[],
  options: Pick<EnqueueOptions, 'delaySeconds' | 'runAt' | 'priority'>,
): Promise<JobHandle<TaskResult<T>>[]> {
  checkTask(task);
  return traceSend(ctx.backend.transport, { task: task.name, count: argsList.length }, (span) =>
    enqueueBatchTraced(ctx, task, argsList, options, span),
  );
}

async function enqueueBatchTraced<T extends AnyTask>(
  ctx: ClientContext,
  task: T,
  argsList: readonly TaskArgs<T>[],
  options: Pick<EnqueueOptions, 'delaySeconds' | 'runAt' | 'priority'>,
  span: ProducerSpan,
): Promise<JobHandle<TaskResult<T>>[]> {
  const plan: EnqueuePlan = { ...planOf(ctx, task, options), trace: span.carrier };
  const validated: { job: JobRecord; argsJson: string }[] = [];
  for (const args of argsList) validated.push(await newJob(ctx, task, args, undefined, plan));
  if (task.unique) {
    // Each job takes its key before its message goes, so they go one by one (validated all first).
    const handles: JobHandle<TaskResult<T>>[] = [];
    for (const args of argsList) handles.push(await enqueueJob(ctx, task, args, options));
    return handles;
  }
  const jobs: JobRecord[] = [];
  for (const { job, argsJson } of validated) jobs.push(await offloadArgs(ctx, job, argsJson));
  if (ctx.tracking === 'lean') {
    await sendInBatches(ctx, jobs, plan.delay, 'worker');
  } else {
    await sendAndPutRecords(ctx, jobs, plan.delay);
    await publishJobs(ctx, jobs);
  }
  return jobs.map((job) => ({ id: job.id, task: job.task, created: true }));
}

/**
 * Jobs whose records go in two full `BatchWriteItem`s, written as soon as their five `SendMessageBatch`
 * requests are done, so a record lands a few round trips after its message (a worker that finds a young
 * message's record missing claims again after short pauses before handing the message back).
 */
const jobsPerRecordWindow = 50;
/** Record writes in flight while later messages are sent. */
const recordWindowsInFlight = 16;
/**
 * `SendMessageBatch` requests in flight at once: the next batches go while one waits for its answer,
 * instead of one round trip after the other.
 */
const sendsInFlight = 4;

/**
 * Full tracking's `enqueueMany`: the messages first, then the records with unconditional batch writes
 * (`JobStore.putNew`), which the envelopes' `pendingRecord` makes safe (see `src/core/pending-record.ts`).
 * The records of each {@link jobsPerRecordWindow} jobs sent are written while later messages go, and
 * their writes are aborted {@link pendingRecordWriteMs} after the first of their sends started, the bound
 * workers rely on. A record not written by then is created by the worker that claims the job. Only the
 * jobs whose messages were sent get records.
 */
async function sendAndPutRecords(
  ctx: ClientContext,
  jobs: readonly JobRecord[],
  delay: DelayPlan,
): Promise<void> {
  const puts: Promise<void>[] = [];
  const inFlight = new Set<Promise<void>>();
  let window: JobRecord[] = [];
  let windowStarted = Number.POSITIVE_INFINITY;
  const putWindow = () => {
    if (window.length === 0) return;
    const put = putRecords(ctx, window, windowStarted);
    window = [];
    windowStarted = Number.POSITIVE_INFINITY;
    // Settled below; a rejection must not go unhandled while later windows are sent.
    const settled = put.then(
      () => {},
      () => {},
    );
    inFlight.add(settled);
    void settled.then(() => inFlight.delete(settled));
    puts.push(put);
  };
  let sendError: unknown;
  try {
    await sendInBatches(ctx, jobs, delay, 'producer-after-send', async (batch, startedAt) => {
      window.push(...batch);
      windowStarted = Math.min(windowStarted, startedAt);
      if (window.length < jobsPerRecordWindow) return;
      putWindow();
      while (inFlight.size >= recordWindowsInFlight) await Promise.race(inFlight);
    });
  } catch (error) {
    sendError = error;
  }
  // Even when a send failed: the jobs sent before it exist and their records are owed.
  putWindow();
  const outcomes = await Promise.allSettled(puts);
  if (sendError !== undefined) throw sendError;
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Writes one window's records within the bound; throws {@link EnqueueError} (`sent: true`) for any not written. */
async function putRecords(ctx: ClientContext, window: readonly JobRecord[], started: number): Promise<void> {
  const leftMs = started + pendingRecordWriteMs - Date.now();
  const put =
    leftMs > 0
      ? await ctx.backend.store.putNew(window, AbortSignal.timeout(leftMs))
      : { written: [], error: new Error(`the record write bound of ${pendingRecordWriteMs} ms passed`) };
  if (put.written.length === window.length) return;
  const written = new Set(put.written);
  const missing = window.find((job) => !written.has(job.id)) as JobRecord;
  throw new EnqueueError(missing.id, put.error, { sent: true });
}

/**
 * Sends the jobs' messages in batches of ten, {@link sendsInFlight} at a time, and hands each batch sent
 * to `onSent` with the time its send started (the sender waits for it before its next batch). Once a
 * batch fails no other starts; after the sends under way settle, throws {@link EnqueueError}
 * (`sent: false`) for the first batch that failed, naming every job that was sent.
 */
async function sendInBatches(
  ctx: ClientContext,
  jobs: readonly JobRecord[],
  delay: DelayPlan,
  record: RecordWriter,
  onSent: (batch: readonly JobRecord[], startedAt: number) => Promise<void> | void = () => {},
): Promise<void> {
  const sent = new Set<JobRecord>();
  const failures: { at: number; cause: unknown }[] = [];
  let next = 0;
  const batches = Math.ceil(jobs.length / 10);
  await Promise.all(
    Array.from({ length: Math.min(sendsInFlight, batches) }, async () => {
      while (failures.length === 0 && next < jobs.length) {
        const at = next;
        next += 10;
        const batch = jobs.slice(at, at + 10);
        const startedAt = Date.now();
        try {
          await deliver(ctx.backend, batch, delay, record);
        } catch (cause) {
          failures.push({ at, cause });
          return;
        }
        for (const job of batch) sent.add(job);
        await onSent(batch, startedAt);
      }
    }),
  );
  const [first] = failures.sort((a, b) => a.at - b.at);
  if (first === undefined) return;
  const enqueued = jobs.filter((job) => sent.has(job)).map((job) => job.id);
  throw new EnqueueError(jobs[first.at]?.id ?? '', first.cause, { sent: false, enqueued });
}

/** Builds the job's record with its unique key, if it has one. */
async function newKeyedJob(
  ctx: ClientContext,
  task: AnyTask,
  args: unknown,
  options: EnqueueOptions,
  plan: EnqueuePlan,
): Promise<{ job: JobRecord; windowMs: number; argsJson: string }> {
  const { job, parsedArgs, argsJson } = await newJob(ctx, task, args, options.jobId, plan);
  if (options.key === undefined && options.keyWindowMs === undefined && !task.unique) {
    return { job, windowMs: 0, argsJson };
  }
  const key = keyOf(task, parsedArgs, options);
  if (key === undefined) return { job, windowMs: 0, argsJson };
  if (ctx.tracking === 'lean') {
    throw new ConfigError(
      'Expected `tracking` to be "full" for jobs with a unique key (a holder\'s record tells whether it finished), got "lean"',
    );
  }
  return { job: { ...job, key: key.key }, windowMs: key.windowMs, argsJson };
}

/** Checks the delay and priority options against each other and the backend. */
function planOf(ctx: ClientContext, task: AnyTask, options: EnqueueOptions): EnqueuePlan {
  const now = Date.now();
  const delay = planDelay(options, now);
  const priority = checkPriority(options.priority ?? task.priority);
  checkDelivery(ctx.backend, delay, priority);
  return { now, delay, priority };
}

/**
 * Validates a job's arguments and builds its record: scheduled when delayed, else queued. Also returns
 * the arguments' JSON, which the size check made and the offload decision reuses.
 */
async function newJob(
  ctx: ClientContext,
  task: AnyTask,
  args: unknown,
  jobId: string | undefined,
  plan: EnqueuePlan,
): Promise<{ job: JobRecord; parsedArgs: unknown; argsJson: string }> {
  const id = jobId ?? newUuid();
  checkJobId(id);
  // First, so the schema never walks a cycle and the size check never meets a BigInt.
  checkJsonArgs(task.name, args);
  // What the schema outputs: a task's unique key is computed from it.
  const parsedArgs = await task.parseArgs(args);
  const argsJson = JSON.stringify(args ?? null);
  const argsBytes = Buffer.byteLength(argsJson, 'utf8');
  const maxBytes = ctx.payloads.maxArgsBytes;
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
    ...(plan.trace ? { trace: plan.trace } : {}),
  };
  return { job, parsedArgs, argsJson };
}

/**
 * The job with its arguments moved to the payload store when their JSON (`argsJson`) is too large to
 * carry. Throws {@link EnqueueError} (`sent: false`) when the store refuses them: nothing was sent, no
 * job exists.
 */
async function offloadArgs(ctx: ClientContext, job: JobRecord, argsJson: string): Promise<JobRecord> {
  try {
    const carried = await ctx.payloads.offloadArgs(job.id, job.args, argsJson);
    return { ...job, ...carried };
  } catch (cause) {
    throw new EnqueueError(job.id, cause, { sent: false });
  }
}

/**
 * Writes the record of a job whose message was sent, with full tracking; with lean tracking the
 * worker's claim creates it.
 */
async function recordJob<TResult>(ctx: ClientContext, job: JobRecord): Promise<JobHandle<TResult>> {
  if (ctx.tracking === 'lean') return { id: job.id, task: job.task, created: true };
  try {
    await ctx.backend.store.create(job);
  } catch (error) {
    if (!(error instanceof JobConflictError)) {
      throw new EnqueueError(job.id, error, { sent: true });
    }
    // Either a worker claimed our message first (it writes the record from the message), or a concurrent
    // enqueue with the same jobId won; then our message is a duplicate that workers recognise and drop.
    const existing = await ctx.backend.store.get(job.id);
    if (existing) checkSameTask(existing, job.task);
    const ours = existing?.enqueuedAt === job.enqueuedAt && existing.task === job.task;
    return { id: job.id, task: job.task, created: ours };
  }
  return { id: job.id, task: job.task, created: true };
}

/**
 * Throws {@link JobConflictError} when the job already stored under an id is another task's: a handle
 * naming the task asked for would lie about the job it points to.
 */
function checkSameTask(existing: JobRecord, task: string): void {
  if (existing.task !== task) {
    throw new JobConflictError(existing.id, `enqueue task "${task}" as`, `a job of task "${existing.task}"`);
  }
}
