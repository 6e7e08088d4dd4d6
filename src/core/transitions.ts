/**
 * Pieces of the job state machine that both job stores share: what a lost attempt records, which
 * fields a requeue clears, the history event of an attempt's end and the record it leaves.
 */

import { type SerializedError, serializeError, WorkerLostError } from './errors.js';
import { type JobEvent, type JobRecord, JobStatus } from './job.js';
import { truncateUtf8 } from './limits.js';
import type { ClaimRequest, Completion, Fence } from './ports.js';
import type { WorkflowRef } from './workflow-ref.js';

/** Fields a requeued job starts without. */
export const requeueClears = [
  'startedAt',
  'finishedAt',
  'heartbeatAt',
  'leaseExpiresAt',
  'leaseToken',
  'nextAttemptAt',
  'progress',
  'result',
  'error',
  'deadLettered',
  'cancelRequestedAt',
  'handoff',
  'resultRef',
  'expiresAt',
  'runAt',
  'interruptions',
] as const satisfies readonly (keyof JobRecord)[];

/** True when attempt `attempt` is marked running but its lease lapsed before `now`. */
export function isLostAttempt(job: JobRecord, attempt: number, now: number): boolean {
  return (
    job.status === JobStatus.running &&
    job.attempts === attempt &&
    job.leaseExpiresAt !== undefined &&
    job.leaseExpiresAt < now
  );
}

/** The error and history event recorded for an attempt whose worker was lost. */
export function lostAttemptRecord(
  job: Pick<JobRecord, 'workerId' | 'attempts'>,
  at: number,
): { error: SerializedError; event: JobEvent } {
  const { stack: _omitted, ...error } = serializeError(new WorkerLostError(job.workerId, job.attempts));
  return {
    error,
    event: {
      at,
      status: JobStatus.retrying,
      attempt: job.attempts,
      ...(job.workerId ? { workerId: job.workerId } : {}),
      error: { code: error.code, message: error.message },
    },
  };
}

/** The history event of a status change, with the error's code and message when there is one. */
export function statusEvent(
  status: JobStatus,
  at: number,
  attempt: number,
  workerId?: string,
  error?: SerializedError,
  interrupted?: boolean,
): JobEvent {
  // Its optional fields set one by one, not spread from literals: two events per job.
  const event: { -readonly [K in keyof JobEvent]: JobEvent[K] } = { at, status, attempt };
  if (workerId) event.workerId = workerId;
  if (error) event.error = { code: error.code, message: truncateUtf8(error.message) };
  if (interrupted) event.interrupted = true;
  return event;
}

/** What a new job is made of. Its arguments must have been validated and size-checked. */
export interface NewJob {
  readonly id: string;
  readonly task: string;
  readonly args: unknown;
  readonly maxAttempts: number;
  readonly enqueuedAt: number;
  readonly workflow?: WorkflowRef;
}

/** The record of a job just enqueued. */
export function newJobRecord(job: NewJob): JobRecord {
  return {
    id: job.id,
    task: job.task,
    status: JobStatus.queued,
    args: job.args ?? null,
    attempts: 0,
    maxAttempts: job.maxAttempts,
    enqueuedAt: job.enqueuedAt,
    logs: [],
    history: [statusEvent(JobStatus.queued, job.enqueuedAt, 0)],
    ...(job.workflow ? { workflow: job.workflow } : {}),
  };
}

/**
 * The fields a queued job's record may hold for its envelope to describe it whole: `startedRecordOf`
 * rebuilds each of them from the envelope and its message (the trace context).
 */
const plainRecordFields: ReadonlySet<string> = new Set([
  'id',
  'task',
  'status',
  'args',
  'attempts',
  'maxAttempts',
  'enqueuedAt',
  'logs',
  'history',
  'workflow',
  'priority',
  'argsRef',
  'trace',
]);

/**
 * Whether `job`'s envelope describes its record whole (the envelope's `plainRecord`): queued and never
 * claimed (no attempts, no logs, its history the one `queued` event), holding nothing the envelope does
 * not carry. A unique key, a delay (`scheduled`, `runAt`), a limit note, a requeue's history, or any field
 * added later to records each make it not plain, so a first claim never replaces what it cannot rebuild.
 */
