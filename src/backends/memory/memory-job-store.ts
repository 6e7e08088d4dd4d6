// The embedded JobStore in one module, at the usual length limit on purpose: every method shares the
// private job map and request counter, and splitting it would expose that state to other modules.
import {
  ConfigError,
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
  isFinalStatus,
  type JobCounts,
  type JobEvent,
  type JobLimited,
  type JobPage,
  type JobQuery,
  type JobRecord,
  JobStatus,
  retryableStatuses,
} from '../../core/job.js';
import { listJobPage } from '../../core/job-listing.js';
import { limits } from '../../core/limits.js';
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
import type { RequestCounter } from '../../core/request-counter.js';
import { isExpired } from '../../core/retention.js';
import { replacesLatest } from '../../core/schedule-result.js';
import {
  completedRecord,
  firstClaimWrite,
  isLostAttempt,
  isQueuedAsEnqueued,
  lostAttemptRecord,
  recordWithout,
  requeueClears,
  startedRecordOf,
  statusEvent,
} from '../../core/transitions.js';
import { FinishedJobs } from './memory-finished-jobs.js';
import { memoryListingReads } from './memory-job-listing.js';
import { MemoryLimits } from './memory-limits.js';
import { adoptIn, copyIn, copyOut, jsonBytesBound, ownCompletion } from './memory-record-copy.js';

type MutableJob = { -readonly [K in keyof JobRecord]: JobRecord[K] };

/**
 * Whose objects a record to store holds (see `#save`): anyone's (`copied` in), the store's and a
 * caller's (`built` here from a caller's request, adopted), or only the store's (`owned`: stored as is).
 */
type Made = 'copied' | 'built' | 'owned';

/** Options of the in-process job store. */
export interface MemoryJobStoreOptions {
  /** Counts operations under their DynamoDB names. */
  readonly counter?: RequestCounter;
  /**
   * How many finished (succeeded, failed, cancelled) job records to keep at most; past it the oldest
   * finished is evicted first, as if its retention had ended. An integer from 0 up, or `Infinity` to
   * keep every record until its retention ends. Default {@link defaultKeepFinishedJobs}.
   */
  readonly keepFinishedJobs?: number;
  /** The store's clock, in epoch milliseconds: when a record's retention is over. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Finished job records the embedded backend keeps by default: about 1.5 KiB of heap each for a small job,
 * so some 15 MiB at most, however many jobs a test suite runs.
 */
export const defaultKeepFinishedJobs = 10_000;

/**
 * Job records in a Map, with the same conditional transitions as the DynamoDB store. Records are
 * copied in and out, so callers never share state with the store; the one exception is a caller that
 * asks for read-only answers (`ClaimRequest.readOnly`, `complete`'s `readOnly`: the runner), which gets
 * the stored record itself. The store never changes a stored record or an object in it (every write
 * stores a new record), so such an answer stays as it was, and the deep copy a job's claim and its end
 * would cost is saved.
 *
 * Memory stays bounded however many jobs pass through: a finished record is evicted once its retention
 * is over (by the first request after that moment, at a cost proportional to what it evicts), and at
 * most `keepFinishedJobs` finished records are kept, the oldest finished evicted first. Either way the
 * job then reads as a job whose retention ended on AWS: gone.
 */
export class MemoryJobStore implements JobStore {
  readonly #jobs = new Map<string, JobRecord>();
  /** The finished records, in the order they finished, and when each expires. */
  readonly #finished: FinishedJobs<JobRecord>;
  readonly #now: () => number;
  /** Running jobs whose attempt reached a lease extension: listed as long-running, as on DynamoDB. */
  readonly #longRunning = new Set<string>();
  /** Schedule and key holds, limit slots and rate windows. */
  readonly #limits = new MemoryLimits();
  /** Schedule name → its last succeeded run (the DynamoDB store's `#schedule-latest#` items). */
  readonly #latest = new Map<string, ScheduleResultPointer>();
  readonly #counter: RequestCounter | undefined;

