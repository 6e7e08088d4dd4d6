// A job record as `enqueue` makes it, for tests of what stores do with records.
import type { JobRecord } from 'longhaul';

/** A queued job's record, never claimed; `overrides` replace its fields. */
export function queuedJob(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: 'job-1',
    task: 'noop',
    status: 'queued',
    args: null,
    attempts: 0,
    maxAttempts: 3,
    enqueuedAt: 1_700_000_000_000,
    logs: [],
    history: [{ status: 'queued', at: 1_700_000_000_000, attempt: 0 }],
    ...overrides,
  };
}
