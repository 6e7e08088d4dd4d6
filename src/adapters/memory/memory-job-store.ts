import {
  JobConflictError,
  JobNotFoundError,
  LockLostError,
  PayloadTooLargeError,
} from '../../core/errors.js';
import {
  cancellableStatuses,
  claimableStatuses,
  countJob,
  emptyStatusCounts,
  isFinalStatus,
  type JobCounts,
  type JobEvent,
  type JobPage,
  type JobQuery,
  type JobRecord,
  JobStatus,
  retryableStatuses,
} from '../../core/job.js';
import { jsonBytes, limits } from '../../core/limits.js';
import { decodeCursor, encodeCursor, resolvePageSize } from '../../core/paging.js';
import { isLostAttempt, lostAttemptRecord, requeueClears, statusEvent } from '../../core/transitions.js';
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
import type { RequestCounter } from '../../request-counter.js';

type MutableJob = { -readonly [K in keyof JobRecord]: JobRecord[K] };

/** Options of the in-process job store. */
export interface MemoryJobStoreOptions {
  /** Counts operations under their DynamoDB names. */
  readonly counter?: RequestCounter;
}

/**
 * Job records in a Map, with the same conditional transitions as the DynamoDB store. Records are
 * copied in and out, so callers never share state with the store.
 */
export class MemoryJobStore implements JobStore {
  readonly #jobs = new Map<string, JobRecord>();
  /** Schedule name → the job id of the run holding it. */
  readonly #scheduleHolders = new Map<string, string>();
  readonly #counter: RequestCounter | undefined;

  constructor(options: MemoryJobStoreOptions = {}) {
    this.#counter = options.counter;
  }

