/**
 * How a page of jobs is read from the job table's indexes, the same on every backend: which index
 * entries a query walks, newest first, how many it may read per call, and where the next page starts.
 * A backend supplies the reads ({@link ListingReads}); the embedded one answers them from memory, so both
 * list exactly the same pages.
 *
 * A listing walks the entries of its sources from the cursor on, keeps those of the asked task, reads
 * their items in batches and keeps the jobs of the asked status, until the page is full or a read bound
 * is reached ({@link listingBounds}). A page may then hold fewer than `limit` jobs, or none, with a
 * `nextCursor`: the caller pages on. The cursor is the last entry walked, so no job is skipped or shown
 * twice while the entries stay put.
 */
import { isAttentionListed } from './index-shards.js';
import type { JobPage, JobQuery, JobRecord, JobStatus } from './job.js';
import type { AttentionState } from './names.js';
import { decodeCursor, encodeCursor, resolvePageSize } from './paging.js';
import { isExpired } from './retention.js';

/** One index entry: what every index projects. */
export interface IndexEntry {
  readonly id: string;
  readonly enqueuedAt: number;
  readonly task: string;
}

/** An index a listing walks: every job by time, or the jobs in one attention state. */
export type ListingSource =
  | { readonly index: 'time' }
  | { readonly index: 'attention'; readonly state: AttentionState };

/** Which entries to walk: `enqueuedAt <= atMost`, and after `after` in listing order when given. */
export interface EntryRange {
  readonly atMost: number;
  readonly after?: { readonly enqueuedAt: number; readonly id: string };
  /** How many entries the listing expects to walk: a hint for the size of the first reads. */
  readonly expected: number;
}

/** The reads a backend supplies. */
export interface ListingReads {
  /**
   * The entries of `sources` in `range`, merged in listing order (`enqueuedAt` descending, then id
   * descending), each id once, read lazily as the listing pulls them.
   */
  entries(sources: readonly ListingSource[], range: EntryRange): AsyncIterator<IndexEntry>;
  /** The jobs of `ids` that exist (expired ones included; the listing leaves those out). */
  items(ids: readonly string[]): Promise<ReadonlyMap<string, JobRecord>>;
}

/**
 * The most a listing call reads: `entries` index entries walked (a listing by task on the time index
 * filters them), and `items` job items fetched (or `limit`, when larger) to check their status.
 */
export const listingBounds = { entries: 1000, items: 200 } as const;

/** The indexes a listing by `status` walks. */
export function listingSources(status: JobStatus | undefined): ListingSource[] {
  if (status !== undefined && isAttentionListed(status)) {
    return [{ index: 'attention', state: status as AttentionState }];
  }
  // Long-running jobs are in the attention index whenever they were enqueued; recent running jobs
  // (that have not reached their first lease extension) are found newest first by time.
  if (status === 'running') return [{ index: 'attention', state: 'running' }, { index: 'time' }];
  return [{ index: 'time' }];
}

/** One page of the jobs `query` asks for, newest first, read through `reads`. */
export async function listJobPage(query: JobQuery, reads: ListingReads): Promise<JobPage> {
  const limit = resolvePageSize(query.limit);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const atMost = Math.min(
    after ? after.enqueuedAt : Number.POSITIVE_INFINITY,
    query.enqueuedBefore !== undefined ? query.enqueuedBefore - 1 : Number.POSITIVE_INFINITY,
  );
  const stream = reads.entries(listingSources(query.status), {
    atMost,
    ...(after ? { after: { enqueuedAt: after.enqueuedAt, id: after.id } } : {}),
    // A listing by task may walk up to its bound before the page fills; others expect about a page.
    expected: query.task !== undefined ? listingBounds.entries : limit + 1,
  });
  const next = async () => {
    const result = await stream.next();
    return result.done ? undefined : result.value;
  };
  const matches = (job: JobRecord | undefined): job is JobRecord =>
    job !== undefined &&
    !isExpired(job) &&
    (query.status === undefined || job.status === query.status) &&
    (query.task === undefined || job.task === query.task) &&
    (query.enqueuedBefore === undefined || job.enqueuedAt < query.enqueuedBefore);

  const maxItems = Math.max(limit, listingBounds.items);
  const jobs: JobRecord[] = [];
  let walked = 0;
  let fetched = 0;
  let lastBatch = 0;
  let last: IndexEntry | undefined;
  let pending = await next();
  let more = false;
  while (pending && jobs.length < limit && walked < listingBounds.entries && fetched < maxItems) {
    // A batch as large as the jobs still missing, doubling while few of them match.
    const want = Math.min(maxItems - fetched, Math.max(limit - jobs.length, lastBatch * 2));
    const batch: IndexEntry[] = [];
    while (pending && batch.length < want && walked < listingBounds.entries) {
      walked++;
      last = pending;
      if (query.task === undefined || pending.task === query.task) batch.push(pending);
      pending = await next();
    }
    lastBatch = batch.length;
    if (batch.length === 0) continue;
    const items = await reads.items(batch.map((entry) => entry.id));
    fetched += batch.length;
    for (const [i, entry] of batch.entries()) {
      const job = items.get(entry.id);
      if (!matches(job)) continue;
      jobs.push(job);
      if (jobs.length === limit) {
        // The page filled before the batch's end: the next page starts after this job.
        if (i < batch.length - 1) more = true;
        last = entry;
        break;
      }
    }
  }
  more ||= pending !== undefined;
  return {
    jobs,
    ...(more && last ? { nextCursor: encodeCursor({ enqueuedAt: last.enqueuedAt, id: last.id }) } : {}),
  };
}

/** True when `entry` comes after `cursor` in listing order (newest first, then id descending). */
export function isAfter(entry: IndexEntry, cursor: { enqueuedAt: number; id: string } | undefined): boolean {
  return (
    !cursor ||
    entry.enqueuedAt < cursor.enqueuedAt ||
    (entry.enqueuedAt === cursor.enqueuedAt && entry.id < cursor.id)
  );
}

/** Listing order: `enqueuedAt` descending, then id descending. */
export function byListingOrder(a: IndexEntry, b: IndexEntry): number {
  return b.enqueuedAt - a.enqueuedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}
