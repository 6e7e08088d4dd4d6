import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HandoffDelivery } from '../../core/handoff.js';
import type { JobCounts, JobLimited, JobPage, JobQuery, JobRecord, JobStatus } from '../../core/job.js';
import { jobTable } from '../../core/names.js';
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
  NewJobsPut,
  RateRequest,
  RejectRequest,
  ScheduleHold,
  ScheduleResultPointer,
  SlotGrant,
  SlotRequest,
} from '../../core/ports.js';
import { completeJob, registerJobHandoff, touchJob } from './dynamo-job-attempts.js';
import { putNewJobs } from './dynamo-job-batch-put.js';
import { claimJob, createJob, noteJobLimited, rejectJob, takeOverJob } from './dynamo-job-claims.js';
import { listJobs } from './dynamo-job-listing.js';
import { cancelJob, removeJobs, requeueJob } from './dynamo-job-operator-actions.js';
import { countJobsFromIndex, oldestJob, readJobCounts, rebuildJobCounts } from './dynamo-job-stats.js';
import { getJob, type JobTable } from './dynamo-job-table.js';
import { DynamoLimits } from './dynamo-limits.js';
import { getScheduleResult, putScheduleResult } from './dynamo-schedule-results.js';
import {
  type JobIndexMigrationOptions,
  type JobIndexMigrationResult,
  migrateJobIndexes,
} from './job-index-migration.js';

/** Where the DynamoDB job store keeps its records. */
export interface DynamoJobStoreOptions {
  /** A document client (`DynamoDBDocumentClient.from(new DynamoDBClient(...))`). */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/**
 * Job records in a DynamoDB table. Every status change is one conditional `UpdateItem`, so two workers
 * can never both start an attempt and a finished job never goes back to running. A failed condition
 * returns the item as it stood (`ReturnValuesOnConditionCheckFailure`), so explaining it costs no read.
 *
 * The requests themselves live beside this class, one module per kind of write or read: the claims
 * (`dynamo-job-claims.ts`), the running attempt's writes (`dynamo-job-attempts.ts`), operator actions
 * (`dynamo-job-operator-actions.ts`), listing (`dynamo-job-listing.ts`), counts
 * (`dynamo-job-stats.ts`), and holds, slots and rate windows (`dynamo-limits.ts`).
 */
export class DynamoJobStore implements JobStore {
  readonly #table: JobTable;
  readonly #limits: DynamoLimits;

  constructor(options: DynamoJobStoreOptions) {
    this.#table = { client: options.client, tableName: options.tableName };
    this.#limits = new DynamoLimits(options.client, options.tableName);
  }