  async create(job: JobRecord): Promise<void> {
    this.#count('PutItem');
    if (this.#jobs.has(job.id)) throw new JobConflictError(job.id, 'create', 'already existing');
    this.#save(job);
  }

  async holdSchedule(schedule: string, jobId: string, replacing?: string): Promise<ScheduleHold> {
    this.#count('PutItem');
    const holder = this.#scheduleHolders.get(schedule);
    if (holder === undefined || holder === jobId || holder === replacing) {
      this.#scheduleHolders.set(schedule, jobId);
      return { held: true };
    }
    return { held: false, holder };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    this.#count('GetItem');
    const job = this.#jobs.get(id);
    return job && structuredClone(job);
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    this.#count('UpdateItem');
    const current = this.#jobs.get(request.envelope.id);
    if (current && !claimableStatuses.includes(current.status)) {
      return { claimed: false, job: structuredClone(current) };
    }
    const base: JobRecord = current ?? {
      id: request.envelope.id,
      task: request.envelope.task,
      status: JobStatus.queued,
      args: request.envelope.args ?? null,
      attempts: 0,
      maxAttempts: request.maxAttempts,
      enqueuedAt: request.envelope.enqueuedAt,
      ...(request.envelope.schedule ? { schedule: request.envelope.schedule.name } : {}),
      logs: [],
      history: [],
      ...(request.envelope.priority ? { priority: request.envelope.priority } : {}),
    };
    return { claimed: true, job: this.#start(base, request, []) };
  }

  async takeOver(request: ClaimRequest, lost: Pick<JobRecord, 'attempts'>): Promise<ClaimResult> {
    this.#count('UpdateItem');
    const current = this.#jobs.get(request.envelope.id);
    if (!current) throw new JobNotFoundError(request.envelope.id);
    if (!isLostAttempt(current, lost.attempts, request.now))
      return { claimed: false, job: structuredClone(current) };
    const record = lostAttemptRecord(current, request.now);
    return { claimed: true, job: this.#start({ ...current, error: record.error }, request, [record.event]) };
  }

  async touch(id: string, fence: Fence, touch: JobTouch): Promise<void> {
    this.#count('UpdateItem');
    const job = this.#owned(id, fence);
    this.#save({
      ...job,
      heartbeatAt: touch.at,
      ...(touch.leaseExpiresAt !== undefined ? { leaseExpiresAt: touch.leaseExpiresAt } : {}),
      ...(touch.progress !== undefined ? { progress: touch.progress } : {}),
      logs: [...job.logs, ...(touch.logs ?? [])],
    });
  }

  async complete(id: string, fence: Fence, completion: Completion): Promise<JobRecord> {
    this.#count('UpdateItem');
    const job = this.#owned(id, fence);
    const next: MutableJob = {
      ...job,
      status: completion.status,
      logs: [...job.logs, ...completion.logs],
      history: [...job.history, eventOf(completion, fence)],
      ...(completion.progress ? { progress: completion.progress } : {}),
    };
    delete next.leaseExpiresAt;
    delete next.leaseToken;
    if (completion.status === 'succeeded') {
      next.result = completion.result;
      next.finishedAt = completion.at;
      delete next.error;
    } else if (completion.status === 'retrying') {
      next.error = completion.error;
      next.nextAttemptAt = completion.nextAttemptAt;
    } else {
      next.error = completion.error;
      next.finishedAt = completion.at;
      next.deadLettered = completion.deadLettered;
    }
    this.#save(next);
    return structuredClone(next);
  }

  async reject(request: RejectRequest): Promise<boolean> {
    this.#count('UpdateItem');
    const current = this.#jobs.get(request.id);
    const guard = request.guard;
    const holds =
      guard.kind === 'unstarted'
        ? !current || claimableStatuses.includes(current.status)
        : current !== undefined && isLostAttempt(current, guard.attempt, guard.now);
    if (!holds) return false;
    const base: JobRecord = current ?? {
      id: request.id,
      task: request.task,
      status: JobStatus.queued,
      args: request.args ?? null,
      attempts: 0,
      maxAttempts: request.maxAttempts,
      enqueuedAt: request.enqueuedAt ?? request.at,
      logs: [],
      history: [],
    };
    const next: MutableJob = {
      ...base,
      status: JobStatus.failed,
      error: request.error,
      deadLettered: request.deadLettered,
      finishedAt: request.at,
      history: [
        ...base.history,
        statusEvent(JobStatus.failed, request.at, base.attempts, undefined, request.error),
      ],
    };
    delete next.leaseExpiresAt;
    delete next.leaseToken;
    this.#save(next);
    return true;
  }

  async cancel(id: string, at: number): Promise<JobRecord> {
    return this.#operatorTransition(id, 'cancel', cancellableStatuses, (job) => {
      const next: MutableJob = {
        ...job,
        status: JobStatus.cancelled,
        finishedAt: at,
        history: [...job.history, statusEvent(JobStatus.cancelled, at, job.attempts)],
      };
      delete next.nextAttemptAt;
      return next;
    });
  }

  async requeue(id: string, at: number): Promise<JobRecord> {
    return this.#operatorTransition(id, 'retry', retryableStatuses, (job) => {
      const next: MutableJob = {
        ...job,
        status: JobStatus.queued,
        attempts: 0,
        enqueuedAt: at,
        history: [...job.history, statusEvent(JobStatus.queued, at, 0)],
      };
      for (const key of requeueClears) delete next[key];
      return next;
    });
  }

  /** An operator's change of status: allowed only from `from`, else JobNotFoundError or JobConflictError. */
  #operatorTransition(
    id: string,
    operation: string,
    from: readonly JobStatus[],
    change: (job: JobRecord) => JobRecord,
  ): JobRecord {
    this.#count('UpdateItem');
    const job = this.#jobs.get(id);
    if (!job) throw new JobNotFoundError(id);
    if (!from.includes(job.status)) throw new JobConflictError(id, operation, job.status);
    const next = change(job);
    this.#save(next);
    return structuredClone(next);
  }

  async counts(): Promise<JobCounts> {
    this.#count('Query');
    const byStatus = emptyStatusCounts();
    const byTask: Record<string, Record<JobStatus, number>> = {};
    for (const job of this.#jobs.values()) countJob({ byStatus, byTask }, job.task, job.status);
    return { byStatus, byTask, at: Date.now(), source: 'exact' };
  }

  async oldest(status: JobStatus): Promise<{ id: string; enqueuedAt: number } | undefined> {
    this.#count('Query');
    let first: JobRecord | undefined;
    for (const job of this.#jobs.values()) {
      if (job.status === status && (!first || job.enqueuedAt < first.enqueuedAt)) first = job;
    }
    return first && { id: first.id, enqueuedAt: first.enqueuedAt };
  }

  async remove(ids: readonly string[]): Promise<string[]> {
    const removed: string[] = [];
    for (const id of ids) {
      this.#count('DeleteItem');
      const job = this.#jobs.get(id);
      if (job && isFinalStatus(job.status)) {
        this.#jobs.delete(id);
        removed.push(id);
      }
    }
    return removed;
  }

  async list(query: JobQuery): Promise<JobPage> {
    this.#count('Query');
    const limit = resolvePageSize(query.limit);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const matching = [...this.#jobs.values()]
      .filter(
        (j) =>
          (query.status === undefined || j.status === query.status) &&
          (query.task === undefined || j.task === query.task) &&
          (query.enqueuedBefore === undefined || j.enqueuedAt < query.enqueuedBefore),
      )
      .sort((a, b) => b.enqueuedAt - a.enqueuedAt || (a.id < b.id ? 1 : -1))
      .filter(
        (j) =>
          !after || j.enqueuedAt < after.enqueuedAt || (j.enqueuedAt === after.enqueuedAt && j.id < after.id),
      );
    const page = matching.slice(0, limit);
    const last = page.at(-1);
    return {
      jobs: structuredClone(page),
      ...(matching.length > limit && last
        ? { nextCursor: encodeCursor({ enqueuedAt: last.enqueuedAt, id: last.id }) }
        : {}),
    };
  }

  #start(base: JobRecord, request: ClaimRequest, extraEvents: readonly JobEvent[]): JobRecord {
    const attempt = base.attempts + 1;
    const next: MutableJob = {
      ...base,
      status: JobStatus.running,
      attempts: attempt,
      workerId: request.workerId,
      startedAt: base.startedAt ?? request.now,
      heartbeatAt: request.now,
      leaseExpiresAt: request.leaseExpiresAt,
      leaseToken: request.token,
      history: [
        ...base.history,
        ...extraEvents,
        statusEvent(JobStatus.running, request.now, attempt, request.workerId),
      ],
    };
    delete next.nextAttemptAt;
    this.#save(next);
    return structuredClone(next);
  }

  /**
   * Stores a copy, so no object a caller passed in (args, result, error) stays shared with the store.
   * Refuses, like DynamoDB, a record over the item size limit.
   */
  #save(job: JobRecord): void {
    const bytes = jsonBytes(job);
    if (bytes > limits.maxRecordBytes)
      throw new PayloadTooLargeError('Job record', bytes, limits.maxRecordBytes);
    this.#jobs.set(job.id, structuredClone(job));
  }

  #owned(id: string, fence: Fence): JobRecord {
    const job = this.#jobs.get(id);
    if (
      !job ||
      job.status !== JobStatus.running ||
      job.attempts !== fence.attempt ||
      job.leaseToken !== fence.token
    ) {
      throw new LockLostError(id, fence.attempt);
    }
    return job;
  }

  #count(operation: string): void {
    this.#counter?.record('dynamodb', operation);
  }
}

function eventOf(completion: Completion, fence: Fence): JobEvent {
  return statusEvent(
    completion.status,
    completion.at,
    fence.attempt,
    fence.workerId,
    completion.status === 'succeeded' ? undefined : completion.error,
  );
}