export function isPlainRecord(job: JobRecord): boolean {
  if (job.status !== JobStatus.queued || job.attempts !== 0) return false;
  if (job.logs.length !== 0 || job.history.length !== 1) return false;
  for (const field in job) if (!plainRecordFields.has(field)) return false;
  return true;
}

/**
 * How young (since its send) a `plainRecord` message must be for its first claim to start with the put:
 * its producer's put went out with the message and may not have landed yet (it takes a round trip, or a
 * few seconds of the SDK's retries). An older message's record is there, or will never be.
 */
export const youngMessageMs = 5_000;

/**
 * What a put of a job's whole record may write over: no record (or an expired one), or the queued record
 * its envelope describes.
 */
export interface RecordPutCondition {
  /** No record (or an expired one) is there. */
  readonly createMissing: boolean;
  /** The queued record the envelope describes is there (`isQueuedAsEnqueued`). */
  readonly overQueued: boolean;
}

/**
 * A claim's first write on a first delivery, tried before the claim of any job: the put of the running
 * record (`startedRecordOf`) on its condition, or the update that holds only while the record is still
 * the queued one the envelope describes (`asEnqueued`). Either one failing its condition leaves the claim
 * of any job to run next.
 */
export type FirstClaimWrite =
  | ({ readonly kind: 'put' } & RecordPutCondition)
  | { readonly kind: 'asEnqueued' };

const putCreating: FirstClaimWrite = Object.freeze({ kind: 'put', createMissing: true, overQueued: false });
const putOverQueued: FirstClaimWrite = Object.freeze({ kind: 'put', createMissing: true, overQueued: true });
const updateAsEnqueued: FirstClaimWrite = Object.freeze({ kind: 'asEnqueued' });

/**
 * Which write a claim starts with, on a first delivery whose envelope describes the record:
 * - **the put**, when the producer wrote no record (`workerRecord`), and when it wrote the record the
 *   envelope describes (`plainRecord`) and the message is young, so that record may not have landed: the
 *   put then creates it (where the update would fail and the put follow), or replaces the queued record,
 *   in one request either way;
 * - **the update as enqueued**, for an older `plainRecord` message (its record is there, or never will
 *   be), and for a `pendingRecord` one, whose record no claim may create while it is young. The running
 *   form of a record still queued as enqueued is known without reading it, so that update sets its fields
 *   outright and returns nothing, and it sends only what a claim changes: the cheaper write for the
 *   emulators the benchmarks run on (dynalite validates every attribute of a put;
 *   `scripts/bench/claim-writes.ts`), and no dearer for DynamoDB.
 *
 * Undefined on a later delivery, or when the envelope does not describe the record: the claim of any job.
 */
export function firstClaimWrite(request: ClaimRequest): FirstClaimWrite | undefined {
  if (request.deliveryCount !== 1) return undefined;
  const { envelope } = request;
  const mayCreate = request.createMissing !== false;
  if (mayCreate && envelope.workerRecord) return putCreating;
  if (!envelope.plainRecord) return undefined;
  const young = request.sentAt !== undefined && request.now - request.sentAt < youngMessageMs;
  return mayCreate && young ? putOverQueued : updateAsEnqueued;
}

/**
 * Whether a first claim's put of the running record may replace `record`: it is still the queued record
 * of the enqueue that sent `envelope` (the same enqueue time, which a requeue stamps anew), with no limit
 * note (the one field a worker adds to a queued record). The AWS store's put carries this as its
 * condition; the embedded store counts its requests by it.
 */
export function isQueuedAsEnqueued(record: JobRecord, envelope: { readonly enqueuedAt: number }): boolean {
  return (
    record.status === JobStatus.queued &&
    record.enqueuedAt === envelope.enqueuedAt &&
    record.limited === undefined
  );
}

/**
 * The record a claim creates from a job's message when the job has none: what its producer's record
 * would have held (queued when it was enqueued, its workflow and trace), with the first attempt started.
 */
