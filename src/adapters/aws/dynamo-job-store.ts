import { type AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  ConfigError,
  JobConflictError,
  JobNotFoundError,
  LockLostError,
  PayloadTooLargeError,
} from '../../core/errors.js';
import {
  cancellableStatuses,
  claimableStatuses,
  type JobEvent,
  type JobPage,
  type JobQuery,
  type JobRecord,
  JobStatus,
  retryableStatuses,
} from '../../core/job.js';
import { jsonBytes, limits } from '../../core/limits.js';
import { resolvePageSize } from '../../core/paging.js';
import { lostAttemptRecord, requeueClears, statusEvent } from '../../core/transitions.js';
import { jobTable } from '../../names.js';
import type {
  ClaimRequest,
  ClaimResult,
  Completion,
  Fence,
  JobStore,
  JobTouch,
  RejectRequest,
  ScheduleHold,
} from '../../ports.js';
import { UpdateExpression } from './update-expression.js';

/** Where the DynamoDB job store keeps its records. */
export interface DynamoJobStoreOptions {
  /** A document client (`DynamoDBDocumentClient.from(new DynamoDBClient(...))`). */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** A history event whose attempt number the writer could not know; filled in on read. */
type StoredEvent = Omit<JobEvent, 'attempt'> & { attempt?: number };

/**
 * Job records in a DynamoDB table. Every status change is one conditional `UpdateItem`, so two workers
 * can never both start an attempt and a finished job never goes back to running. A failed condition
 * returns the item as it stood (`ReturnValuesOnConditionCheckFailure`), so explaining it costs no read.
 */
export class DynamoJobStore implements JobStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoJobStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async create(job: JobRecord): Promise<void> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: job,
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': jobTable.partitionKey },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new JobConflictError(job.id, 'create', 'already existing');
      throw translateSizeError(error, job);
    }
  }

  async holdSchedule(schedule: string, jobId: string, replacing?: string): Promise<ScheduleHold> {
    const holders = [jobId, ...(replacing === undefined ? [] : [replacing])];
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          // Beside the jobs, but without status or task: never in an index, and skipped by scans.
          Item: { [jobTable.partitionKey]: scheduleHoldKey(schedule), holder: jobId },
          ConditionExpression: `attribute_not_exists(#id) OR #holder IN (${holders.map((_, i) => `:h${i}`).join(', ')})`,
          ExpressionAttributeNames: { '#id': jobTable.partitionKey, '#holder': 'holder' },
          ExpressionAttributeValues: Object.fromEntries(holders.map((h, i) => [`:h${i}`, h])),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { held: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const old = error.Item ? unmarshallIfRaw(error.Item) : undefined;
      return { held: false, holder: String(old?.holder ?? '') };
    }
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const output = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: { [jobTable.partitionKey]: id }, ConsistentRead: true }),
    );
    return output.Item ? fromItem(output.Item) : undefined;
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const u = new UpdateExpression();
    const { envelope } = request;
    u.setIfMissing('task', envelope.task)
      .setIfMissing('args', envelope.args ?? null)
      .setIfMissing('maxAttempts', request.maxAttempts)
      .setIfMissing('enqueuedAt', envelope.enqueuedAt)
      .setIfMissing('logs', [])
      .setIfMissing('startedAt', request.now)
      .increment('attempts')
      .set('status', JobStatus.running)
      .set('workerId', request.workerId)
      .set('heartbeatAt', request.now)
      .set('leaseExpiresAt', request.leaseExpiresAt)
      .set('leaseToken', request.token)
      .append('history', [withoutAttempt(statusEvent(JobStatus.running, request.now, 0, request.workerId))])
      .remove('nextAttemptAt');
    if (envelope.schedule) u.setIfMissing('schedule', envelope.schedule.name);
    const condition = `attribute_not_exists(${u.name(jobTable.partitionKey)}) OR ${u.in('status', claimableStatuses)}`;
    return this.#claimUpdate(envelope.id, u, condition);
  }

  async takeOver(
    request: ClaimRequest,
    lostJob: Pick<JobRecord, 'attempts' | 'workerId'>,
  ): Promise<ClaimResult> {
    const lostAttempt = lostJob.attempts;
    const lost = lostAttemptRecord(lostJob, request.now);
    const u = new UpdateExpression();
    u.set('attempts', lostAttempt + 1)
      .set('workerId', request.workerId)
      .set('heartbeatAt', request.now)
      .set('leaseExpiresAt', request.leaseExpiresAt)
      .set('leaseToken', request.token)
      .set('error', lost.error)
      .append('history', [
        lost.event,
        statusEvent(JobStatus.running, request.now, lostAttempt + 1, request.workerId),
      ]);
    const condition = [
      u.compare('status', '=', JobStatus.running),
      u.compare('attempts', '=', lostAttempt),
      u.compare('leaseExpiresAt', '<', request.now),
    ].join(' AND ');
    return this.#claimUpdate(request.envelope.id, u, condition);
  }

  async touch(id: string, fence: Fence, touch: JobTouch): Promise<void> {
    const u = new UpdateExpression().set('heartbeatAt', touch.at);
    if (touch.leaseExpiresAt !== undefined) u.set('leaseExpiresAt', touch.leaseExpiresAt);
    if (touch.progress !== undefined) u.set('progress', touch.progress);
    u.append('logs', touch.logs ?? []);
    await this.#fencedUpdate(id, fence, u);
  }

  async complete(id: string, fence: Fence, completion: Completion): Promise<JobRecord> {
    const u = new UpdateExpression()
      .set('status', completion.status)
      .append('logs', completion.logs)
      .append('history', [
        statusEvent(
          completion.status,
          completion.at,
          fence.attempt,
          fence.workerId,
          completion.status === 'succeeded' ? undefined : completion.error,
        ),
      ])
      .remove('leaseExpiresAt', 'leaseToken');
    if (completion.progress) u.set('progress', completion.progress);
    if (completion.status === 'succeeded') {
      u.set('result', completion.result).set('finishedAt', completion.at).remove('error');
    } else if (completion.status === 'retrying') {
      u.set('error', completion.error).set('nextAttemptAt', completion.nextAttemptAt);
    } else {
      u.set('error', completion.error)
        .set('finishedAt', completion.at)
        .set('deadLettered', completion.deadLettered);
    }
    const item = await this.#fencedUpdate(id, fence, u);
    return fromItem(item);
  }

  async reject(request: RejectRequest): Promise<boolean> {
    const u = new UpdateExpression()
      .setIfMissing('task', request.task)
      .setIfMissing('args', request.args ?? null)
      .setIfMissing('maxAttempts', request.maxAttempts)
      .setIfMissing('enqueuedAt', request.enqueuedAt ?? request.at)
      .setIfMissing('logs', [])
      .setIfMissing('attempts', 0)
      .set('status', JobStatus.failed)
      .set('error', request.error)
      .set('deadLettered', request.deadLettered)
      .set('finishedAt', request.at)
      .append('history', [
        withoutAttempt(statusEvent(JobStatus.failed, request.at, 0, undefined, request.error)),
      ])
      .remove('leaseExpiresAt', 'leaseToken');
    const guard = request.guard;
    const condition =
      guard.kind === 'unstarted'
        ? `attribute_not_exists(${u.name(jobTable.partitionKey)}) OR ${u.in('status', claimableStatuses)}`
        : [
            u.compare('status', '=', JobStatus.running),
            u.compare('attempts', '=', guard.attempt),
            u.compare('leaseExpiresAt', '<', guard.now),
          ].join(' AND ');
    try {
      await this.#update(request.id, u, condition, 'NONE');
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async cancel(id: string, at: number): Promise<JobRecord> {
    const u = new UpdateExpression()
      .set('status', JobStatus.cancelled)
      .set('finishedAt', at)
      .append('history', [withoutAttempt(statusEvent(JobStatus.cancelled, at, 0))])
      .remove('nextAttemptAt');
    const condition = `attribute_exists(${u.name(jobTable.partitionKey)}) AND ${u.in('status', cancellableStatuses)}`;
    return this.#operatorUpdate(id, 'cancel', u, condition);
  }

  async requeue(id: string, at: number): Promise<JobRecord> {
    const u = new UpdateExpression()
      .set('status', JobStatus.queued)
      .set('attempts', 0)
      .set('enqueuedAt', at)
      .append('history', [statusEvent(JobStatus.queued, at, 0)])
      .remove(...requeueClears);
    const condition = `attribute_exists(${u.name(jobTable.partitionKey)}) AND ${u.in('status', retryableStatuses)}`;
    return this.#operatorUpdate(id, 'retry', u, condition);
  }

  async list(query: JobQuery): Promise<JobPage> {
    const limit = resolvePageSize(query.limit);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    let keyCondition: string | undefined;
    let filter: string | undefined;
    let indexName: string | undefined;
    if (query.status !== undefined) {
      indexName = jobTable.statusIndex.name;
      names['#status'] = 'status';
      values[':status'] = query.status;
      keyCondition = '#status = :status';
      if (query.task !== undefined) {
        names['#task'] = 'task';
        values[':task'] = query.task;
        filter = '#task = :task';
      }
    } else if (query.task !== undefined) {
      indexName = jobTable.taskIndex.name;
      names['#task'] = 'task';
      values[':task'] = query.task;
      keyCondition = '#task = :task';
    } else {
      // A scan also meets the items that are not jobs (schedule holds): they have no status.
      names['#status'] = 'status';
      filter = 'attribute_exists(#status)';
    }
    const jobs: JobRecord[] = [];
    let startKey = query.cursor === undefined ? undefined : decodeKey(query.cursor);
    // A filter applies after DynamoDB's Limit, so keep reading until the page is full or the index ends.
    do {
      const base = {
        TableName: this.#table,
        Limit: limit - jobs.length,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        ...(filter ? { FilterExpression: filter } : {}),
      };
      const output = keyCondition
        ? await this.#client.send(
            new QueryCommand({
              ...base,
              IndexName: indexName,
              KeyConditionExpression: keyCondition,
              ScanIndexForward: false,
            } satisfies QueryCommandInput),
          )
        : await this.#client.send(new ScanCommand(base satisfies ScanCommandInput));
      jobs.push(...(output.Items ?? []).map(fromItem));
      startKey = output.LastEvaluatedKey;
    } while (startKey && jobs.length < limit);
    if (!keyCondition) jobs.sort((a, b) => b.enqueuedAt - a.enqueuedAt);
    return { jobs, ...(startKey ? { nextCursor: encodeKey(startKey) } : {}) };
  }

  async #claimUpdate(id: string, u: UpdateExpression, condition: string): Promise<ClaimResult> {
    try {
      const output = await this.#update(id, u, condition, 'ALL_NEW');
      return { claimed: true, job: fromItem(output ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = error.Item ? fromItem(unmarshallIfRaw(error.Item)) : await this.get(id);
      if (!current) throw new JobNotFoundError(id);
      return { claimed: false, job: current };
    }
  }

  async #fencedUpdate(id: string, fence: Fence, u: UpdateExpression): Promise<Record<string, unknown>> {
    const condition = [
      u.compare('status', '=', JobStatus.running),
      u.compare('attempts', '=', fence.attempt),
      u.compare('leaseToken', '=', fence.token),
    ].join(' AND ');
    try {
      return (await this.#update(id, u, condition, 'ALL_NEW')) ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new LockLostError(id, fence.attempt);
      throw error;
    }
  }

  async #operatorUpdate(
    id: string,
    operation: string,
    u: UpdateExpression,
    condition: string,
  ): Promise<JobRecord> {
    try {
      return fromItem((await this.#update(id, u, condition, 'ALL_NEW')) ?? {});
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = error.Item ? fromItem(unmarshallIfRaw(error.Item)) : await this.get(id);
      if (!current) throw new JobNotFoundError(id);
      throw new JobConflictError(id, operation, current.status);
    }
  }

  async #update(
    id: string,
    u: UpdateExpression,
    condition: string,
    returnValues: 'ALL_NEW' | 'NONE',
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const output = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { [jobTable.partitionKey]: id },
          UpdateExpression: u.updateExpression,
          ConditionExpression: condition,
          ...u.parameters,
          ReturnValues: returnValues,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return output.Attributes;
    } catch (error) {
      throw translateSizeError(error, u.values);
    }
  }
}

