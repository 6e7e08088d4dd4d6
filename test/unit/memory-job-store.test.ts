import {
  type ClaimRequest,
  type Completion,
  ConfigError,
  type Fence,
  JobConflictError,
  JobNotFoundError,
  type JobRecord,
  type JobStatus,
  LockLostError,
  type RejectRequest,
  RequestCounter,
  type SerializedError,
} from 'longhaul';
import { MemoryJobStore } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import { queuedJob } from '../support/job-records.js';

const t0 = 1_700_000_000_000;

function job(overrides: Partial<JobRecord> = {}): JobRecord {
  return queuedJob({ task: 'math.add', args: { a: 1, b: 2 }, ...overrides });
}

function claimRequest(overrides: Partial<ClaimRequest> & { id?: string } = {}): ClaimRequest {
  const { id = 'job-1', ...rest } = overrides;
  return {
    envelope: { v: 1, id, task: 'math.add', args: { a: 1, b: 2 }, enqueuedAt: t0 },
    maxAttempts: 3,
    workerId: 'w1',
    token: `token-${rest.workerId ?? 'w1'}`,
    now: t0 + 1_000,
    leaseExpiresAt: t0 + 31_000,
    ...rest,
  };
}

const taskError: SerializedError = { name: 'Error', message: 'boom', code: 'task_error' };

function rejectRequest(overrides: Partial<RejectRequest> = {}): RejectRequest {
  return {
    id: 'job-1',
    task: 'math.add',
    args: { a: 1, b: 2 },
    enqueuedAt: t0,
    maxAttempts: 3,
    guard: { kind: 'unstarted' },
    error: { name: 'InvalidArgsError', message: 'bad args', code: 'invalid_args' },
    deadLettered: true,
    at: t0 + 5_000,
    ...overrides,
  };
}

/** A store holding job-1, running attempt 1 under w1 with a lease until t0 + 31 s. */
async function runningStore(): Promise<MemoryJobStore> {
  const store = new MemoryJobStore();
  await store.create(job());
  await store.claim(claimRequest());
  return store;
}

const fence: Fence = { attempt: 1, workerId: 'w1', token: 'token-w1' };
/** Attempt 1 of job-1 as `runningStore` leaves it, seen as lost. */
const lost = { attempts: 1, workerId: 'w1' };

async function stored(store: MemoryJobStore, id = 'job-1'): Promise<JobRecord> {
  const record = await store.get(id);
  if (!record) throw new Error(`no job ${id}`);
  return record;
}