  create(job: JobRecord): Promise<void> {
    return createJob(this.#table, job);
  }

  /**
   * Unconditional `BatchWriteItem` puts, 25 per request and up to 16 requests in flight; unprocessed items
   * go again after a jittered exponential back-off, until `signal` aborts.
   */
  putNew(jobs: readonly JobRecord[], signal: AbortSignal): Promise<NewJobsPut> {
    return putNewJobs(this.#table, jobs, signal);
  }

  async holdSchedule(schedule: string, jobId: string, replacing?: string): Promise<ScheduleHold> {
    const hold = await this.#limits.hold(scheduleHoldKey(schedule), jobId, replacing);
    return hold.held ? hold : { held: false, holder: String(hold.item.holder ?? '') };
  }

  /** One conditional PutItem of the schedule's pointer item (see `dynamo-schedule-results.ts`). */
  noteScheduleResult(pointer: ScheduleResultPointer): Promise<boolean> {
    return putScheduleResult(this.#table, pointer);
  }

  /** One eventually consistent GetItem of the schedule's pointer item. */
  latestScheduleResult(schedule: string): Promise<ScheduleResultPointer | undefined> {
    return getScheduleResult(this.#table, schedule);
  }

  get(id: string): Promise<JobRecord | undefined> {
    return getJob(this.#table, id);
  }

  claim(request: ClaimRequest): Promise<ClaimResult> {
    return claimJob(this.#table, request);
  }

  takeOver(request: ClaimRequest, lostJob: Pick<JobRecord, 'attempts' | 'workerId'>): Promise<ClaimResult> {
    return takeOverJob(this.#table, request, lostJob);
  }

  touch(id: string, fence: Fence, touch: JobTouch): Promise<JobRecord> {
    return touchJob(this.#table, id, fence, touch);
  }

  registerHandoff(id: string, delivery: HandoffDelivery): Promise<boolean> {
    return registerJobHandoff(this.#table, id, delivery);
  }

  /** With `known`, the write returns nothing and the record is `known` with the completion applied. */
  complete(id: string, fence: Fence, completion: Completion, known?: JobRecord): Promise<JobRecord> {
    return completeJob(this.#table, id, fence, completion, known);
  }

  reject(request: RejectRequest): Promise<boolean> {
    return rejectJob(this.#table, request);
  }

  /**
   * One conditional write for a queued or retrying job; a running one takes a second, which records the
   * request. Should the job change status between the two (a retry ends), the first is tried again.
   */
  cancel(id: string, at: number, expiresAt?: number): Promise<JobRecord> {
    return cancelJob(this.#table, id, at, expiresAt);
  }

  requeue(id: string, at: number): Promise<JobRecord> {
    return requeueJob(this.#table, id, at);
  }

  /**
   * Lists newest first (see src/core/job-listing.ts): a listing by failed, cancelled, retrying or
   * scheduled walks the sparse attention index, which holds exactly those jobs; every other listing walks
   * the time index (every job, `task` projected), filtering the task in the entries and the status in
   * the items read with BatchGetItem. One call walks at most `listingBounds.entries` entries and reads at
   * most `listingBounds.items` items (or `limit`), so a listing of a rare status on a large table returns
   * short pages with a `nextCursor` rather than scanning. A job whose status changed between the index
   * read and the item read is left out.
   */
  list(query: JobQuery): Promise<JobPage> {
    return listJobs(this.#table, query);
  }

  /**
   * The counters the stream aggregator keeps (one GetItem), when it runs; otherwise counted by
   * {@link countFromIndex}.
   */
  counts(): Promise<JobCounts> {
    return readJobCounts(this.#table);
  }

  /**
   * Counts by scanning the table (four segments in parallel, projecting status and task): no index is
   * keyed on the status, so only the items know it. A scan reads whole items, one read unit per 8 KB
   * (eventually consistent), so a million jobs of about 2 KB cost about 250 000 read units: fine for a
   * `longhaul stats --rebuild` now and then, far too much to refresh a dashboard; deploy the counts
   * aggregator (the CDK construct does) for that.
   */
  countFromIndex(): Promise<JobCounts> {
    return countJobsFromIndex(this.#table);
  }

  /**
   * Recounts the jobs from a scan of the table (as {@link countFromIndex}) and overwrites the stream aggregator's counts item with the result (one PutItem,
   * conditional on no batch having been applied meanwhile). For counts that drifted: the aggregator
   * gave up on a batch (its failure queue holds a message).
   */
  rebuildCounts(): Promise<JobCounts> {
    return rebuildJobCounts(this.#table);
  }

  /**
   * The oldest job of a status. Failed, cancelled, retrying and scheduled: exact, the first entry of
   * each shard of the attention index (sixteen one-item queries). Queued, running and succeeded: the
   * oldest among the newest 200 jobs (and, for running, the long-running ones), since no index holds
   * those statuses; a backlog deeper than that reports the oldest job within it.
   */
  oldest(status: JobStatus): Promise<{ id: string; enqueuedAt: number } | undefined> {
    return oldestJob(this.#table, status);
  }

  /**
   * Moves this table's job items from an earlier 0.x index layout to the current one (see
   * `migrateJobIndexes` and docs/upgrading.md); idempotent.
   */
  migrateIndexes(
    options: Pick<JobIndexMigrationOptions, 'segments' | 'onProgress'> = {},
  ): Promise<JobIndexMigrationResult> {
    return migrateJobIndexes({ ...options, client: this.#table.client, tableName: this.#table.tableName });
  }

  /** Deletes finished jobs, ten conditional deletes at a time; resolves with the ids it deleted. */
  remove(ids: readonly string[]): Promise<string[]> {
    return removeJobs(this.#table, ids);
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

  noteLimited(id: string, limited: JobLimited): Promise<LimitedNote> {
    return noteJobLimited(this.#table, id, limited);
  }
}

function scheduleHoldKey(schedule: string): string {
  return `${jobTable.scheduleHoldPrefix}${schedule}`;
}