export function startedRecordOf(request: ClaimRequest): JobRecord {
  const { envelope } = request;
  // The queued record given its first attempt field by field, as completedRecord does: a spread followed
  // by new fields costs about a microsecond a field, on the claim of every lean job.
  const next = newJobRecord({ ...envelope, maxAttempts: request.maxAttempts }) as MutableJob;
  next.status = JobStatus.running;
  next.attempts = 1;
  next.startedAt = request.now;
  next.heartbeatAt = request.now;
  next.leaseExpiresAt = request.leaseExpiresAt;
  next.leaseToken = request.token;
  next.workerId = request.workerId;
  // Concatenated, not spread: an array literal with spreads keeps the spare room it grew by as it was
  // built (some 130 bytes a record, for as long as an embedded store holds the record).
  next.history = next.history.concat([statusEvent(JobStatus.running, request.now, 1, request.workerId)]);
  if (envelope.schedule) next.schedule = envelope.schedule.name;
  if (envelope.argsRef) next.argsRef = envelope.argsRef;
  if (envelope.priority) next.priority = envelope.priority;
  if (request.trace) next.trace = request.trace;
  return next;
}

/** The history event of an attempt's end, the same on every backend. */
export function completionEvent(completion: Completion, fence: Fence): JobEvent {
  return statusEvent(
    completion.status,
    completion.at,
    fence.attempt,
    fence.workerId,
    completion.status === 'succeeded' ? undefined : completion.error,
    completion.interrupted,
  );
}

/**
 * The record `job` becomes when the attempt under `fence` ends with `completion`: what a store's
 * completing write makes of it. A store that was handed the record as the attempt's worker last saw it
 * answers with this instead of reading the item back.
 */
export function completedRecord(job: JobRecord, fence: Fence, completion: Completion): JobRecord {
  // A succeeded attempt leaves no error (only a failed attempt before it had one to remove).
  const next = recordWithout(
    job,
    'leaseExpiresAt',
    'leaseToken',
    'handoff',
    completion.status === 'succeeded' ? 'error' : undefined,
  );
  next.status = completion.status;
  // Concatenated, not spread (see startedRecordOf): no spare room kept in the finished record. An
  // attempt that wrote no lines keeps the record's array: no record is changed in place.
  next.logs = completion.logs.length > 0 ? job.logs.concat(completion.logs) : job.logs;
  next.history = job.history.concat([completionEvent(completion, fence)]);
  if (completion.progress) next.progress = completion.progress;
  if (completion.interrupted) {
    next.interruptions = (job.interruptions ?? 0) + 1;
    // The attempt is given back: the next claim starts the same attempt number again.
    if (completion.status === 'retrying') next.attempts = fence.attempt - 1;
  }
  if (completion.expiresAt !== undefined && completion.status !== 'retrying') {
    next.expiresAt = completion.expiresAt;
  }
  if (completion.status === 'succeeded') {
    next.result = completion.result;
    if (completion.resultRef) next.resultRef = completion.resultRef;
    next.finishedAt = completion.at;
  } else if (completion.status === 'retrying') {
    next.error = completion.error;
    next.nextAttemptAt = completion.nextAttemptAt;
  } else {
    next.error = completion.error;
    next.finishedAt = completion.at;
    next.deadLettered = completion.deadLettered;
  }
  return next;
}

type MutableJob = { -readonly [K in keyof JobRecord]: JobRecord[K] };

/**
 * A shallow copy of `job` without the fields named, for a transition to set fields on, one after the
 * other. Neither a spread followed by new fields (`{ ...job, startedAt }`: in V8 each field the copy did
 * not have costs about a microsecond, some twenty times a copied one) nor a rest pattern that leaves
 * fields out (a runtime call), nor `delete` (which turns the object into a slow dictionary): a job's
 * claim and end each build one such record.
 */
export function recordWithout(
  job: JobRecord,
  a: keyof JobRecord,
  b?: keyof JobRecord,
  c?: keyof JobRecord,
  d?: keyof JobRecord,
): MutableJob {
  const next: Record<string, unknown> = {};
  for (const key in job) {
    if (key !== a && key !== b && key !== c && key !== d) next[key] = job[key as keyof JobRecord];
  }
  return next as unknown as MutableJob;
}
