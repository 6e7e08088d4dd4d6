/**
 * How a job record is stored as a job-table item and read back: the index attributes it gains, the TTL
 * in epoch seconds, history events written without an attempt number, the success event the record's
 * own fields state, and the size error of an item DynamoDB refuses.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { PayloadTooLargeError } from '../../core/errors.js';
import { type JobEvent, type JobRecord, JobStatus } from '../../core/job.js';
import { jsonBytes, limits } from '../../core/limits.js';
import { jobTable } from '../../core/names.js';
import type { Completion } from '../../core/ports.js';
import { statusEvent } from '../../core/transitions.js';
import { indexAttributes, indexOnlyAttributes } from './job-index.js';

/** A history event whose attempt number the writer could not know; filled in on read. */
type StoredEvent = Omit<JobEvent, 'attempt'> & { attempt?: number };

/**
 * The item of a new job: the record plus the keys of the indexes it is listed in, without what
 * {@link fromItem} fills in (empty `logs`, `attempts` 0, the attempt 0 of a first event that starts
 * none): three attribute values fewer to send, check and store for every job enqueued. A claim, a log
 * line or a cancel writes them (each with `if_not_exists`).
 */
export function toItem(job: JobRecord): Record<string, unknown> {
  const { logs, attempts, history, ...rest } = job;
  const [first, ...later] = history;
  const firstWithoutAttempt = first?.attempt === 0 && first.status !== JobStatus.running;
  return {
    ...rest,
    ...(logs.length > 0 ? { logs } : {}),
    ...(attempts !== 0 ? { attempts } : {}),
    history: firstWithoutAttempt ? [withoutAttempt(first), ...later] : history,
    ...indexAttributes(job),
  };
}

/**
 * Whether the write ending an attempt with `completion` appends its history event. A success that was
 * not handed back does not: the event would say again what the record's `status`, `finishedAt`,
 * `attempts` and `workerId` say, and a succeeded job never changes again, so {@link fromItem} restores
 * it as the last event. That spares every successful job's completion a `list_append` of a map, the
 * costliest clause it had on the emulators (docs/benchmarks-hot-path.md, eighth pass).
 */
export function storesCompletionEvent(completion: Completion): boolean {
  return completion.status !== JobStatus.succeeded || completion.interrupted === true;
}

/**
 * Turns a stored item into a record. Events written without an attempt number (the writer could not
 * know it without a read) get it here: a `running` event starts the next attempt, unless the attempt
 * before it was interrupted (given back, so it starts again), and `queued` resets. A succeeded job's
 * last event is restored from the record when its completion did not store it
 * ({@link storesCompletionEvent}).
 */
export function fromItem(item: Record<string, unknown>): JobRecord {
  let attempt = 0;
  let givenBack = false;
  const history = ((item.history as StoredEvent[] | undefined) ?? []).map((event): JobEvent => {
    if (event.attempt !== undefined) attempt = event.attempt;
    else if (event.status === JobStatus.running && !givenBack) attempt += 1;
    givenBack = event.interrupted === true;
    return { ...event, attempt };
  });
  const success = impliedSuccessEvent(item, history.at(-1));
  if (success) history.push(success);
  const record: Record<string, unknown> = { logs: [], attempts: 0, ...item, history };
  for (const attribute of indexOnlyAttributes) delete record[attribute];
  // The TTL attribute is in epoch seconds, as DynamoDB requires; records use milliseconds throughout.
  const ttl = item[jobTable.ttlAttribute];
  if (typeof ttl === 'number') record.expiresAt = ttl * 1000;
  return record as unknown as JobRecord;
}

/** The event a succeeded item's completion left unwritten; undefined when it is stored, or the job has not succeeded. */
function impliedSuccessEvent(
  item: Record<string, unknown>,
  last: JobEvent | undefined,
): JobEvent | undefined {
  if (item.status !== JobStatus.succeeded || last?.status === JobStatus.succeeded) return undefined;
  const { finishedAt, attempts, workerId } = item;
  if (typeof finishedAt !== 'number') return undefined;
  return statusEvent(
    JobStatus.succeeded,
    finishedAt,
    typeof attempts === 'number' ? attempts : 0,
    typeof workerId === 'string' ? workerId : undefined,
  );
}

/** The item of a failed condition comes back in DynamoDB's wire format, even through the document client. */
export function unmarshallIfRaw(item: Record<string, unknown>): Record<string, unknown> {
  const id = item[jobTable.partitionKey];
  return typeof id === 'object' && id !== null && 'S' in id
    ? unmarshall(item as Record<string, AttributeValue>)
    : item;
}

/** An event for a write that cannot know the attempt number; {@link fromItem} fills it in. */
export function withoutAttempt(event: JobEvent): StoredEvent {
  const { attempt: _unknown, ...rest } = event;
  return rest;
}

/** DynamoDB's TTL reads epoch seconds; rounding up never expires a job early. */
export function ttlSeconds(expiresAtMs: number): number {
  return Math.ceil(expiresAtMs / 1000);
}

/** DynamoDB refuses an item over 400 KB with a ValidationException; that is a domain error here. */
export function translateSizeError(error: unknown, written: unknown): unknown {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (name === 'ValidationException' && typeof message === 'string' && /item size/i.test(message)) {
    return new PayloadTooLargeError('Job record', jsonBytes(written), limits.maxRecordBytes);
  }
  return error;
}
