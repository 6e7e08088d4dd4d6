import {
  type ClaimRequest,
  decodeEnvelope,
  encodeEnvelope,
  type Fence,
  type JobRecord,
  type JobStore,
  LockLostError,
  PayloadTooLargeError,
} from 'longhaul';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listingBounds } from '../../src/core/job-listing.js';
import { contractBackends, type TestBackend } from '../support/backends.js';
import { eventually } from '../support/serve.js';

// The job store's guarantees, on every backend: every status change is a conditional write.
describe.each(contractBackends('contract/store'))('the job store on the $name backend', (factory) => {
  let t: TestBackend;
  let store: JobStore;

  beforeEach(async () => {
    t = await factory.create();
    store = t.backend.store;
  });
  afterEach(async () => {
    await t.dispose();
  });

  const claimRequest = (id: string, workerId: string, now = Date.now()): ClaimRequest => ({
    envelope: decodeEnvelope(encodeEnvelope({ id, task: 'math.add', args: { a: 1, b: 2 }, enqueuedAt: now })),
    maxAttempts: 3,
    workerId,
    token: `token-${workerId}`,
    now,
    leaseExpiresAt: now + 60_000,
  });

  it('lets only one of many claims start the attempt, showing the others who holds it', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.claim(claimRequest('contested', `worker-${i}`))),
    );
    const winners = results.filter((r) => r.claimed);
    expect(winners).toHaveLength(1);
    const job = await store.get('contested');
    expect(job).toMatchObject({ status: 'running', attempts: 1, workerId: winners[0]?.job.workerId });
    for (const loser of results.filter((r) => !r.claimed)) expect(loser.job.status).toBe('running');
  });

  it('creates a job from its message when the record is missing, as for scheduled sends', async () => {
    const result = await store.claim(claimRequest('from-a-message', 'w1'));
    expect(result).toMatchObject({
      claimed: true,
      job: {
        id: 'from-a-message',
        task: 'math.add',
        args: { a: 1, b: 2 },
        attempts: 1,
        maxAttempts: 3,
        logs: [],
      },
    });
  });

  it('gives a schedule to one run at a time, replacing only the holder the caller names', async () => {
    expect(await store.holdSchedule('nightly', 'run-1')).toEqual({ held: true });
    // The holder asking again (a retry of the same run) keeps it.
    expect(await store.holdSchedule('nightly', 'run-1')).toEqual({ held: true });
    expect(await store.holdSchedule('nightly', 'run-2')).toEqual({ held: false, holder: 'run-1' });
    // Naming a holder that is no longer the one is refused: no run can take over from a stale reading.
    expect(await store.holdSchedule('nightly', 'run-3', 'run-0')).toEqual({ held: false, holder: 'run-1' });
    expect(await store.holdSchedule('nightly', 'run-2', 'run-1')).toEqual({ held: true });
    expect(await store.holdSchedule('nightly', 'run-3', 'run-1')).toEqual({ held: false, holder: 'run-2' });
    // Schedules are independent, and their holds are not jobs.
    expect(await store.holdSchedule('hourly', 'run-9')).toEqual({ held: true });
    expect((await store.list({})).jobs).toEqual([]);
  });

  it('finds the oldest job of a status across the index shards', async () => {
    expect(await store.oldest('queued')).toBeUndefined();
    const now = Date.now();
    const queued = (id: string, enqueuedAt: number) =>
      store.create({
        id,
        task: 'math.add',
        status: 'queued',
        args: null,
        attempts: 0,
        maxAttempts: 3,
        enqueuedAt,
        logs: [],
        history: [],
      });
    for (let i = 0; i < 20; i++) await queued(`job-${i}`, now - 1_000 * i);
    // The oldest one starts: the next oldest is the oldest still queued.
    await store.claim(claimRequest('job-19', 'worker-1', now));
    await eventually(async () => (await store.oldest('queued'))?.id === 'job-18' || undefined);
    expect(await store.oldest('queued')).toEqual({ id: 'job-18', enqueuedAt: now - 18_000 });
    expect(await store.oldest('running')).toMatchObject({ id: 'job-19' });
  });

  it('lists scheduled, retrying and long-running jobs while they are so, and recent running ones too', async () => {
    const now = Date.now();
    const created = (id: string, status: 'queued' | 'scheduled', enqueuedAt: number) =>
      store.create({
        id,
        task: 'math.add',
        status,
        args: null,
        attempts: 0,
        maxAttempts: 3,
        enqueuedAt,
        logs: [],
        history: [],
      });
    const ids = async (status: 'scheduled' | 'running' | 'retrying' | 'failed') =>
      (await store.list({ status })).jobs.map((job) => job.id);
    await created('later', 'scheduled', now - 3_000);
    await created('quick', 'queued', now - 2_000);
    await created('long', 'queued', now - 1_000);
    expect(await ids('scheduled')).toEqual(['later']);

    const quick = await store.claim(claimRequest('quick', 'w1', now));
    const long = await store.claim(claimRequest('long', 'w2', now));
    const longFence = { attempt: long.job.attempts, workerId: 'w2', token: 'token-w2' };
    // A lease extension lists the attempt as long-running; the quick one is found newest first by time.
    await store.touch('long', longFence, { at: now + 1, leaseExpiresAt: now + 120_000 });
    await store.touch('long', longFence, { at: now + 2, leaseExpiresAt: now + 180_000 });
    expect(await ids('running')).toEqual(['long', 'quick']);

    const error = { name: 'Error', message: 'flaky', code: 'TASK_FAILED' };
    await store.complete(
      'quick',
      { attempt: quick.job.attempts, workerId: 'w1', token: 'token-w1' },
      { status: 'retrying', at: now + 3, error, nextAttemptAt: now + 60_000, logs: [] },
    );
    expect(await ids('retrying')).toEqual(['quick']);
    expect(await ids('running')).toEqual(['long']);

    // Leaving an attention state leaves its list: the claim of a scheduled or retrying job, the
    // outcome of a long-running one.
    await store.claim(claimRequest('later', 'w3', now));
    await store.claim(claimRequest('quick', 'w1', now));
    expect(await ids('scheduled')).toEqual([]);
    expect(await ids('retrying')).toEqual([]);
    await store.complete('long', longFence, {
      status: 'failed',
      at: now + 4,
      error,
      deadLettered: false,
      logs: [],
    });
    expect(await ids('failed')).toEqual(['long']);
    expect(await ids('running')).toEqual(['quick', 'later']);
  });

  it('returns a short page with a cursor when a listing reaches its read bound, and finds the rest by paging', async () => {
    const now = Date.now();
    const record = (id: string, status: 'queued' | 'succeeded', enqueuedAt: number) => ({
      id,
      task: 'math.add',
      status,
      args: null,
      attempts: 0,
      maxAttempts: 3,
      enqueuedAt,
      logs: [],
      history: [],
    });
    // The one queued job is older than more succeeded jobs than one call reads.
    await store.create(record('waiting', 'queued', now - 1_000_000));
    const newer = listingBounds.items + 10;
    for (let i = 0; i < newer; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) => store.create(record(`done-${i + j}`, 'succeeded', now - i - j))),
      );
    }
    const first = await store.list({ status: 'queued', limit: 5 });
    expect(first.jobs).toEqual([]);
    expect(first.nextCursor).toBeDefined();
    const second = await store.list({ status: 'queued', limit: 5, cursor: first.nextCursor as string });
    expect(second.jobs.map((job) => job.id)).toEqual(['waiting']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('pages through jobs enqueued in the same millisecond by id, without gaps or repeats', async () => {
    const at = Date.now();
    const ids = Array.from({ length: 30 }, (_, i) => `same-${String(i).padStart(2, '0')}`);
    await Promise.all(
      ids.map((id) =>
        store.create({
          id,
          task: 'math.add',
          status: 'queued',
          args: null,
          attempts: 0,
          maxAttempts: 3,
          enqueuedAt: at,
          logs: [],
          history: [],
        }),
      ),
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 7, ...(cursor ? { cursor } : {}) });
      seen.push(...page.jobs.map((job) => job.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('records the schedule a run belongs to when its claim creates the job', async () => {
    const now = Date.now();
    const envelope = decodeEnvelope(
      JSON.stringify({
        v: 1,
        id: 'nightly@2026-11-23T00:00:00Z',
        task: 'math.add',
        args: { a: 1, b: 1 },
        enqueuedAt: '2026-11-23T00:00:00Z',
        schedule: { name: 'nightly', overlap: 'skip' },
      }),
    );
    const outcome = await store.claim({ ...claimRequest('unused', 'worker-1', now), envelope });
    expect(outcome.job).toMatchObject({
      id: 'nightly@2026-11-23T00:00:00Z',
      schedule: 'nightly',
      enqueuedAt: Date.parse('2026-11-23T00:00:00Z'),
      status: 'running',
    });
  });

  it('never moves a finished job back to running', async () => {
    const { job } = await store.claim(claimRequest('done', 'w1'));
    await store.complete(
      'done',
      { attempt: job.attempts, workerId: 'w1', token: 'token-w1' },
      {
        status: 'succeeded',
        at: Date.now(),
        result: 42,
        logs: [],
      },
    );
    const again = await store.claim(claimRequest('done', 'w2'));
    expect(again).toMatchObject({ claimed: false, job: { status: 'succeeded', result: 42 } });
    expect(
      await store.reject({
        id: 'done',
        task: 'math.add',
        maxAttempts: 3,
        guard: { kind: 'unstarted' },
        error: { name: 'Error', message: 'late', code: 'x' },
        deadLettered: true,
        at: Date.now(),
      }),
    ).toBe(false);
    expect((await store.get('done'))?.status).toBe('succeeded');
  });

  it('refuses writes from a worker whose attempt was superseded', async () => {
    const start = Date.now();
    const first = await store.claim({ ...claimRequest('fenced', 'old'), leaseExpiresAt: start - 1 });
    const takeover = await store.takeOver(claimRequest('fenced', 'new'), first.job);
    expect(takeover).toMatchObject({
      claimed: true,
      job: { attempts: 2, workerId: 'new', error: { code: 'worker_lost' } },
    });
    const stale = { attempt: 1, workerId: 'old', token: 'token-old' };
    await expect(
      store.touch('fenced', stale, { at: Date.now(), progress: { fraction: 0.9 } }),
    ).rejects.toBeInstanceOf(LockLostError);
    await expect(
      store.complete('fenced', stale, { status: 'succeeded', at: Date.now(), result: 'stale', logs: [] }),
    ).rejects.toBeInstanceOf(LockLostError);
    // A live lease cannot be taken over.
    expect(await store.takeOver(claimRequest('fenced', 'third'), takeover.job)).toMatchObject({
      claimed: false,
    });
    expect(await store.get('fenced')).toMatchObject({ status: 'running', attempts: 2, workerId: 'new' });
  });

  it('appends progress and logs while the attempt runs', async () => {
    const { job } = await store.claim(claimRequest('chatty', 'w1'));
    const fence = { attempt: job.attempts, workerId: 'w1', token: 'token-w1' };
    await store.touch('chatty', fence, {
      at: Date.now(),
      progress: { fraction: 0.25, message: 'a quarter' },
      logs: [{ at: 1, level: 'info', message: 'one' }],
    });
    await store.touch('chatty', fence, {
      at: Date.now(),
      leaseExpiresAt: Date.now() + 1_000,
      logs: [{ at: 2, level: 'warn', message: 'two' }],
    });
    expect(await store.get('chatty')).toMatchObject({
      progress: { fraction: 0.25, message: 'a quarter' },
      logs: [{ message: 'one' }, { message: 'two', level: 'warn' }],
    });
  });

  it('ends an attempt from the record its worker last saw with the record a read gives back', async () => {
    const ends = [
      { status: 'succeeded', result: { sum: 3 }, expiresAt: Date.now() + 86_400_500 },
      {
        status: 'failed',
        error: { name: 'Error', message: 'gave up', code: 'task_error' },
        deadLettered: true,
        expiresAt: Date.now() + 86_400_500,
      },
      {
        status: 'retrying',
        error: { name: 'WorkerShutdownError', message: 'stopping', code: 'worker_shutdown' },
        nextAttemptAt: Date.now() + 1_000,
        interrupted: true,
      },
    ] as const;
    for (const end of ends) {
      const id = `seen-${end.status}`;
      const { job } = await store.claim(claimRequest(id, 'w1'));
      const fence = { attempt: job.attempts, workerId: 'w1', token: 'token-w1' };
      const known = await store.touch(id, fence, {
        at: Date.now(),
        progress: { fraction: 0.5 },
        logs: [{ at: 1, level: 'info', message: 'half way' }],
      });
      const ended = await store.complete(
        id,
        fence,
        { ...end, at: Date.now(), logs: [{ at: 2, level: 'info', message: 'done' }] },
        known,
      );
      expect(ended).toEqual(await store.get(id));
    }
  });

  it('clears the error a lost attempt left when the attempt that took over succeeds', async () => {
    const first = await store.claim({ ...claimRequest('recovered', 'old'), leaseExpiresAt: Date.now() - 1 });
    const taken = await store.takeOver(claimRequest('recovered', 'new'), first.job);
    expect(taken.job.error).toMatchObject({ code: 'worker_lost' });
    const fence = { attempt: taken.job.attempts, workerId: 'new', token: 'token-new' };
    const ended = await store.complete(
      'recovered',
      fence,
      { status: 'succeeded', at: Date.now(), result: 'ok', logs: [] },
      taken.job,
    );
    expect(ended.error).toBeUndefined();
    expect(ended).toEqual(await store.get('recovered'));
  });

  it("fences each claim with its own token, so a retried job never accepts an old attempt's writes", async () => {
    const first = await store.claim({ ...claimRequest('reclaimed', 'worker-a'), token: 'claim-1' });
    const oldFence = { attempt: first.job.attempts, workerId: 'worker-a', token: 'claim-1' };
    await store.complete('reclaimed', oldFence, {
      status: 'failed',
      at: Date.now(),
      error: { name: 'Error', message: 'gave up', code: 'task_error' },
      deadLettered: true,
      logs: [],
    });
    await store.requeue('reclaimed', Date.now());
    // The same worker claims the job again: same attempt number, same worker id, a new token.
    const second = await store.claim({ ...claimRequest('reclaimed', 'worker-a'), token: 'claim-2' });
    expect(second.job.attempts).toBe(oldFence.attempt);
    await expect(
      store.touch('reclaimed', oldFence, { at: Date.now(), progress: { fraction: 1 } }),
    ).rejects.toBeInstanceOf(LockLostError);
    await store.touch(
      'reclaimed',
      { ...oldFence, token: 'claim-2' },
      { at: Date.now(), progress: { fraction: 0.1 } },
    );
  });

  // The DynamoDB store fences an attempt's writes by its token alone (see docs/architecture.md, "Who owns
  // a job"): that holds only while every write that ends a running attempt, or starts another, takes the
  // token with it. One case per such write.
  it("takes the attempt's token with every write that moves a job out of its attempt", async () => {
    const error = { name: 'Error', message: 'gave up', code: 'task_error' };
    const ends = {
      succeeded: { status: 'succeeded', result: 1 },
      failed: { status: 'failed', error, deadLettered: true },
      cancelled: { status: 'cancelled', error, deadLettered: false },
      retrying: { status: 'retrying', error, nextAttemptAt: Date.now() + 60_000 },
      'retrying, handed back': { status: 'retrying', error, nextAttemptAt: Date.now(), interrupted: true },
    } as const;
    const moves: [string, (id: string, fence: Fence) => Promise<unknown>][] = [
      ...Object.entries(ends).map(([name, end]): [string, (id: string, fence: Fence) => Promise<unknown>] => [
        `completion ${name}`,
        (id, fence) => store.complete(id, fence, { ...end, at: Date.now(), logs: [] }),
      ]),
      [
        'take-over of a lost attempt',
        async (id) => {
          const running = await store.get(id);
          const taken = await store.takeOver(claimRequest(id, 'other'), running as JobRecord);
          expect(taken.claimed).toBe(true);
        },
      ],
      [
        'rejection of a lost attempt',
        async (id, fence) => {
          const rejected = await store.reject({
            id,
            task: 'math.add',
            maxAttempts: 3,
            guard: { kind: 'lost', attempt: fence.attempt, now: Date.now() },
            error,
            deadLettered: true,
            at: Date.now(),
          });
          expect(rejected).toBe(true);
        },
      ],
    ];
    for (const [name, move] of moves) {
      const id = `moved-${name.replaceAll(/\W+/g, '-')}`;
      const { job } = await store.claim({ ...claimRequest(id, 'w1'), leaseExpiresAt: Date.now() - 1 });
      const fence = { attempt: job.attempts, workerId: 'w1', token: 'token-w1' };
      await move(id, fence);
      expect((await store.get(id))?.leaseToken, name).not.toBe(fence.token);
      await expect(store.touch(id, fence, { at: Date.now() }), name).rejects.toBeInstanceOf(LockLostError);
    }
  });

  // Every write that can follow a first claim keeps the first attempt's `running` event, with its own time
  // and worker, and numbers the events after it, on both backends (a store that leaves an event to be
  // restored on read, as the DynamoDB store does a success's, must keep this true).
  it("keeps the first attempt's start in the history through every write that can follow it", async () => {
    const error = { name: 'Error', message: 'gave up', code: 'task_error' };
    const t0 = Date.now() - 10_000;
    const started = (id: string) =>
      store.claim({ ...claimRequest(id, 'w1', t0), leaseExpiresAt: t0 + 1 }).then(({ job }) => {
        expect(job.history.map((e) => e.status)).toEqual(['queued', 'running']);
        return { attempt: 1, workerId: 'w1', token: 'token-w1' };
      });
    const start = { status: 'running', at: t0, attempt: 1, workerId: 'w1' };

    await started('first-running');
    expect((await store.get('first-running'))?.history[1]).toEqual(start);

    const done = await started('first-done');
    await store.complete('first-done', done, { status: 'succeeded', at: t0 + 5, result: 1, logs: [] });
    expect((await store.get('first-done'))?.history.slice(1)).toEqual([
      start,
      { status: 'succeeded', at: t0 + 5, attempt: 1, workerId: 'w1' },
    ]);

    const retried = await started('first-retried');
    await store.complete('first-retried', retried, {
      status: 'retrying',
      error,
      nextAttemptAt: t0 + 6,
      at: t0 + 5,
      logs: [],
    });
    await store.claim(claimRequest('first-retried', 'w2', t0 + 7));
    expect((await store.get('first-retried'))?.history.slice(1)).toEqual([
      start,
      expect.objectContaining({ status: 'retrying', attempt: 1, workerId: 'w1' }),
      { status: 'running', at: t0 + 7, attempt: 2, workerId: 'w2' },
    ]);

    await started('first-taken');
    const lost = await store.get('first-taken');
    await store.takeOver(claimRequest('first-taken', 'w2', t0 + 7), lost as JobRecord);
    expect((await store.get('first-taken'))?.history.slice(1)).toEqual([
      start,
      expect.objectContaining({ status: 'retrying', attempt: 1, workerId: 'w1' }),
      { status: 'running', at: t0 + 7, attempt: 2, workerId: 'w2' },
    ]);

    await started('first-rejected');
    await store.reject({
      id: 'first-rejected',
      task: 'math.add',
      maxAttempts: 3,
      guard: { kind: 'lost', attempt: 1, now: t0 + 7 },
      error,
      deadLettered: true,
      at: t0 + 7,
    });
    expect((await store.get('first-rejected'))?.history.slice(1)).toEqual([
      start,
      expect.objectContaining({ status: 'failed', attempt: 1 }),
    ]);

    // A requeue clears `startedAt`; the first run's start stays in the history, and so does the second's.
    const requeued = await started('first-requeued');
    await store.complete('first-requeued', requeued, {
      status: 'failed',
      error,
      deadLettered: true,
      at: t0 + 5,
      logs: [],
    });
    const queuedAgain = await store.requeue('first-requeued', t0 + 6);
    expect(queuedAgain.history.map((e) => e.status)).toEqual(['queued', 'running', 'failed', 'queued']);
    expect(queuedAgain.history[1]).toEqual(start);
    expect(await store.get('first-requeued')).toEqual(queuedAgain);
    await store.claim(claimRequest('first-requeued', 'w2', t0 + 7));
    const rerun = (await store.get('first-requeued'))?.history ?? [];
    expect(rerun.map((e) => e.status)).toEqual(['queued', 'running', 'failed', 'queued', 'running']);
    expect(rerun[1]).toEqual(start);
    expect(rerun.at(-1)).toEqual({ status: 'running', at: t0 + 7, attempt: 1, workerId: 'w2' });
  });

  it('records a cancel on a running job, reports it to the heartbeat, and refuses a retrying end', async () => {
    const { job } = await store.claim(claimRequest('to-cancel', 'w1'));
    const fence = { attempt: job.attempts, workerId: 'w1', token: 'token-w1' };
    expect((await store.touch('to-cancel', fence, { at: Date.now() })).cancelRequestedAt).toBeUndefined();

    const requested = await store.cancel('to-cancel', 1_000);
    expect(requested).toMatchObject({ status: 'running', cancelRequestedAt: 1_000 });
    expect((await store.cancel('to-cancel', 2_000)).cancelRequestedAt).toBe(1_000);
    expect(await store.touch('to-cancel', fence, { at: Date.now() })).toMatchObject({
      status: 'running',
      cancelRequestedAt: 1_000,
    });

    const error = { name: 'Error', message: 'failed', code: 'task_error' };
    await expect(
      store.complete('to-cancel', fence, {
        status: 'retrying',
        at: Date.now(),
        error,
        nextAttemptAt: 0,
        logs: [],
      }),
    ).rejects.toMatchObject({ name: 'JobCancelledError', code: 'cancelled' });
    // A stale fence is still a lost lock, cancel or not.
    await expect(
      store.complete(
        'to-cancel',
        { ...fence, token: 'other' },
        { status: 'retrying', at: 0, error, nextAttemptAt: 0, logs: [] },
      ),
    ).rejects.toBeInstanceOf(LockLostError);
    const ended = await store.complete('to-cancel', fence, {
      status: 'cancelled',
      at: Date.now(),
      error: { name: 'JobCancelledError', message: 'cancelled', code: 'cancelled' },
      deadLettered: false,
      logs: [],
    });
    expect(ended).toMatchObject({ status: 'cancelled', deadLettered: false, cancelRequestedAt: 1_000 });
    await expect(store.cancel('to-cancel', 3_000)).rejects.toMatchObject({ code: 'job_conflict' });
    // A retry starts clean.
    expect(await store.requeue('to-cancel', Date.now())).not.toHaveProperty('cancelRequestedAt');
  });

  it('keeps a handoff under the fence and lets another delivery register on it', async () => {
    const { job } = await store.claim(claimRequest('long', 'w1'));
    const fence = { attempt: job.attempts, workerId: 'w1', token: 'token-w1' };
    const delivery = { messageId: 'm2', receipt: 'r2', receiveCount: 1, sentAt: 5, receivedAt: 6 };
    // No move under way: nothing to register on.
    expect(await store.registerHandoff('long', delivery)).toBe(false);

    await store.touch('long', fence, {
      at: Date.now(),
      handoff: { requestedAt: 4, requestedBy: 'token-w1' },
    });
    expect(await store.registerHandoff('long', delivery)).toBe(true);
    expect((await store.touch('long', fence, { at: Date.now() })).handoff).toEqual({
      requestedAt: 4,
      requestedBy: 'token-w1',
      delivery,
    });
    const cleared = await store.touch('long', fence, { at: Date.now(), handoff: null });
    expect(cleared).not.toHaveProperty('handoff');
    expect(await store.registerHandoff('missing-job', delivery)).toBe(false);
  });

  it('ends a lost attempt of a cancelled job as cancelled', async () => {
    const start = Date.now();
    const { job } = await store.claim({ ...claimRequest('lost-cancel', 'w1'), leaseExpiresAt: start - 1 });
    await store.cancel('lost-cancel', start);
    const rejected = await store.reject({
      id: 'lost-cancel',
      task: 'math.add',
      maxAttempts: 3,
      guard: { kind: 'lost', attempt: job.attempts, now: start },
      error: { name: 'JobCancelledError', message: 'cancelled', code: 'cancelled' },
      deadLettered: false,
      at: start,
      status: 'cancelled',
    });
    expect(rejected).toBe(true);
    const ended = await store.get('lost-cancel');
    expect(ended).toMatchObject({ status: 'cancelled', deadLettered: false, error: { code: 'cancelled' } });
    expect(ended?.history.at(-1)).toMatchObject({ status: 'cancelled' });
    expect((await store.list({ status: 'cancelled' })).jobs.map((j) => j.id)).toEqual(['lost-cancel']);
  });

  it('refuses a record too large for the store with PayloadTooLargeError', async () => {
    const { job } = await store.claim({ ...claimRequest('huge', 'w1'), token: 'claim-h' });
    await expect(
      store.complete(
        'huge',
        { attempt: job.attempts, workerId: 'w1', token: 'claim-h' },
        {
          status: 'succeeded',
          at: Date.now(),
          result: 'x'.repeat(450 * 1024),
          logs: [],
        },
      ),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
    // moto applies part of an update it rejects for size; real DynamoDB, like the memory store, rejects it
    // whole. So the untouched record is checked only where the backend under test is atomic here.
    if (factory.name === 'memory') expect(await store.get('huge')).toMatchObject({ status: 'running' });
  });
});