describe('MemoryJobStore', () => {
  describe('create and get', () => {
    it('stores a job and reads it back', async () => {
      const store = new MemoryJobStore();
      await store.create(job());

      expect(await store.get('job-1')).toEqual(job());
    });

    it('reads a missing job as undefined', async () => {
      expect(await new MemoryJobStore().get('nope')).toBeUndefined();
    });

    it('refuses to create a job whose id exists', async () => {
      const store = new MemoryJobStore();
      await store.create(job());

      await expect(store.create(job({ task: 'other' }))).rejects.toBeInstanceOf(JobConflictError);
      expect((await stored(store)).task).toBe('math.add');
    });
  });

  describe('claim', () => {
    it('creates a missing job from the envelope and starts attempt 1', async () => {
      const store = new MemoryJobStore();

      const outcome = await store.claim(claimRequest({ maxAttempts: 5 }));

      expect(outcome.claimed).toBe(true);
      expect(outcome.job).toEqual({
        id: 'job-1',
        task: 'math.add',
        status: 'running',
        args: { a: 1, b: 2 },
        attempts: 1,
        maxAttempts: 5,
        enqueuedAt: t0,
        startedAt: t0 + 1_000,
        heartbeatAt: t0 + 1_000,
        leaseExpiresAt: t0 + 31_000,
        leaseToken: 'token-w1',
        workerId: 'w1',
        logs: [],
        history: [
          { at: t0, status: 'queued', attempt: 0 },
          { at: t0 + 1_000, status: 'running', attempt: 1, workerId: 'w1' },
        ],
      });
      expect(await store.get('job-1')).toEqual(outcome.job);
    });

    it('starts a queued job, keeping its budget and history', async () => {
      const store = new MemoryJobStore();
      await store.create(job({ maxAttempts: 2 }));

      const outcome = await store.claim(claimRequest({ maxAttempts: 9 }));

      expect(outcome).toMatchObject({
        claimed: true,
        job: { status: 'running', attempts: 1, maxAttempts: 2 },
      });
      expect(outcome.job.history.map((e) => e.status)).toEqual(['queued', 'running']);
    });

    it('starts the next attempt of a retrying job, keeping its first start time', async () => {
      const store = new MemoryJobStore();
      await store.create(
        job({
          status: 'retrying',
          attempts: 1,
          startedAt: t0 + 10,
          nextAttemptAt: t0 + 900,
          error: taskError,
        }),
      );

      const outcome = await store.claim(claimRequest({ workerId: 'w2' }));

      expect(outcome).toMatchObject({
        claimed: true,
        job: { status: 'running', attempts: 2, workerId: 'w2', startedAt: t0 + 10 },
      });
      expect(outcome.job).not.toHaveProperty('nextAttemptAt');
      expect(outcome.job.history.at(-1)).toEqual({
        at: t0 + 1_000,
        status: 'running',
        attempt: 2,
        workerId: 'w2',
      });
    });

    it('refuses a running job and returns it as it stands', async () => {
      const store = await runningStore();

      const outcome = await store.claim(claimRequest({ workerId: 'w2', now: t0 + 2_000 }));

      expect(outcome).toEqual({ claimed: false, job: await stored(store) });
      expect(outcome.job).toMatchObject({ workerId: 'w1', attempts: 1 });
    });

    it.each<JobStatus>(['succeeded', 'failed', 'cancelled'])('refuses a %s job', async (status) => {
      const store = new MemoryJobStore();
      await store.create(job({ status, attempts: 1 }));

      const outcome = await store.claim(claimRequest());

      expect(outcome).toMatchObject({ claimed: false, job: { status, attempts: 1 } });
      expect((await stored(store)).status).toBe(status);
    });

    it('lets exactly one of two concurrent claims win', async () => {
      const store = new MemoryJobStore();
      await store.create(job());

      const outcomes = await Promise.all([
        store.claim(claimRequest({ workerId: 'w1' })),
        store.claim(claimRequest({ workerId: 'w2' })),
      ]);

      const winners = outcomes.filter((o) => o.claimed);
      expect(winners).toHaveLength(1);
      expect(await stored(store)).toMatchObject({ attempts: 1, workerId: winners[0]?.job.workerId });
    });
  });

  describe('takeOver', () => {
    it('starts a new attempt of a job whose lease expired, recording the lost attempt', async () => {
      const store = await runningStore();

      const outcome = await store.takeOver(
        claimRequest({ workerId: 'w2', now: t0 + 40_000, leaseExpiresAt: t0 + 70_000 }),
        lost,
      );

      expect(outcome).toMatchObject({
        claimed: true,
        job: {
          status: 'running',
          attempts: 2,
          workerId: 'w2',
          leaseExpiresAt: t0 + 70_000,
          startedAt: t0 + 1_000,
          error: { code: 'worker_lost', name: 'WorkerLostError' },
        },
      });
      expect(outcome.job.history.slice(-2)).toEqual([
        {
          at: t0 + 40_000,
          status: 'retrying',
          attempt: 1,
          workerId: 'w1',
          error: { code: 'worker_lost', message: expect.stringContaining('Attempt 1 was lost: worker w1') },
        },
        { at: t0 + 40_000, status: 'running', attempt: 2, workerId: 'w2' },
      ]);
    });

    it('refuses until the lease has expired', async () => {
      const store = await runningStore();
      const before = await stored(store);

      const outcome = await store.takeOver(claimRequest({ workerId: 'w2', now: t0 + 31_000 }), lost);

      expect(outcome).toEqual({ claimed: false, job: before });
      expect(await stored(store)).toEqual(before);
    });

    it('refuses when the lost attempt is no longer the current one', async () => {
      const store = await runningStore();
      await store.takeOver(
        claimRequest({ workerId: 'w2', now: t0 + 40_000, leaseExpiresAt: t0 + 41_000 }),
        lost,
      );

      const outcome = await store.takeOver(claimRequest({ workerId: 'w3', now: t0 + 50_000 }), lost);

      expect(outcome).toMatchObject({ claimed: false, job: { attempts: 2, workerId: 'w2' } });
    });

    it('refuses a job that is no longer running', async () => {
      const store = await runningStore();
      await store.complete('job-1', fence, { status: 'succeeded', at: t0 + 2_000, result: 3, logs: [] });

      const outcome = await store.takeOver(claimRequest({ workerId: 'w2', now: t0 + 40_000 }), lost);

      expect(outcome).toMatchObject({ claimed: false, job: { status: 'succeeded' } });
    });

    it('throws JobNotFoundError for a missing job', async () => {
      await expect(new MemoryJobStore().takeOver(claimRequest(), lost)).rejects.toBeInstanceOf(
        JobNotFoundError,
      );
    });
  });

  describe('touch', () => {
    it('renews the lease, sets progress and appends logs under the fence', async () => {
      const store = await runningStore();
      const line = { at: t0 + 1_500, level: 'info' as const, message: 'hello' };

      await store.touch('job-1', fence, {
        at: t0 + 2_000,
        leaseExpiresAt: t0 + 32_000,
        progress: { fraction: 0.5, message: 'half' },
        logs: [line],
      });
      await store.touch('job-1', fence, { at: t0 + 3_000, logs: [{ ...line, message: 'again' }] });

      expect(await stored(store)).toMatchObject({
        heartbeatAt: t0 + 3_000,
        leaseExpiresAt: t0 + 32_000,
        progress: { fraction: 0.5, message: 'half' },
        logs: [line, { ...line, message: 'again' }],
      });
    });

    it.each<[string, Fence]>([
      ['an earlier attempt', { attempt: 0, workerId: 'w1', token: 'token-w1' }],
      ['a later attempt', { attempt: 2, workerId: 'w1', token: 'token-w1' }],
      ['another worker', { attempt: 1, workerId: 'w2', token: 'token-w2' }],
    ])('throws LockLostError for %s and changes nothing', async (_label, wrongFence) => {
      const store = await runningStore();
      const before = await stored(store);

      await expect(store.touch('job-1', wrongFence, { at: t0 + 2_000 })).rejects.toBeInstanceOf(
        LockLostError,
      );
      expect(await stored(store)).toEqual(before);
    });

    it('throws LockLostError once the job is no longer running', async () => {
      const store = await runningStore();
      await store.complete('job-1', fence, { status: 'succeeded', at: t0 + 2_000, result: 3, logs: [] });

      await expect(store.touch('job-1', fence, { at: t0 + 3_000 })).rejects.toBeInstanceOf(LockLostError);
    });

    it('throws LockLostError for a missing job', async () => {
      await expect(new MemoryJobStore().touch('nope', fence, { at: t0 })).rejects.toBeInstanceOf(
        LockLostError,
      );
    });
  });

  describe('complete', () => {
    const line = { at: t0 + 1_500, level: 'warn' as const, message: 'careful' };

    it('records success: result, finish time, logs and progress, and drops the lease and error', async () => {
      const store = new MemoryJobStore();
      await store.create(job({ status: 'retrying', attempts: 1, error: taskError }));
      await store.claim(claimRequest({ workerId: 'w1' }));

      const done = await store.complete(
        'job-1',
        { attempt: 2, workerId: 'w1', token: 'token-w1' },
        {
          status: 'succeeded',
          at: t0 + 2_000,
          result: { sum: 3 },
          logs: [line],
          progress: { fraction: 1 },
        },
      );

      expect(done).toMatchObject({
        status: 'succeeded',
        result: { sum: 3 },
        finishedAt: t0 + 2_000,
        logs: [line],
        progress: { fraction: 1 },
      });
      expect(done).not.toHaveProperty('leaseExpiresAt');
      expect(done).not.toHaveProperty('error');
      expect(done.history.at(-1)).toEqual({
        at: t0 + 2_000,
        status: 'succeeded',
        attempt: 2,
        workerId: 'w1',
      });
      expect(await stored(store)).toEqual(done);
    });

    it('records a retry: the error and when the next attempt is due, with no finish time', async () => {
      const store = await runningStore();

      const done = await store.complete('job-1', fence, {
        status: 'retrying',
        at: t0 + 2_000,
        error: taskError,
        nextAttemptAt: t0 + 6_000,
        logs: [],
      });

      expect(done).toMatchObject({ status: 'retrying', error: taskError, nextAttemptAt: t0 + 6_000 });
      expect(done).not.toHaveProperty('finishedAt');
      expect(done).not.toHaveProperty('leaseExpiresAt');
      expect(done.history.at(-1)).toEqual({
        at: t0 + 2_000,
        status: 'retrying',
        attempt: 1,
        workerId: 'w1',
        error: { code: 'task_error', message: 'boom' },
      });
    });

    it('records a failure with its error, finish time and dead-letter flag', async () => {
      const store = await runningStore();

      const done = await store.complete('job-1', fence, {
        status: 'failed',
        at: t0 + 2_000,
        error: taskError,
        deadLettered: true,
        logs: [],
      });

      expect(done).toMatchObject({
        status: 'failed',
        error: taskError,
        finishedAt: t0 + 2_000,
        deadLettered: true,
      });
      expect(done).not.toHaveProperty('leaseExpiresAt');
    });

    it('throws LockLostError under a stale fence and keeps the new owner', async () => {
      const store = await runningStore();
      await store.takeOver(claimRequest({ workerId: 'w2', now: t0 + 40_000 }), lost);
      const completion: Completion = { status: 'succeeded', at: t0 + 41_000, result: 'late', logs: [] };

      await expect(store.complete('job-1', fence, completion)).rejects.toBeInstanceOf(LockLostError);
      expect(await stored(store)).toMatchObject({ status: 'running', attempts: 2, workerId: 'w2' });
      expect(await stored(store)).not.toHaveProperty('result');
    });

    it('throws LockLostError for the right attempt under another worker id', async () => {
      const store = await runningStore();
      const completion: Completion = { status: 'succeeded', at: t0 + 2_000, result: 1, logs: [] };

      await expect(
        store.complete('job-1', { attempt: 1, workerId: 'w9', token: 'token-w9' }, completion),
      ).rejects.toBeInstanceOf(LockLostError);
    });
  });

  describe('reject', () => {
    it("with the 'unstarted' guard creates a missing job as failed", async () => {
      const store = new MemoryJobStore();

      expect(await store.reject(rejectRequest())).toBe(true);

      expect(await stored(store)).toEqual({
        id: 'job-1',
        task: 'math.add',
        status: 'failed',
        args: { a: 1, b: 2 },
        attempts: 0,
        maxAttempts: 3,
        enqueuedAt: t0,
        finishedAt: t0 + 5_000,
        error: { name: 'InvalidArgsError', message: 'bad args', code: 'invalid_args' },
        deadLettered: true,
        logs: [],
        history: [
          {
            at: t0 + 5_000,
            status: 'failed',
            attempt: 0,
            error: { code: 'invalid_args', message: 'bad args' },
          },
        ],
      });
    });

    it("with the 'unstarted' guard stores null args and the rejection time when they are not given", async () => {
      const store = new MemoryJobStore();
      const { args: _a, enqueuedAt: _e, ...request } = rejectRequest();

      await store.reject(request);

      expect(await stored(store)).toMatchObject({ args: null, enqueuedAt: t0 + 5_000 });
    });

    it.each<JobStatus>(['queued', 'retrying'])(
      "with the 'unstarted' guard fails a %s job",
      async (status) => {
        const store = new MemoryJobStore();
        await store.create(job({ status, attempts: status === 'retrying' ? 1 : 0 }));

        expect(await store.reject(rejectRequest())).toBe(true);
        expect(await stored(store)).toMatchObject({ status: 'failed', deadLettered: true });
      },
    );

    it.each<JobStatus>(['running', 'succeeded', 'failed', 'cancelled'])(
      "with the 'unstarted' guard leaves a %s job alone",
      async (status) => {
        const store = new MemoryJobStore();
        await store.create(job({ status, attempts: 1 }));
        const before = await stored(store);

        expect(await store.reject(rejectRequest())).toBe(false);
        expect(await stored(store)).toEqual(before);
      },
    );

    it("with the 'lost' guard fails a running attempt whose lease expired", async () => {
      const store = await runningStore();

      const rejected = await store.reject(
        rejectRequest({ guard: { kind: 'lost', attempt: 1, now: t0 + 40_000 }, at: t0 + 40_000 }),
      );

      expect(rejected).toBe(true);
      const record = await stored(store);
      expect(record).toMatchObject({ status: 'failed', attempts: 1, finishedAt: t0 + 40_000 });
      expect(record).not.toHaveProperty('leaseExpiresAt');
    });

    it.each([
      ['the lease is still live', { kind: 'lost' as const, attempt: 1, now: t0 + 30_000 }],
      ['the attempt is not the current one', { kind: 'lost' as const, attempt: 2, now: t0 + 40_000 }],
    ])("with the 'lost' guard refuses when %s", async (_label, guard) => {
      const store = await runningStore();
      const before = await stored(store);

      expect(await store.reject(rejectRequest({ guard }))).toBe(false);
      expect(await stored(store)).toEqual(before);
    });

    it("with the 'lost' guard refuses a missing job", async () => {
      const store = new MemoryJobStore();

      expect(await store.reject(rejectRequest({ guard: { kind: 'lost', attempt: 0, now: t0 } }))).toBe(false);
      expect(await store.get('job-1')).toBeUndefined();
    });
  });

  describe('cancel', () => {
    it('cancels a queued job', async () => {
      const store = new MemoryJobStore();
      await store.create(job());

      const cancelled = await store.cancel('job-1', t0 + 9_000);

      expect(cancelled).toMatchObject({ status: 'cancelled', finishedAt: t0 + 9_000 });
      expect(cancelled.history.at(-1)).toEqual({ at: t0 + 9_000, status: 'cancelled', attempt: 0 });
      expect(await stored(store)).toEqual(cancelled);
    });

    it('cancels a retrying job and drops its next attempt time', async () => {
      const store = new MemoryJobStore();
      await store.create(job({ status: 'retrying', attempts: 1, nextAttemptAt: t0 + 60_000 }));

      const cancelled = await store.cancel('job-1', t0 + 9_000);

      expect(cancelled.status).toBe('cancelled');
      expect(cancelled).not.toHaveProperty('nextAttemptAt');
    });

    it('records a cancel request on a running job, keeps the first request time, and leaves it running', async () => {
      const store = new MemoryJobStore();
      await store.create(job({ status: 'running', attempts: 1, leaseToken: 'token-1' }));

      const requested = await store.cancel('job-1', t0 + 5);
      const again = await store.cancel('job-1', t0 + 9);

      expect(requested).toMatchObject({ status: 'running', cancelRequestedAt: t0 + 5 });
      expect(again.cancelRequestedAt).toBe(t0 + 5);
    });

    it('refuses to end a cancel-requested attempt as retrying, so the cancel is not lost', async () => {
      const store = new MemoryJobStore();
      await store.create(job({ status: 'running', attempts: 1, leaseToken: 'token-1' }));
      await store.cancel('job-1', t0 + 5);
      const fence = { attempt: 1, workerId: 'w', token: 'token-1' };

      const retrying = store.complete('job-1', fence, {
        status: 'retrying',
        at: t0 + 6,
        error: taskError,
        nextAttemptAt: t0 + 60,
        logs: [],
      });

      await expect(retrying).rejects.toMatchObject({ code: 'cancelled' });
      expect((await stored(store)).status).toBe('running');
    });

    it.each<JobStatus>(['succeeded', 'failed', 'cancelled'])(
      'refuses a %s job with JobConflictError',
      async (status) => {
        const store = new MemoryJobStore();
        await store.create(job({ status }));

        const error = await store.cancel('job-1', t0).catch((e: unknown) => e);

        expect(error).toBeInstanceOf(JobConflictError);
        expect(error).toMatchObject({ context: { jobId: 'job-1', operation: 'cancel', status } });
        expect((await stored(store)).status).toBe(status);
      },
    );

    it('throws JobNotFoundError for a missing job', async () => {
      await expect(new MemoryJobStore().cancel('nope', t0)).rejects.toBeInstanceOf(JobNotFoundError);
    });
  });

  describe('requeue', () => {
    const finished = job({
      status: 'failed',
      attempts: 3,
      startedAt: t0 + 1,
      finishedAt: t0 + 2,
      heartbeatAt: t0 + 2,
      progress: { fraction: 0.7 },
      result: 'partial',
      error: taskError,
      deadLettered: true,
      logs: [{ at: t0 + 1, level: 'info', message: 'kept' }],
    });

    it('puts a failed job back to queued with a fresh budget, clearing its outcome', async () => {
      const store = new MemoryJobStore();
      await store.create(finished);

      const requeued = await store.requeue('job-1', t0 + 100_000);

      expect(requeued).toMatchObject({ status: 'queued', attempts: 0, enqueuedAt: t0 + 100_000 });
      for (const key of [
        'result',
        'error',
        'progress',
        'startedAt',
        'finishedAt',
        'heartbeatAt',
        'deadLettered',
      ]) {
        expect(requeued).not.toHaveProperty(key);
      }
      expect(requeued.logs).toEqual(finished.logs);
      expect(requeued.history.at(-1)).toEqual({ at: t0 + 100_000, status: 'queued', attempt: 0 });
      expect(await stored(store)).toEqual(requeued);
    });

    it('requeues a cancelled job', async () => {
      const store = new MemoryJobStore();
      await store.create(job({ status: 'cancelled' }));

      expect((await store.requeue('job-1', t0)).status).toBe('queued');
    });

    it.each<JobStatus>(['queued', 'running', 'retrying', 'succeeded'])(
      'refuses a %s job with JobConflictError',
      async (status) => {
        const store = new MemoryJobStore();
        await store.create(job({ status }));

        await expect(store.requeue('job-1', t0)).rejects.toMatchObject({
          code: 'job_conflict',
          context: { operation: 'retry', status },
        });
      },
    );

    it('throws JobNotFoundError for a missing job', async () => {
      await expect(new MemoryJobStore().requeue('nope', t0)).rejects.toBeInstanceOf(JobNotFoundError);
    });
  });

  describe('list', () => {
    async function storeOf(jobs: JobRecord[]): Promise<MemoryJobStore> {
      const store = new MemoryJobStore();
      for (const j of jobs) await store.create(j);
      return store;
    }

    const ids = (page: { jobs: readonly JobRecord[] }) => page.jobs.map((j) => j.id);

    it('lists jobs newest first, ties broken by id descending', async () => {
      const store = await storeOf([
        job({ id: 'a', enqueuedAt: t0 }),
        job({ id: 'b', enqueuedAt: t0 + 2 }),
        job({ id: 'c', enqueuedAt: t0 + 1 }),
        job({ id: 'd', enqueuedAt: t0 + 1 }),
      ]);

      expect(ids(await store.list({}))).toEqual(['b', 'd', 'c', 'a']);
    });

    it('filters by status, by task, and by both', async () => {
      const store = await storeOf([
        job({ id: 'a', status: 'failed', task: 'x', enqueuedAt: t0 + 1 }),
        job({ id: 'b', status: 'failed', task: 'y', enqueuedAt: t0 + 2 }),
        job({ id: 'c', status: 'queued', task: 'x', enqueuedAt: t0 + 3 }),
      ]);

      expect(ids(await store.list({ status: 'failed' }))).toEqual(['b', 'a']);
      expect(ids(await store.list({ task: 'x' }))).toEqual(['c', 'a']);
      expect(ids(await store.list({ status: 'failed', task: 'x' }))).toEqual(['a']);
      expect(ids(await store.list({ status: 'running' }))).toEqual([]);
    });

    it('pages with a cursor until no more jobs match', async () => {
      const store = await storeOf(
        ['a', 'b', 'c', 'd', 'e'].map((id, i) => job({ id, enqueuedAt: t0 + (i < 2 ? 0 : i) })),
      );

      const first = await store.list({ limit: 2 });
      const second = await store.list({
        limit: 2,
        ...(first.nextCursor ? { cursor: first.nextCursor } : {}),
      });
      const third = await store.list({
        limit: 2,
        ...(second.nextCursor ? { cursor: second.nextCursor } : {}),
      });

      expect([ids(first), ids(second), ids(third)]).toEqual([['e', 'd'], ['c', 'b'], ['a']]);
      expect(first.nextCursor).toEqual(expect.any(String));
      expect(second.nextCursor).toEqual(expect.any(String));
      expect(third).not.toHaveProperty('nextCursor');
    });

    it('gives no cursor when the page holds exactly the remaining jobs', async () => {
      const store = await storeOf([job({ id: 'a' }), job({ id: 'b' })]);

      expect(await store.list({ limit: 2 })).not.toHaveProperty('nextCursor');
    });

    it('defaults to pages of 50', async () => {
      const store = await storeOf(Array.from({ length: 51 }, (_, i) => job({ id: `j${i}` })));

      const page = await store.list({});

      expect(page.jobs).toHaveLength(50);
      expect(page.nextCursor).toBeDefined();
    });

    it.each([0, 1001, 2.5])('rejects a limit of %s', async (limit) => {
      await expect(new MemoryJobStore().list({ limit })).rejects.toBeInstanceOf(ConfigError);
    });

    it('rejects a cursor that no page gave out', async () => {
      await expect(new MemoryJobStore().list({ cursor: 'garbage' })).rejects.toThrow(/`cursor`/);
    });
  });

  describe('copies', () => {
    it('returns copies from get, so mutating one leaves the store alone', async () => {
      const store = new MemoryJobStore();
      await store.create(job());

      const record = (await stored(store)) as unknown as {
        status: string;
        args: { a: number };
        history: unknown[];
      };
      record.status = 'succeeded';
      record.args.a = 99;
      record.history.push('junk');

      expect(await store.get('job-1')).toEqual(job());
    });

    it('returns copies from claim, complete, cancel and list', async () => {
      const store = new MemoryJobStore();
      const claimed = (await store.claim(claimRequest())).job as unknown as { logs: unknown[] };
      const done = (await store.complete('job-1', fence, {
        status: 'succeeded',
        at: t0 + 2_000,
        result: { sum: 3 },
        logs: [],
      })) as { result: { sum: number } };
      const [listed] = (await store.list({})).jobs as unknown as Array<{ workerId: string }>;
      claimed.logs.push('junk');
      done.result.sum = -1;
      if (listed) listed.workerId = 'mallory';

      expect(await stored(store)).toMatchObject({ logs: [], result: { sum: 3 }, workerId: 'w1' });
    });

    it('keeps its own copy of a created job', async () => {
      const store = new MemoryJobStore();
      const input = job() as { args: { a: number } };
      await store.create(input as JobRecord);

      input.args.a = 99;

      expect((await stored(store)).args).toEqual({ a: 1, b: 2 });
    });

    it('keeps its own copy of the args of a job that claim created', async () => {
      const store = new MemoryJobStore();
      const request = claimRequest();
      await store.claim(request);

      (request.envelope.args as { a: number }).a = 99;

      expect((await stored(store)).args).toEqual({ a: 1, b: 2 });
    });

    it('answers read-only claims and completions with records that later writes leave as they were', async () => {
      const store = new MemoryJobStore();
      await store.create(job());
      const claimed = (await store.claim({ ...claimRequest(), readOnly: true })).job;
      const before = structuredClone(claimed);
      await store.touch('job-1', fence, {
        at: t0 + 1_500,
        logs: [{ at: t0 + 1_500, level: 'info', message: 'hi' }],
      });
      const result = { sum: 3 };
      const done = await store.complete(
        'job-1',
        fence,
        { status: 'succeeded', at: t0 + 2_000, result, logs: [] },
        undefined,
        true,
      );
      result.sum = -1;

      expect(claimed).toEqual(before);
      expect(done).toEqual(await stored(store));
      expect(done.result).toEqual({ sum: 3 });
    });

    it("keeps its own copy of a completion's progress, error and log lines, read-only answers included", async () => {
      const store = await runningStore();
      const progress = { fraction: 0.5, message: 'half' };
      const error = { ...taskError };
      const logLine = { at: t0 + 1_500, level: 'info' as const, message: 'hi' };
      const done = await store.complete(
        'job-1',
        fence,
        { status: 'failed', at: t0 + 2_000, error, deadLettered: true, logs: [logLine], progress },
        undefined,
        true,
      );

      progress.fraction = 0;
      error.message = 'changed';
      logLine.message = 'changed';

      expect(done).toEqual(await stored(store));
      expect(done).toMatchObject({
        progress: { fraction: 0.5, message: 'half' },
        error: { message: 'boom' },
        logs: [{ message: 'hi' }],
      });
    });

    it('keeps its own copy of a completed result', async () => {
      const store = await runningStore();
      const result = { sum: 3 };
      await store.complete('job-1', fence, { status: 'succeeded', at: t0 + 2_000, result, logs: [] });

      result.sum = -1;

      expect((await stored(store)).result).toEqual({ sum: 3 });
    });
  });

  describe('request counting', () => {
    it('counts its operations under their DynamoDB names', async () => {
      const counter = new RequestCounter();
      const store = new MemoryJobStore({ counter });

      await store.create(job());
      await store.get('job-1');
      await store.claim(claimRequest());
      await store.touch('job-1', fence, { at: t0 + 2_000 });
      await store.list({});

      expect(counter.snapshot()).toEqual({ dynamodb: { PutItem: 1, GetItem: 1, UpdateItem: 2, Query: 1 } });
    });
  });
});
