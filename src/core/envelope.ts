import { InvalidJobIdError, MalformedMessageError } from './errors.js';
import { jobIdProblem, maxJobIdChars } from './job-id.js';
import { isPayloadRef, type PayloadRef } from './payload.js';
import { isPriority, Priority } from './priority.js';
import type { ScheduleRef } from './schedule-ref.js';
import { isWorkflowRef, type WorkflowRef } from './workflow-ref.js';

/** The envelope format version this code writes. Readers reject versions they do not know. */
export const envelopeVersion = 1;

/**
 * The body of a job's queue message: data only, nothing executable. The task name is looked up in
 * the worker's registry; an unknown name is an error, never an import.
 */
export interface Envelope {
  readonly v: typeof envelopeVersion;
  readonly id: string;
  readonly task: string;
  readonly args: unknown;
  /** Epoch milliseconds. Readers also accept an ISO 8601 time (what an EventBridge rule can fill in). */
  readonly enqueuedAt: number;
  /** Set on a scheduled run: the schedule it belongs to and its overlap policy. */
  readonly schedule?: ScheduleRef;
  /** Set on a job of a workflow: what to do once it succeeds (see `src/core/workflow.ts`). */
  readonly workflow?: WorkflowRef;
  /** Set when the arguments were offloaded to the payload store; `args` is then absent. */
  readonly argsRef?: PayloadRef;
  /** The job's priority when not `normal` (omitted then, to keep messages small). */
  readonly priority?: Priority;
  /**
   * Set by `enqueueMany` with full tracking: the producer writes this job's record after sending, with an
   * unconditional batch write, so a worker must not create the record while the message is young (see
   * `src/core/pending-record.ts`).
   */
  readonly pendingRecord?: true;
  /**
   * Set by a producer that writes no record (lean tracking): on the message's first delivery the worker
   * creates the record with one conditional put of the running job, rather than the claim's longer update
   * (see `src/backends/aws/dynamo-job-claims.ts`). Either way the record is the same.
   */
  readonly workerRecord?: true;
  /**
   * Set by a producer whose record of the job holds nothing this envelope does not: queued, never
   * claimed, with no unique key or delay (see `isPlainRecord` in `src/core/transitions.ts`). A worker's
   * first claim may then put the running record whole, conditional on that queued record still standing
   * as the producer wrote it, rather than send the claim's longer update (see
   * `src/backends/aws/dynamo-job-claims.ts`). Either way the record is the same.
   */
  readonly plainRecord?: true;
}

/** Who writes a job's record: the producer with or before the send, the producer after it, or the worker. */
export type RecordWriter = 'producer' | 'producer-after-send' | 'worker';

/** Serializes a job's message body, stamping the current envelope version. */
export function encodeEnvelope(envelope: Omit<Envelope, 'v'>): string {
  const body: Envelope = { v: envelopeVersion, ...envelope };
  return JSON.stringify(body);
}

/** What could be read from a message that is not a valid envelope: the job id, when there is one. */
export interface EnvelopeSalvage {
  readonly id?: string;
  readonly task?: string;
}

/**
 * Parses a message body. Throws {@link MalformedMessageError} whose context holds whatever job id and
 * task could be salvaged, so the failure can still be recorded on the job.
 */
