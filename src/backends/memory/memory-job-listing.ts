/**
 * The embedded backend's answers to a listing's reads (see src/core/job-listing.ts): the index entries
 * the AWS backend's indexes would hold for the same jobs, so both backends list the same pages.
 */
import { attentionStateOf } from '../../core/index-shards.js';
import type { JobRecord } from '../../core/job.js';
import { byListingOrder, type IndexEntry, isAfter, type ListingReads } from '../../core/job-listing.js';
import { copyOut } from './memory-record-copy.js';

/** Reads over `jobs` (the live ones, copied out); `isLongRunning` says which running jobs are listed as such. */
export function memoryListingReads(
  jobs: () => readonly JobRecord[],
  isLongRunning: (id: string) => boolean,
): ListingReads {
  return {
    entries(sources, range) {
      const entries: IndexEntry[] = [];
      for (const job of jobs()) {
        const state = attentionStateOf(job.status, isLongRunning(job.id));
        const listed = sources.some((source) => source.index === 'time' || source.state === state);
        const entry = { id: job.id, enqueuedAt: job.enqueuedAt, task: job.task };
        if (listed && entry.enqueuedAt <= range.atMost && isAfter(entry, range.after)) entries.push(entry);
      }
      entries.sort(byListingOrder);
      return (async function* () {
        yield* entries;
      })();
    },
    async items(ids) {
      const wanted = new Set(ids);
      return new Map(
        jobs()
          .filter((job) => wanted.has(job.id))
          .map((job) => [job.id, copyOut(job)]),
      );
    },
  };
}
