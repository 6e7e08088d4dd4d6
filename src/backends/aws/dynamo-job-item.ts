/**
 * How a job record is stored as a job-table item and read back: the index attributes it gains, the TTL
 * in epoch seconds, history events written without an attempt number, and the size error of an item
 * DynamoDB refuses.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { PayloadTooLargeError } from '../../core/errors.js';
import { type JobEvent, type JobRecord, JobStatus } from '../../core/job.js';
import { jsonBytes, limits } from '../../core/limits.js';
import { jobTable } from '../../core/names.js';
import { indexAttributes, indexOnlyAttributes } from './job-index.js';

/** A history event whose attempt number the writer could not know; filled in on read. */
type StoredEvent = Omit<JobEvent, 'attempt'> & { attempt?: number };

/** The item of a new job: the record plus the keys of the indexes it is listed in. */
export function toItem(job: JobRecord): Record<string, unknown> {
  return { ...job, ...indexAttributes(job) };
}

/**
 * Turns a stored item into a record. Events written without an attempt number (the writer could not
 * know it without a read) get it here: a `running` event starts the next attempt, unless the attempt
 * before it was interrupted (given back, so it starts again), and `queued` resets.
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
  const record: Record<string, unknown> = { logs: [], ...item, history };
  for (const attribute of indexOnlyAttributes) delete record[attribute];
  // The TTL attribute is in epoch seconds, as DynamoDB requires; records use milliseconds throughout.
  const ttl = item[jobTable.ttlAttribute];
  if (typeof ttl === 'number') record.expiresAt = ttl * 1000;
  return record as unknown as JobRecord;
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