export function decodeEnvelope(body: string): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (cause) {
    throw new MalformedMessageError('body is not JSON', { cause, context: { bodyBytes: body.length } });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MalformedMessageError('body is not a JSON object');
  }
  const record = parsed as Record<string, unknown>;
  if (record.v !== envelopeVersion) fail(`unsupported envelope version ${JSON.stringify(record.v)}`, record);
  const idProblem = jobIdProblem(record.id);
  if (idProblem === 'length') fail('"id" must be a non-empty string of at most 128 characters', record);
  if (idProblem !== undefined) {
    // Never recorded under that id: it is the key space of Longhaul's own items, or no portable key.
    const reason =
      idProblem === 'reserved-prefix'
        ? '"id" begins with the reserved prefix "#"'
        : '"id" is not well-formed UTF-16 (a lone surrogate)';
    throw new MalformedMessageError(reason, {
      cause: new InvalidJobIdError('id', record.id, idProblem, maxJobIdChars),
      context: { ...salvageOf(record) },
    });
  }
  if (typeof record.task !== 'string' || record.task.length === 0)
    fail('"task" must be a non-empty string', record);
  const enqueuedAt =
    typeof record.enqueuedAt === 'string'
      ? isoTimePattern.test(record.enqueuedAt)
        ? Date.parse(record.enqueuedAt)
        : Number.NaN
      : record.enqueuedAt;
  if (typeof enqueuedAt !== 'number' || !Number.isFinite(enqueuedAt)) {
    fail('"enqueuedAt" must be a number (epoch milliseconds) or an ISO 8601 time', record);
  }
  // Built field by field rather than from spreads: one envelope per job received.
  const envelope: { -readonly [K in keyof Envelope]: Envelope[K] } = {
    v: envelopeVersion,
    id: record.id as string,
    task: record.task,
    args: record.args,
    enqueuedAt,
  };
  const schedule = record.schedule;
  if (schedule !== undefined) {
    if (!isScheduleRef(schedule))
      fail('"schedule" must be {"name": string, "overlap": "allow" | "skip"}', record);
    envelope.schedule = schedule;
  }
  const workflow = record.workflow;
  if (workflow !== undefined) {
    if (!isWorkflowRef(workflow)) fail('"workflow" is not a valid workflow reference', record);
    envelope.workflow = workflow;
  }
  const argsRef = record.argsRef;
  if (argsRef !== undefined) {
    if (!isPayloadRef(argsRef)) {
      fail('"argsRef" must be {"key": string, "bytes": integer, "sha256": hex string}', record);
    }
    envelope.argsRef = argsRef;
  }
  const priority = record.priority;
  if (priority !== undefined) {
    if (!isPriority(priority)) fail('"priority" must be "high", "normal" or "low"', record);
    if (priority !== Priority.normal) envelope.priority = priority;
  }
  const pendingRecord = record.pendingRecord;
  if (pendingRecord !== undefined) {
    if (pendingRecord !== true) fail('"pendingRecord" must be true when present', record);
    envelope.pendingRecord = true;
  }
  const workerRecord = record.workerRecord;
  if (workerRecord !== undefined) {
    if (workerRecord !== true) fail('"workerRecord" must be true when present', record);
    envelope.workerRecord = true;
  }
  const plainRecord = record.plainRecord;
  if (plainRecord !== undefined) {
    if (plainRecord !== true) fail('"plainRecord" must be true when present', record);
    envelope.plainRecord = true;
  }
  return envelope;
}

/** What a refused body still says of its job: its id and task, when they are well-formed. */
function salvageOf(record: Record<string, unknown>): EnvelopeSalvage {
  return {
    ...(isId(record.id) ? { id: record.id } : {}),
    ...(typeof record.task === 'string' && record.task.length > 0 ? { task: record.task } : {}),
  };
}

/** Refuses a message body, with whatever job id and task could be read from it. */
function fail(reason: string, record: Record<string, unknown>): never {
  throw new MalformedMessageError(reason, { context: { ...salvageOf(record) } });
}

/**
 * The priority a message body asks for, without validating the rest: what routes a message to its
 * priority's queue. Anything unreadable goes to `normal`, where the worker records why it is malformed.
 */
export function priorityOfBody(body: string): Priority {
  if (!body.includes('"priority"')) return Priority.normal;
  try {
    const priority = (JSON.parse(body) as { priority?: unknown } | null)?.priority;
    return isPriority(priority) ? priority : Priority.normal;
  } catch {
    return Priority.normal;
  }
}

/** A full ISO 8601 time with its zone, such as EventBridge's `2026-11-23T13:05:00Z`. */
const isoTimePattern = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;

function isScheduleRef(value: unknown): value is ScheduleRef {
  if (typeof value !== 'object' || value === null) return false;
  const { name, overlap } = value as Record<string, unknown>;
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= 64 &&
    (overlap === 'allow' || overlap === 'skip')
  );
}

function isId(value: unknown): value is string {
  return jobIdProblem(value) === undefined;
}

/** The job id and task a malformed message still carried, if any. */
export function salvageFrom(error: MalformedMessageError): EnvelopeSalvage {
  const { id, task } = error.context as { id?: unknown; task?: unknown };
  return {
    ...(typeof id === 'string' ? { id } : {}),
    ...(typeof task === 'string' ? { task } : {}),
  };
}
