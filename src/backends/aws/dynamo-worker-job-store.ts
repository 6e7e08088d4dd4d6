import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HandoffDelivery } from '../../core/handoff.js';
import type { JobLimited, JobRecord } from '../../core/job.js';
import { jobTable } from '../../core/names.js';
import type {
  ClaimRequest,
  ClaimResult,
  Completion,
  Fence,
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
  WorkerJobStore,
} from '../../core/ports.js';
import { completeJob, registerJobHandoff, touchJob } from './dynamo-job-attempts.js';
import { putNewJobs } from './dynamo-job-batch-put.js';
import { claimJob, createJob, noteJobLimited, rejectJob, takeOverJob } from './dynamo-job-claims.js';
import { removeJobs } from './dynamo-job-operator-actions.js';
import { getJob, type JobTable } from './dynamo-job-table.js';
import { DynamoLimits } from './dynamo-limits.js';
import { getScheduleResult, putScheduleResult } from './dynamo-schedule-results.js';

/** Where the DynamoDB job store keeps its records. */
export interface DynamoJobStoreOptions {
  /** A document client (`DynamoDBDocumentClient.from(new DynamoDBClient(...))`). */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/**
 * Job records in a DynamoDB table, as a worker needs them. Every status change is one conditional
 * `UpdateItem`, so two workers can never both start an attempt and a finished job never goes back to
 * running. A failed condition returns the item as it stood (`ReturnValuesOnConditionCheckFailure`), so
 * explaining it costs no read.
 *
 * `DynamoJobStore` adds the operator side (cancel, requeue, listings, counts, the index migration). This
 * class is apart from it so that a worker built on it alone (the Lambda handler from the environment)
 * bundles none of that code: esbuild cannot drop the unused methods of a class, only unused modules.
 *
 * The requests themselves live beside this class, one module per kind of write or read: the claims
 * (`dynamo-job-claims.ts`), the running attempt's writes (`dynamo-job-attempts.ts`), and holds, slots
 * and rate windows (`dynamo-limits.ts`).
 */
export class DynamoWorkerJobStore implements WorkerJobStore {
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