  constructor(options: MemoryJobStoreOptions = {}) {
    const keep = options.keepFinishedJobs ?? defaultKeepFinishedJobs;
    if (keep !== Number.POSITIVE_INFINITY && !(Number.isInteger(keep) && keep >= 0)) {
      throw new ConfigError(
        `Expected \`keepFinishedJobs\` to be an integer from 0 up, or Infinity, got \`${keep}\``,
      );
    }
    this.#counter = options.counter;
    this.#now = options.now ?? Date.now;
    this.#finished = new FinishedJobs<JobRecord>(
      keep,
      (id, record) => this.#jobs.get(id) === record,
      (id, at) => {
        const job = this.#jobs.get(id);
        return job !== undefined && job.expiresAt === at && isFinalStatus(job.status);
      },
      (id) => this.#drop(id),
    );
  }

  /**
   * Job records held in memory, expired ones not yet evicted included: what `keepFinishedJobs` and the
   * retention sweep keep bounded.
   */
  get recordCount(): number {
    return this.#jobs.size;
  }

  async create(job: JobRecord): Promise<void> {
    this.#count('PutItem');
    if (this.#live(job.id)) throw new JobConflictError(job.id, 'create', 'already existing');
    this.#save(job);
  }

  /** As DynamoDB's `BatchWriteItem`: unconditional puts, counted as one request per 25 records. */
  async putNew(jobs: readonly JobRecord[], signal: AbortSignal): Promise<NewJobsPut> {
    const written: string[] = [];
    for (let i = 0; i < jobs.length; i += 25) {
      if (signal.aborted) return { written, error: signal.reason };
      this.#count('BatchWriteItem');
      for (const job of jobs.slice(i, i + 25)) {
        try {
          this.#save(job);
        } catch (error) {
          return { written, error };
        }
        written.push(job.id);
      }
    }
    return { written };
  }

  async holdSchedule(schedule: string, jobId: string, replacing?: string): Promise<ScheduleHold> {
    this.#count('PutItem');
    const hold = this.#limits.hold(`schedule:${schedule}`, jobId, replacing);
    return hold.held ? hold : { held: false, holder: hold.hold.holder };
  }

  async noteScheduleResult(pointer: ScheduleResultPointer): Promise<boolean> {
    this.#count('PutItem');
    if (!replacesLatest(pointer, this.#latest.get(pointer.schedule))) return false;
    this.#latest.set(pointer.schedule, structuredClone(pointer));
    return true;
  }

  async latestScheduleResult(schedule: string): Promise<ScheduleResultPointer | undefined> {
    this.#count('GetItem');
    const pointer = this.#latest.get(schedule);
    return pointer && structuredClone(pointer);
  }

  async get(id: string): Promise<JobRecord | undefined> {
    this.#count('GetItem');
    const job = this.#live(id);
    return job && copyOut(job);
  }

  /** The record, unless its retention is over: then it is evicted, as DynamoDB's TTL would delete it. */
  #live(id: string): JobRecord | undefined {
    const job = this.#jobs.get(id);
    if (job && isExpired(job, this.#now())) {
      this.#evict(id);
      return undefined;
    }
    return job;
  }

  /** Every live record (the request's sweep has evicted the expired ones). */
  #liveJobs(): JobRecord[] {
    const now = this.#now();
    const live: JobRecord[] = [];
    for (const job of this.#jobs.values()) if (!isExpired(job, now)) live.push(job);
    return live;
  }

  /** Forgets a record, as DynamoDB's TTL deletes an item. */
  #evict(id: string): void {
    const job = this.#jobs.get(id);
    if (job !== undefined && isFinalStatus(job.status)) this.#finished.forget();
    this.#drop(id);
  }

  /** Forgets a record the finished jobs have already let go of. */
  #drop(id: string): void {
    this.#jobs.delete(id);
    if (this.#longRunning.size > 0) this.#longRunning.delete(id);
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const current = this.#jobs.get(request.envelope.id);
    this.#countClaim(request, current);
    if (current && !claimableStatuses.includes(current.status)) {
      return { claimed: false, job: answer(current, request.readOnly) };
    }
    if (!current && request.createMissing === false) throw new JobNotFoundError(request.envelope.id);
    if (current) return { claimed: true, job: this.#start(current, request, []) };
    // No record: the one the producer's would have been, started (the AWS store puts the same record).
    return { claimed: true, job: answer(this.#save(startedRecordOf(request), 'built'), request.readOnly) };
  }

  /**
   * Counts a claim's requests as the AWS store makes them: its first write when `firstClaimWrite` names
   * one (the put of the running record, or the update of the queued record as enqueued), and the claim of
   * any job only when that first write's condition fails; else that claim alone.
   */
  #countClaim(request: ClaimRequest, current: JobRecord | undefined): void {
    const first = firstClaimWrite(request);
    if (first?.kind === 'put') {
      this.#count('PutItem');
      const missing = current === undefined || isExpired(current, this.#now());
      if (missing ? first.createMissing : first.overQueued && isQueuedAsEnqueued(current, request.envelope))
        return;
    } else if (first?.kind === 'asEnqueued') {
      this.#count('UpdateItem');
      // An expired record is never queued: its job ended.
      if (current !== undefined && isQueuedAsEnqueued(current, request.envelope)) return;
    }
    this.#count('UpdateItem');
  }

  async takeOver(request: ClaimRequest, lost: Pick<JobRecord, 'attempts'>): Promise<ClaimResult> {
    this.#count('UpdateItem');
    const current = this.#jobs.get(request.envelope.id);
    if (!current) throw new JobNotFoundError(request.envelope.id);
    if (!isLostAttempt(current, lost.attempts, request.now)) {
      return { claimed: false, job: answer(current, request.readOnly) };
    }
    const record = lostAttemptRecord(current, request.now);
    return { claimed: true, job: this.#start({ ...current, error: record.error }, request, [record.event]) };
  }

  async touch(id: string, fence: Fence, touch: JobTouch): Promise<JobRecord> {
    this.#count('UpdateItem');
    const job = this.#owned(id, fence);
    const next: MutableJob = {
      ...job,
      heartbeatAt: touch.at,
      ...(touch.leaseExpiresAt !== undefined ? { leaseExpiresAt: touch.leaseExpiresAt } : {}),
      ...(touch.progress !== undefined ? { progress: touch.progress } : {}),
      ...(touch.handoff ? { handoff: touch.handoff } : {}),
      logs: [...job.logs, ...(touch.logs ?? [])],
    };
    if (touch.handoff === null) delete next.handoff;
    this.#save(next);
    if (touch.leaseExpiresAt !== undefined) this.#longRunning.add(id);
    return copyOut(next);
  }

  async registerHandoff(id: string, delivery: HandoffDelivery): Promise<boolean> {
    this.#count('UpdateItem');
    const job = this.#jobs.get(id);
    if (!job || job.status !== JobStatus.running || !job.handoff) return false;
    this.#save({ ...job, handoff: { ...job.handoff, delivery } });
    return true;
  }

  async complete(
    id: string,
    fence: Fence,
    completion: Completion,
    _known?: JobRecord,
    readOnly?: boolean,
  ): Promise<JobRecord> {
    this.#count('UpdateItem');
    const job = this.#owned(id, fence);
    // A cancel requested while the attempt was failing must not be lost to a retry.
    if (completion.status === 'retrying' && job.cancelRequestedAt !== undefined) {
      throw new JobCancelledError(id);
    }
    // The same record the AWS store works out when its worker hands it the record it last saw; the
    // objects the completion brought copied, so the rest of it is the stored record's or built here.
    const next = ownCompletion(completedRecord(job, fence, completion), completion, job.logs.length);
    return answer(this.#save(next, 'owned'), readOnly);
  }

  async reject(request: RejectRequest): Promise<boolean> {
    this.#count('UpdateItem');
    const current = this.#jobs.get(request.id);
    const guard = request.guard;
    const holds =
      guard.kind === 'unstarted'
        ? current
          ? claimableStatuses.includes(current.status)
          : guard.createMissing !== false
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
    const status = request.status ?? JobStatus.failed;
    const next: MutableJob = {
      ...base,
      status,
      error: request.error,
      deadLettered: request.deadLettered,
      finishedAt: request.at,
      history: [...base.history, statusEvent(status, request.at, base.attempts, undefined, request.error)],
      ...(request.expiresAt !== undefined ? { expiresAt: request.expiresAt } : {}),
    };
    delete next.leaseExpiresAt;
    delete next.leaseToken;
    delete next.handoff;
    this.#save(next);
    return true;
  }

  async cancel(id: string, at: number, expiresAt?: number): Promise<JobRecord> {
    if (this.#jobs.get(id)?.status === JobStatus.running) {
      // Its worker ends the attempt at its next heartbeat; a second request keeps the first time.
      return this.#operatorTransition(id, 'cancel', [JobStatus.running], (job) => ({
        ...job,
        cancelRequestedAt: job.cancelRequestedAt ?? at,
      }));
    }
    return this.#operatorTransition(id, 'cancel', cancellableStatuses, (job) => {
      const next: MutableJob = {
        ...job,
        status: JobStatus.cancelled,
        finishedAt: at,
        history: [...job.history, statusEvent(JobStatus.cancelled, at, job.attempts)],
        ...(expiresAt !== undefined ? { expiresAt } : {}),
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
    const job = this.#live(id);
    if (!job) throw new JobNotFoundError(id);
    if (!from.includes(job.status)) throw new JobConflictError(id, operation, job.status);
    const next = change(job);
    this.#save(next);
    return copyOut(next);
  }

  async counts(): Promise<JobCounts> {
    this.#count('Query');
    const byStatus = emptyStatusCounts();
    const byTask: Record<string, Record<JobStatus, number>> = {};
    for (const job of this.#liveJobs()) countJob({ byStatus, byTask }, job.task, job.status);
    return { byStatus, byTask, at: this.#now(), source: 'exact' };
  }

  /** The counts are always exact here: there is nothing to rebuild, so this returns them. */
  rebuildCounts(): Promise<JobCounts> {
    return this.counts();
  }

  async oldest(status: JobStatus): Promise<{ id: string; enqueuedAt: number } | undefined> {
    this.#count('Query');
    let first: JobRecord | undefined;
    for (const job of this.#liveJobs()) {
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
        this.#evict(id);
        removed.push(id);
      }
    }
    return removed;
  }

  /** The same pages as the DynamoDB store's, from the same walk over the entries its indexes would hold. */
  async list(query: JobQuery): Promise<JobPage> {
    this.#count('Query');
    return listJobPage(
      query,
      memoryListingReads(
        () => this.#liveJobs(),
        (id) => this.#longRunning.has(id),
      ),
    );
  }

  async holdKey(request: KeyHoldRequest): Promise<KeyHold> {
    this.#count('PutItem');
    return this.#limits.holdKey(request);
  }

  async acquireSlot(request: SlotRequest): Promise<SlotGrant> {
    this.#count('UpdateItem');
    return this.#limits.acquireSlot(request);
  }

  async renewSlot(limit: string, token: string, leaseExpiresAt: number): Promise<boolean> {
    this.#count('UpdateItem');
    return this.#limits.renewSlot(limit, token, leaseExpiresAt);
  }

  async releaseSlot(limit: string, token: string, expiredBefore?: number): Promise<boolean> {
    this.#count('UpdateItem');
    return this.#limits.releaseSlot(limit, token, expiredBefore);
  }

  async takeRateStart(request: RateRequest): Promise<boolean> {
    this.#count('UpdateItem');
    return this.#limits.takeRateStart(request, this.#now());
  }

  async noteLimited(id: string, limited: JobLimited): Promise<LimitedNote> {
    this.#count('UpdateItem');
    const job = this.#jobs.get(id);
    if (!job || !claimableStatuses.includes(job.status)) {
      return job ? { noted: false, job: copyOut(job) } : { noted: false };
    }
    this.#save({ ...job, limited });
    return { noted: true };
  }

  #start(base: JobRecord, request: ClaimRequest, extraEvents: readonly JobEvent[]): JobRecord {
    const attempt = base.attempts + 1;
    // A retry's due time is left out; the fields set one by one (see `recordWithout`).
    const next = recordWithout(base, 'nextAttemptAt');
    next.status = JobStatus.running;
    next.attempts = attempt;
    next.workerId = request.workerId;
    next.startedAt = base.startedAt ?? request.now;
    next.heartbeatAt = request.now;
    next.leaseExpiresAt = request.leaseExpiresAt;
    next.leaseToken = request.token;
    // Concatenated, not spread: an array literal with spreads grows as it is built, and keeps the spare
    // room it grew by (some 130 bytes a record, held for as long as the record is).
    next.history = base.history.concat(extraEvents, [
      statusEvent(JobStatus.running, request.now, attempt, request.workerId),
    ]);
    // Every object in it is the stored record's, or an event built here: nothing a caller holds.
    return answer(this.#save(next, 'owned'), request.readOnly);
  }

  /**
   * Stores a copy, so no object a caller passed in (args, result, error) stays shared with the store;
   * `built`: `job` itself, a record this store has just built that no caller holds (its objects a
   * caller passed in are still copied); `owned`: `job` itself, with nothing to copy, for a record built
   * here whose every object is the stored record's or the store's own.
   * Refuses, like DynamoDB, a record over the item size limit: serialized only when a bound of its size
   * from a walk over its fields (see `jsonBytesBound`) is over the limit, as it is for few records.
   */
  #save(job: JobRecord, made: Made = 'copied'): JobRecord {
    if (jsonBytesBound(job) > limits.maxRecordBytes) {
      // A UTF-8 byte is at least one UTF-16 unit, at most three: count bytes only near the limit.
      const text = JSON.stringify(job);
      const bytes = text.length * 3 <= limits.maxRecordBytes ? text.length : Buffer.byteLength(text, 'utf8');
      if (bytes > limits.maxRecordBytes)
        throw new PayloadTooLargeError('Job record', bytes, limits.maxRecordBytes);
    }
    const held = this.#jobs.get(job.id);
    // A record built here from the stored one (a claim's, a completion's) is stored as it is.
    const stored = made === 'owned' ? job : (made === 'built' ? adoptIn : copyIn)(job, held);
    this.#jobs.set(job.id, stored);
    if (this.#longRunning.size > 0 && job.status !== JobStatus.running) this.#longRunning.delete(job.id);
    // The finished jobs are the stored final records.
    const wasFinal = held !== undefined && isFinalStatus(held.status);
    if (isFinalStatus(job.status)) {
      const sameExpiry = wasFinal && job.expiresAt !== undefined && held.expiresAt === job.expiresAt;
      this.#finished.finished(job.id, stored, job.expiresAt, wasFinal, sameExpiry);
    } else if (wasFinal) {
      this.#finished.forget();
    }
    return stored;
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

  /** Counts a request under its DynamoDB name, first evicting the records whose retention is over. */
  #count(operation: string): void {
    this.#counter?.record('dynamodb', operation);
    this.#finished.sweep(this.#now());
  }
}

/**
 * A stored record as an answer: a copy the caller may change, or, for a caller that only reads it (the
 * runner, `readOnly`), the stored record itself. That is safe because the store never changes a stored
 * record or anything in it: every write stores a new record.
 */
function answer(job: JobRecord, readOnly: boolean | undefined): JobRecord {
  return readOnly ? job : copyOut(job);
}