/** DynamoDB refuses an item over 400 KB with a ValidationException; that is a domain error here. */
function scheduleHoldKey(schedule: string): string {
  return `${jobTable.scheduleHoldPrefix}${schedule}`;
}

function translateSizeError(error: unknown, written: unknown): unknown {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (name === 'ValidationException' && typeof message === 'string' && /item size/i.test(message)) {
    return new PayloadTooLargeError('Job record', jsonBytes(written), limits.maxRecordBytes);
  }
  return error;
}

function withoutAttempt(event: JobEvent): StoredEvent {
  const { attempt: _unknown, ...rest } = event;
  return rest;
}

/**
 * Turns a stored item into a record. Events written without an attempt number (the writer could not
 * know it without a read) get it here: a `running` event starts the next attempt, `queued` resets.
 */
function fromItem(item: Record<string, unknown>): JobRecord {
  let attempt = 0;
  const history = ((item.history as StoredEvent[] | undefined) ?? []).map((event): JobEvent => {
    if (event.attempt !== undefined) attempt = event.attempt;
    else if (event.status === JobStatus.running) attempt += 1;
    return { ...event, attempt };
  });
  return { logs: [], ...item, history } as unknown as JobRecord;
}

/** The item of a failed condition comes back in DynamoDB's wire format, even through the document client. */
function unmarshallIfRaw(item: Record<string, unknown>): Record<string, unknown> {
  const id = item[jobTable.partitionKey];
  return typeof id === 'object' && id !== null && 'S' in id
    ? unmarshall(item as Record<string, AttributeValue>)
    : item;
}

function encodeKey(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeKey(cursor: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof (key as Record<string, unknown> | null)?.[jobTable.partitionKey] === 'string') {
      return key as Record<string, unknown>;
    }
  } catch {
    // fall through to the error below
  }
  throw new ConfigError(
    `Expected \`cursor\` to be a \`nextCursor\` from a previous page, got ${JSON.stringify(cursor)}`,
  );
}
