import type { JobCounts, JobPage, JobQuery, JobRecord, JobStatus } from '../../core/job.js';
import type { JobStore } from '../../core/ports.js';
import { listJobs } from './dynamo-job-listing.js';
import { cancelJob, requeueJob } from './dynamo-job-operator-actions.js';
import { countJobsFromIndex, oldestJob, readJobCounts, rebuildJobCounts } from './dynamo-job-stats.js';
import type { JobTable } from './dynamo-job-table.js';
import { type DynamoJobStoreOptions, DynamoWorkerJobStore } from './dynamo-worker-job-store.js';
import {
  type JobIndexMigrationOptions,
  type JobIndexMigrationResult,
  migrateJobIndexes,
} from './job-index-migration.js';

export type { DynamoJobStoreOptions } from './dynamo-worker-job-store.js';

/**
 * Job records in a DynamoDB table: the worker's side (`DynamoWorkerJobStore`: claims, the running
 * attempt's writes, holds, slots and rate windows) and the operator's, whose requests live beside this
 * class too: operator actions (`dynamo-job-operator-actions.ts`), listing (`dynamo-job-listing.ts`) and
 * counts (`dynamo-job-stats.ts`).
 */
export class DynamoJobStore extends DynamoWorkerJobStore implements JobStore {
  readonly #table: JobTable;

  constructor(options: DynamoJobStoreOptions) {
    super(options);
    this.#table = { client: options.client, tableName: options.tableName };
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
}
