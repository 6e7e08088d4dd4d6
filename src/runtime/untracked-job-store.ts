/**
 * The job store of a worker with `tracking: 'off'`: it keeps no records, so a job costs no DynamoDB
 * request at all, as with a bare SQS poller. SQS alone carries the job: its visibility timeout is the
 * only lock, and an attempt's number is the message's receive count (so a hand-back on shutdown uses up
 * an attempt). What a record gives is gone: no status, progress, logs or result to read, no fencing of
 * a lost worker's late writes (there are none), and no overlap check for schedules. Retries, backoff,
 * timeouts, the dead-letter queue with its reasons, and graceful shutdown work as usual.
 */
import { ConfigError } from '../core/errors.js';
import { type JobCounts, type JobPage, type JobRecord, JobStatus } from '../core/job.js';
import type {
  ClaimRequest,
  ClaimResult,
  Completion,
  Fence,
  JobStore,
  NewJobsPut,
  JobTouch,
  KeyHold,
  LimitedNote,
  ScheduleHold,
  SlotGrant,
} from '../core/ports.js';

export class UntrackedJobStore implements JobStore {
  async create(): Promise<void> {}

  async putNew(jobs: readonly JobRecord[]): Promise<NewJobsPut> {
    return { written: jobs.map((job) => job.id) };
  }

  async get(): Promise<JobRecord | undefined> {
    return undefined;
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const { envelope } = request;
    return {
      claimed: true,
      job: {
        id: envelope.id,
        task: envelope.task,
        status: JobStatus.running,
        args: envelope.args ?? null,
        attempts: request.deliveryCount ?? 1,
        maxAttempts: request.maxAttempts,
        enqueuedAt: envelope.enqueuedAt,
        startedAt: request.now,
        workerId: request.workerId,
        leaseToken: request.token,
        leaseExpiresAt: request.leaseExpiresAt,
        logs: [],
        history: [],
      },
    };
  }

  takeOver(request: ClaimRequest): Promise<ClaimResult> {
    return this.claim(request);
  }

  /** Answers with no cancel request and no handoff: there is no record to carry them. */
  async touch(id: string, fence: Fence, touch: JobTouch): Promise<JobRecord> {
    return {
      id,
      task: '',
      status: JobStatus.running,
      args: null,
      attempts: fence.attempt,
      maxAttempts: fence.attempt,
      enqueuedAt: touch.at,
      leaseToken: fence.token,
      logs: [],
      history: [],
    };
  }

  /** Without records, nothing can carry a delivery to the owner: jobs longer than 12 hours need `full`. */
  async registerHandoff(): Promise<boolean> {
    return false;
  }

  async complete(id: string, fence: Fence, completion: Completion): Promise<JobRecord> {
    return {
      id,
      task: '',
      status: completion.status,
      args: null,
      attempts: fence.attempt,
      maxAttempts: fence.attempt,
      enqueuedAt: completion.at,
      finishedAt: completion.at,
      logs: [],
      history: [],
    };
  }

  async reject(): Promise<boolean> {
    return true;
  }

  async holdSchedule(): Promise<ScheduleHold> {
    return { held: true };
  }

  // Unique keys and limits need the job table: workers with limited tasks refuse `tracking: 'off'`.
  async holdKey(): Promise<KeyHold> {
    return untracked('hold unique keys of');
  }

  async acquireSlot(): Promise<SlotGrant> {
    return untracked('limit');
  }

  async renewSlot(): Promise<boolean> {
    return untracked('limit');
  }

  async releaseSlot(): Promise<boolean> {
    return untracked('limit');
  }

  async takeRateStart(): Promise<boolean> {
    return untracked('limit');
  }

  async noteLimited(): Promise<LimitedNote> {
    return untracked('limit');
  }

  async cancel(): Promise<JobRecord> {
    return untracked('cancel');
  }

  async requeue(): Promise<JobRecord> {
    return untracked('retry');
  }

  async list(): Promise<JobPage> {
    return untracked('list');
  }

  async counts(): Promise<JobCounts> {
    return untracked('count');
  }

  async rebuildCounts(): Promise<JobCounts> {
    return untracked('count');
  }

  async oldest(): Promise<undefined> {
    return untracked('read');
  }

  async remove(): Promise<string[]> {
    return untracked('purge');
  }
}

function untracked(operation: string): never {
  throw new ConfigError(
    `Cannot ${operation} jobs of a worker with \`tracking: 'off'\`: it keeps no job records. Use the backend's own store.`,
  );
}
