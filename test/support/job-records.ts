// A job record as `enqueue` makes it, for tests of what stores do with records.
import type { JobRecord, JobStore } from 'longhaul';

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

/** Fails a job no attempt has started, as a worker does with a message it cannot run: what the store answers. */
export function failUnstarted(store: Pick<JobStore, 'reject'>, id: string, task: string): Promise<boolean> {
  return store.reject({
    id,
    task,
    maxAttempts: 1,
    guard: { kind: 'unstarted' },
    error: { name: 'Error', message: 'failed before it ran', code: 'task_error' },
    deadLettered: false,
    at: Date.now(),
  });
}
