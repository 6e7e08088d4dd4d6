import { setTimeout as sleep } from 'node:timers/promises';
import { type AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  JobCancelledError,
  JobConflictError,
  JobNotFoundError,
  LockLostError,
  PayloadTooLargeError,
} from '../../core/errors.js';
import type { HandoffDelivery } from '../../core/handoff.js';
import {
  cancellableStatuses,
  claimableStatuses,
  countJob,
  emptyStatusCounts,
  type JobCounts,
  type JobEvent,
  type JobLimited,
  type JobPage,
  type JobQuery,
  type JobRecord,
  JobStatus,
  jobStatuses,
  retryableStatuses,
} from '../../core/job.js';
import { jsonBytes, limits } from '../../core/limits.js';
import { type jobIndexes, jobTable } from '../../core/names.js';
import { decodeCursor, encodeCursor, resolvePageSize } from '../../core/paging.js';
import type {
  ClaimRequest,
  ClaimResult,
  Completion,
  Fence,
  JobStore,
  JobTouch,
  KeyHold,
  KeyHoldRequest,
  LimitedNote,
  RateRequest,
  RejectRequest,
  ScheduleHold,
  SlotGrant,
  SlotRequest,
} from '../../core/ports.js';
import { isExpired } from '../../core/retention.js';
import { lostAttemptRecord, requeueClears, statusEvent } from '../../core/transitions.js';
import { DynamoLimits } from './dynamo-limits.js';
import { countsFromItem, countsKey } from './job-counts.js';
import {
  indexAttributes,
  indexOnlyAttributes,
  shardKeys,
  statusShardKey,
  taskShardKey,
  timeShardKey,
} from './job-index.js';
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
  readonly #limits: DynamoLimits;

  constructor(options: DynamoJobStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#limits = new DynamoLimits(options.client, options.tableName);
  }

  async create(job: JobRecord): Promise<void> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...job, ...indexAttributes(job) },
          // An expired job counts as deleted (TTL is just late), so its id may be used again.
          ConditionExpression: 'attribute_not_exists(#id) OR #ttl <= :now',
          ExpressionAttributeNames: { '#id': jobTable.partitionKey, '#ttl': jobTable.ttlAttribute },
          ExpressionAttributeValues: { ':now': Date.now() / 1000 },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new JobConflictError(job.id, 'create', 'already existing');
      throw translateSizeError(error, job);
    }
  }

  async holdSchedule(schedule: string, jobId: string, replacing?: string): Promise<ScheduleHold> {
    const hold = await this.#limits.hold(scheduleHoldKey(schedule), jobId, replacing);
    return hold.held ? hold : { held: false, holder: String(hold.item.holder ?? '') };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const output = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: { [jobTable.partitionKey]: id }, ConsistentRead: true }),
    );
    const job = output.Item ? fromItem(output.Item) : undefined;
    // TTL deletes an expired item within a day or two; until then it reads as already gone.
    return job && !isExpired(job) ? job : undefined;
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const u = new UpdateExpression();
    const { envelope } = request;
    u.setIfMissing('task', envelope.task)
      .setIfMissing(jobTable.taskIndex.partitionKey, taskShardKey(envelope.task, envelope.id))
      .setIfMissing(jobTable.timeIndex.partitionKey, timeShardKey(envelope.id))
      .setIfMissing('args', envelope.args ?? null)
      .setIfMissing('maxAttempts', request.maxAttempts)
      .setIfMissing('enqueuedAt', envelope.enqueuedAt)
      .setIfMissing('logs', [])
      .setIfMissing('startedAt', request.now)
      .increment('attempts')
      .set('status', JobStatus.running)
      .set(jobTable.statusIndex.partitionKey, statusShardKey(JobStatus.running, envelope.id))
      .set('workerId', request.workerId)
      .set('heartbeatAt', request.now)
      .set('leaseExpiresAt', request.leaseExpiresAt)
      .set('leaseToken', request.token)
      .append('history', [withoutAttempt(statusEvent(JobStatus.running, request.now, 0, request.workerId))])
      .remove('nextAttemptAt');
    if (envelope.schedule) u.setIfMissing('schedule', envelope.schedule.name);
    if (envelope.argsRef) u.setIfMissing('argsRef', envelope.argsRef);
    if (envelope.priority) u.setIfMissing('priority', envelope.priority);
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

  async touch(id: string, fence: Fence, touch: JobTouch): Promise<JobRecord> {
    const u = new UpdateExpression().set('heartbeatAt', touch.at);
    if (touch.leaseExpiresAt !== undefined) u.set('leaseExpiresAt', touch.leaseExpiresAt);
    if (touch.progress !== undefined) u.set('progress', touch.progress);
    if (touch.handoff) u.set('handoff', touch.handoff);
    else if (touch.handoff === null) u.remove('handoff');
    u.append('logs', touch.logs ?? []);
    // ALL_NEW costs no read capacity: the heartbeat learns of a cancel request or a delivery for free.
    return fromItem(await this.#fencedUpdate(id, fence, u));
  }

  async registerHandoff(id: string, delivery: HandoffDelivery): Promise<boolean> {
    const u = new UpdateExpression().setPath(['handoff', 'delivery'], delivery);
    const condition = `${u.compare('status', '=', JobStatus.running)} AND attribute_exists(${u.name('handoff')})`;
    try {
      await this.#update(id, u, condition, 'NONE');
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async complete(id: string, fence: Fence, completion: Completion): Promise<JobRecord> {
    const u = new UpdateExpression()
      .set('status', completion.status)
      .set(jobTable.statusIndex.partitionKey, statusShardKey(completion.status, id))
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
      .remove('leaseExpiresAt', 'leaseToken', 'handoff');
    if (completion.progress) u.set('progress', completion.progress);
    if (completion.expiresAt !== undefined && completion.status !== 'retrying') {
      u.set(jobTable.ttlAttribute, ttlSeconds(completion.expiresAt));
    }
    if (completion.status === 'succeeded') {
      u.set('result', completion.result).set('finishedAt', completion.at).remove('error');
      if (completion.resultRef) u.set('resultRef', completion.resultRef);
    } else if (completion.status === 'retrying') {
      u.set('error', completion.error).set('nextAttemptAt', completion.nextAttemptAt);
    } else {
      u.set('error', completion.error)
        .set('finishedAt', completion.at)
        .set('deadLettered', completion.deadLettered);
    }
    // A cancel requested while the attempt was failing must not be lost to a retry.
    const notCancelled =
      completion.status === 'retrying' ? `attribute_not_exists(${u.name('cancelRequestedAt')})` : undefined;
    const item = await this.#fencedUpdate(id, fence, u, notCancelled);
    return fromItem(item);
  }

  async reject(request: RejectRequest): Promise<boolean> {
    const status = request.status ?? JobStatus.failed;
    const u = new UpdateExpression()
      .setIfMissing('task', request.task)
      .setIfMissing(jobTable.taskIndex.partitionKey, taskShardKey(request.task, request.id))
      .setIfMissing(jobTable.timeIndex.partitionKey, timeShardKey(request.id))
      .setIfMissing('args', request.args ?? null)
      .setIfMissing('maxAttempts', request.maxAttempts)
      .setIfMissing('enqueuedAt', request.enqueuedAt ?? request.at)
      .setIfMissing('logs', [])
      .setIfMissing('attempts', 0)
      .set('status', status)
      .set(jobTable.statusIndex.partitionKey, statusShardKey(status, request.id))
      .set('error', request.error)
      .set('deadLettered', request.deadLettered)
      .set('finishedAt', request.at)
      .append('history', [withoutAttempt(statusEvent(status, request.at, 0, undefined, request.error))])
      .remove('leaseExpiresAt', 'leaseToken', 'handoff');
    if (request.expiresAt !== undefined) u.set(jobTable.ttlAttribute, ttlSeconds(request.expiresAt));
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

  /**
   * One conditional write for a queued or retrying job; a running one takes a second, which records the
   * request. Should the job change status between the two (a retry ends), the first is tried again.
   */
  async cancel(id: string, at: number, expiresAt?: number): Promise<JobRecord> {
    for (let tries = 1; ; tries++) {
      try {
        return await this.#cancelUnstarted(id, at, expiresAt);
      } catch (error) {
        if (!(error instanceof JobConflictError) || error.context.status !== JobStatus.running || tries >= 3)
          throw error;
      }
      const requested = await this.#requestCancel(id, at);
      if (requested) return requested;
    }
  }

  /** Marks a running job for its worker to cancel; undefined when it is no longer running. */
  async #requestCancel(id: string, at: number): Promise<JobRecord | undefined> {
    const u = new UpdateExpression().setIfMissing('cancelRequestedAt', at);
    try {
      return fromItem(
        (await this.#update(id, u, u.compare('status', '=', JobStatus.running), 'ALL_NEW')) ?? {},
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async #cancelUnstarted(id: string, at: number, expiresAt?: number): Promise<JobRecord> {
    const u = new UpdateExpression()
      .set('status', JobStatus.cancelled)
      .set(jobTable.statusIndex.partitionKey, statusShardKey(JobStatus.cancelled, id))
      .set('finishedAt', at)
      .append('history', [withoutAttempt(statusEvent(JobStatus.cancelled, at, 0))])
      .remove('nextAttemptAt');
    if (expiresAt !== undefined) u.set(jobTable.ttlAttribute, ttlSeconds(expiresAt));
    const condition = `attribute_exists(${u.name(jobTable.partitionKey)}) AND ${u.in('status', cancellableStatuses)}`;
    return this.#operatorUpdate(id, 'cancel', u, condition);
  }

  async requeue(id: string, at: number): Promise<JobRecord> {
    const u = new UpdateExpression()
      .set('status', JobStatus.queued)
      .set(jobTable.statusIndex.partitionKey, statusShardKey(JobStatus.queued, id))
      .set('attempts', 0)
      .set('enqueuedAt', at)
      .append('history', [statusEvent(JobStatus.queued, at, 0)])
      .remove(...requeueClears);
    const condition = `attribute_exists(${u.name(jobTable.partitionKey)}) AND ${u.in('status', retryableStatuses)}`;
    return this.#operatorUpdate(id, 'retry', u, condition);
  }

  /**
   * Lists from the index for the filter (by status, by task, or every job by time): each of the value's
   * shards is queried newest first from the cursor on, the shards are merged, and the page's items are
   * read with BatchGetItem (the indexes carry keys only, so updates that do not change a key never write
   * to them). A job whose status changed between the index read and the item read is left out.
   */
  async list(query: JobQuery): Promise<JobPage> {
    const limit = resolvePageSize(query.limit);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const index =
      query.status !== undefined
        ? { spec: jobTable.statusIndex, value: query.status }
        : query.task !== undefined
          ? { spec: jobTable.taskIndex, value: query.task }
          : { spec: jobTable.timeIndex, value: 'all' };
    const before = Math.min(
      after ? after.enqueuedAt : Number.POSITIVE_INFINITY,
      query.enqueuedBefore !== undefined ? query.enqueuedBefore - 1 : Number.POSITIVE_INFINITY,
    );
    const isAfterCursor = (key: IndexKey) =>
      !after ||
      key.enqueuedAt < after.enqueuedAt ||
      (key.enqueuedAt === after.enqueuedAt && key.id < after.id);
    const taskFilter = query.status !== undefined && query.task !== undefined ? query.task : undefined;

    const perShard = await Promise.all(
      shardKeys(index.value).map((partition) =>
        this.#queryShard(index.spec, partition, before, limit, isAfterCursor, taskFilter),
      ),
    );
    const candidates = perShard
      .flatMap((shard) => shard.keys)
      .sort((a, b) => b.enqueuedAt - a.enqueuedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const page = candidates.slice(0, limit);
    const more = candidates.length > limit || perShard.some((shard) => shard.more);
    const items = await this.#batchGet(page.map((key) => key.id));
    const jobs = page
      .map((key) => items.get(key.id))
      .filter((job): job is JobRecord => job !== undefined && !isExpired(job))
      .filter(
        (job) =>
          (query.status === undefined || job.status === query.status) &&
          (query.task === undefined || job.task === query.task),
      );
    const last = page.at(-1);
    return {
      jobs,
      ...(more && last ? { nextCursor: encodeCursor({ enqueuedAt: last.enqueuedAt, id: last.id }) } : {}),
    };
  }

  /** Up to `limit` keys of one index shard, newest first, after the cursor. */
  async #queryShard(
    spec: (typeof jobIndexes)[number],
    partition: string,
    before: number,
    limit: number,
    isAfterCursor: (key: IndexKey) => boolean,
    task: string | undefined,
  ): Promise<{ keys: IndexKey[]; more: boolean }> {
    const keys: IndexKey[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: spec.name,
          KeyConditionExpression: Number.isFinite(before) ? '#pk = :pk AND #sk <= :before' : '#pk = :pk',
          ...(task !== undefined ? { FilterExpression: '#task = :task' } : {}),
          ExpressionAttributeNames: {
            '#pk': spec.partitionKey,
            ...(Number.isFinite(before) ? { '#sk': spec.sortKey } : {}),
            ...(task !== undefined ? { '#task': 'task' } : {}),
          },
          ExpressionAttributeValues: {
            ':pk': partition,
            ...(Number.isFinite(before) ? { ':before': before } : {}),
            ...(task !== undefined ? { ':task': task } : {}),
          },
          ScanIndexForward: false,
          Limit: limit - keys.length + 1,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        } satisfies QueryCommandInput),
      );
      for (const item of output.Items ?? []) {
        const key = { id: String(item[jobTable.partitionKey]), enqueuedAt: Number(item[spec.sortKey]) };
        if (isAfterCursor(key)) keys.push(key);
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey && keys.length < limit);
    return { keys: keys.slice(0, limit), more: keys.length > limit || startKey !== undefined };
  }

  /** Reads items by id, 100 per request, retrying what DynamoDB leaves unprocessed. */
  async #batchGet(ids: readonly string[]): Promise<Map<string, JobRecord>> {
    const found = new Map<string, JobRecord>();
    for (let i = 0; i < ids.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = ids
        .slice(i, i + 100)
        .map((id) => ({ [jobTable.partitionKey]: id }));
      for (let round = 0; keys?.length && round < 8; round++) {
        if (round > 0) await sleep(25 * 2 ** round);
        const output = await this.#client.send(
          new BatchGetCommand({ RequestItems: { [this.#table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of output.Responses?.[this.#table] ?? []) {
          const job = fromItem(item);
          found.set(job.id, job);
        }
        keys = output.UnprocessedKeys?.[this.#table]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return found;
  }

  /**
   * The counters the stream aggregator keeps (one GetItem), when it runs; otherwise counted from the
   * status index.
   */
  async counts(): Promise<JobCounts> {
    const output = await this.#client.send(
      new GetCommand({
        TableName: this.#table,
        Key: { [jobTable.partitionKey]: countsKey },
        ConsistentRead: true,
      }),
    );
    return countsFromItem(output.Item, Date.now()) ?? (await this.countFromIndex());
  }

  /**
   * Counts by reading the status index's keys and task (every shard of every status, in parallel). One
   * read unit covers about 60 index entries, so a million jobs cost about 8 000 read units: fine for a
   * `longhaul stats` now and then, too much to refresh a dashboard every second; deploy the counts
   * aggregator (the CDK construct does) for that.
   */
  async countFromIndex(): Promise<JobCounts> {
    const byStatus = emptyStatusCounts();
    const byTask: Record<string, Record<JobStatus, number>> = {};
    await Promise.all(
      jobStatuses.flatMap((status) =>
        shardKeys(status).map(async (partition) => {
          let startKey: Record<string, unknown> | undefined;
          do {
            const output = await this.#client.send(
              new QueryCommand({
                TableName: this.#table,
                IndexName: jobTable.statusIndex.name,
                KeyConditionExpression: '#pk = :pk',
                ProjectionExpression: '#task',
                ExpressionAttributeNames: { '#pk': jobTable.statusIndex.partitionKey, '#task': 'task' },
                ExpressionAttributeValues: { ':pk': partition },
                ...(startKey ? { ExclusiveStartKey: startKey } : {}),
              }),
            );
            for (const item of output.Items ?? []) countJob({ byStatus, byTask }, String(item.task), status);
            startKey = output.LastEvaluatedKey;
          } while (startKey);
        }),
      ),
    );
    return { byStatus, byTask, at: Date.now(), source: 'exact' };
  }

  /** The first key of each of the status's shards, oldest first: sixteen one-item queries. */
  async oldest(status: JobStatus): Promise<{ id: string; enqueuedAt: number } | undefined> {
    const { statusIndex } = jobTable;
    const firsts = await Promise.all(
      shardKeys(status).map(async (partition) => {
        const output = await this.#client.send(
          new QueryCommand({
            TableName: this.#table,
            IndexName: statusIndex.name,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': statusIndex.partitionKey },
            ExpressionAttributeValues: { ':pk': partition },
            ScanIndexForward: true,
            Limit: 1,
          }),
        );
        const item = output.Items?.[0];
        return (
          item && { id: String(item[jobTable.partitionKey]), enqueuedAt: Number(item[statusIndex.sortKey]) }
        );
      }),
    );
    return firsts.reduce<IndexKey | undefined>(
      (first, key) => (key && (!first || key.enqueuedAt < first.enqueuedAt) ? key : first),
      undefined,
    );
  }

  async remove(ids: readonly string[]): Promise<string[]> {
    const removed: string[] = [];
    const queue = [...ids];
    // Ten at a time: conditional deletes cannot be batched (BatchWriteItem takes no conditions).
    await Promise.all(
      Array.from({ length: Math.min(10, queue.length) }, async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          try {
            await this.#client.send(
              new DeleteCommand({
                TableName: this.#table,
                Key: { [jobTable.partitionKey]: id },
                ConditionExpression: '#status IN (:s0, :s1, :s2)',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':s0': JobStatus.succeeded,
                  ':s1': JobStatus.failed,
                  ':s2': JobStatus.cancelled,
                },
              }),
            );
            removed.push(id);
          } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
          }
        }
      }),
    );
    return removed;
  }

  holdKey(request: KeyHoldRequest): Promise<KeyHold> {
    return this.#limits.holdKey(request);
  }

  acquireSlot(request: SlotRequest): Promise<SlotGrant> {
    return this.#limits.acquireSlot(request);
  }

  renewSlot(limit: string, token: string, leaseExpiresAt: number): Promise<boolean> {
    return this.#limits.renewSlot(limit, token, leaseExpiresAt);
  }

  releaseSlot(limit: string, token: string, expiredBefore?: number): Promise<boolean> {
    return this.#limits.releaseSlot(limit, token, expiredBefore);
  }

  takeRateStart(request: RateRequest): Promise<boolean> {
    return this.#limits.takeRateStart(request);
  }

  async noteLimited(id: string, limited: JobLimited): Promise<LimitedNote> {
    const u = new UpdateExpression().set('limited', limited);
    const condition = `attribute_exists(${u.name(jobTable.partitionKey)}) AND ${u.in('status', claimableStatuses)}`;
    try {
      await this.#update(id, u, condition, 'NONE');
      return { noted: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = error.Item ? fromItem(unmarshallIfRaw(error.Item)) : await this.get(id);
      return current ? { noted: false, job: current } : { noted: false };
    }
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

  /**
   * An update of the attempt under `fence`. With `unlessCancelled` (a condition that fails once a cancel
   * was requested), a failure of that condition alone throws `JobCancelledError` instead of lock lost.
   */
  async #fencedUpdate(
    id: string,
    fence: Fence,
    u: UpdateExpression,
    unlessCancelled?: string,
  ): Promise<Record<string, unknown>> {
    const fenced = [
      u.compare('status', '=', JobStatus.running),
      u.compare('attempts', '=', fence.attempt),
      u.compare('leaseToken', '=', fence.token),
    ];
    const condition = [...fenced, ...(unlessCancelled ? [unlessCancelled] : [])].join(' AND ');
    try {
      return (await this.#update(id, u, condition, 'ALL_NEW')) ?? {};
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (unlessCancelled) {
        const current = error.Item ? fromItem(unmarshallIfRaw(error.Item)) : await this.get(id);
        if (
          current?.status === JobStatus.running &&
          current.attempts === fence.attempt &&
          current.leaseToken === fence.token &&
          current.cancelRequestedAt !== undefined
        ) {
          throw new JobCancelledError(id);
        }
      }
      throw new LockLostError(id, fence.attempt);
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
      if (!current || isExpired(current)) throw new JobNotFoundError(id);
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
/** An index entry: enough to order and fetch a job. */
interface IndexKey {
  readonly id: string;
  readonly enqueuedAt: number;
}

/** DynamoDB's TTL reads epoch seconds; rounding up never expires a job early. */
function ttlSeconds(expiresAtMs: number): number {
  return Math.ceil(expiresAtMs / 1000);
}

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
  const record: Record<string, unknown> = { logs: [], ...item, history };
  for (const attribute of indexOnlyAttributes) delete record[attribute];
  // The TTL attribute is in epoch seconds, as DynamoDB requires; records use milliseconds throughout.
  const ttl = item[jobTable.ttlAttribute];
  if (typeof ttl === 'number') record.expiresAt = ttl * 1000;
  return record as unknown as JobRecord;
}

/** The item of a failed condition comes back in DynamoDB's wire format, even through the document client. */
function unmarshallIfRaw(item: Record<string, unknown>): Record<string, unknown> {
  const id = item[jobTable.partitionKey];
  return typeof id === 'object' && id !== null && 'S' in id
    ? unmarshall(item as Record<string, AttributeValue>)
    : item;
}
