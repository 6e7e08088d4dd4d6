import {
  type Backend,
  defineTask,
  type JobStore,
  Longhaul,
  silentLogger,
  step,
  WorkflowNotFoundError,
} from 'longhaul';
import { createLambdaHandler } from 'longhaul/lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { delegate } from '../support/delegate.js';
import { invokeOnce } from '../support/lambda.js';
import { eventually, receiveOne, serveUntil, testRunner, testWorker } from '../support/serve.js';

/** Fresh tasks per test, with run counters and the arguments the callback saw. */
function workflowTasks() {
  const runs = { double: 0, square: 0, total: 0, fragile: 0 };
  const totals: unknown[] = [];
  const state = { fragileBroken: true };
  const double = defineTask({
    name: 'wf.double',
    args: z.object({ n: z.number() }),
    async run({ n }) {
      runs.double++;
      return { n: n * 2 };
    },
  });
  const square = defineTask({
    name: 'wf.square',
    args: z.object({ n: z.number() }),
    async run({ n }) {
      runs.square++;
      return { n: n * n };
    },
  });
  /** The group callback: sums its members' results. */
  const total = defineTask({
    name: 'wf.total',
    args: z.array(z.object({ n: z.number() })),
    async run(results) {
      runs.total++;
      totals.push(results);
      return { sum: results.reduce((sum, r) => sum + r.n, 0) };
    },
  });
  /** Fails (after its one retry) while `state.fragileBroken`. */
  const fragile = defineTask({
    name: 'wf.fragile',
    args: z.object({ n: z.number() }),
    retries: 1,
    backoff: { baseDelayMs: 1_000, maxDelayMs: 1_000 },
    async run({ n }) {
      runs.fragile++;
      if (state.fragileBroken) throw new Error('the dependency is down');
      return { n };
    },
  });
  return { runs, totals, state, tasks: [double, square, total, fragile], double, square, total, fragile };
}

describe.each(contractBackends('contract/workflows'))('workflows on the $name backend', (factory) => {
  const s = useContractBackend(factory);

  const settled = (id: string) => async () => {
    const state = await s.longhaul.getWorkflow(id);
    return state.status !== 'running' && state;
  };

  it('lets a finished workflow record expire with the last of its jobs', async () => {
    const w = workflowTasks();
    const flow = await s.longhaul.chain(w.double, { n: 1 }).andThen(w.double).start();
    const retention = { succeededMs: 3_000 };
    const state = await serveUntil(testWorker(s.t.backend, w.tasks, { retention }), settled(flow.id));
    expect(state.status).toBe('succeeded');
    // The jobs' retention is over: the workflow reads as gone too, like its jobs.
    const gone = await eventually(async () => {
      try {
        await s.longhaul.getWorkflow(flow.id);
        return false;
      } catch (error) {
        return error instanceof WorkflowNotFoundError && error;
      }
    });
    expect(gone.code).toBe('workflow_not_found');
    await expect(s.longhaul.getJob(`${flow.id}:1`)).rejects.toMatchObject({ code: 'job_not_found' });
  });

  it('only ever moves the expiry of a workflow record later', async () => {
    const store = s.t.backend.workflows;
    if (!store) throw new Error('the backend keeps no workflows');
    const id = `expiry-${Date.now()}`;
    await store.createWorkflow({ id, kind: 'group', createdAt: Date.now(), steps: [] });
    const later = Date.now() + 3_600_000;
    await store.expireWorkflow(id, later);
    await store.expireWorkflow(id, later - 60_000); // a member that ended first, seen late
    const record = await store.getWorkflow(id);
    // DynamoDB's TTL attribute is in seconds.
    expect(Math.abs((record?.expiresAt ?? 0) - later)).toBeLessThan(1_000);
  });

  it('runs a chain of three steps, each getting the previous result, and shows its state', async () => {
    const w = workflowTasks();
    const flow = await s.longhaul.chain(w.double, { n: 1 }).andThen(w.double).andThen(w.double).start();
    expect(flow).toMatchObject({ kind: 'chain', created: true, last: { id: `${flow.id}:2` } });

    const before = await s.longhaul.getWorkflow(flow.id);
    expect(before).toMatchObject({ status: 'running', done: 0, total: 3 });
    expect(before.steps.map((step) => step.status)).toEqual(['queued', 'pending', 'pending']);

    const state = await serveUntil(testWorker(s.t.backend, w.tasks), settled(flow.id));
    expect(state).toMatchObject({ kind: 'chain', status: 'succeeded', done: 3, total: 3 });
    expect(state.steps.map((step) => step.jobId)).toEqual([0, 1, 2].map((i) => `${flow.id}:${i}`));
    const last: { n: number } = await s.longhaul.waitForResult(flow.last);
    expect(last).toEqual({ n: 8 });
    expect(w.runs.double).toBe(3);
  });

  it('stops a chain at a step that fails for good, and shows where', async () => {
    const w = workflowTasks();
    const flow = await s.longhaul.chain(w.double, { n: 1 }).andThen(w.fragile).andThen(w.double).start();
    const state = await serveUntil(testWorker(s.t.backend, w.tasks), settled(flow.id));
    expect(state.status).toBe('failed');
    expect(state.steps.map((step) => step.status)).toEqual(['succeeded', 'failed', 'pending']);
    expect(w.runs.double).toBe(1);
    await expect(s.longhaul.waitForWorkflow(flow)).rejects.toMatchObject({
      code: 'job_failed',
      context: { jobId: `${flow.id}:1`, status: 'failed' },
    });
  });

  it('fans out a group of ten and runs its callback exactly once with every result in order', async () => {
    const w = workflowTasks();
    const members = Array.from({ length: 10 }, (_, i) => step(w.square, { n: i }));
    const fan = await s.longhaul
      .group(members)
      .andThen(w.total)
      .start({ workflowId: `fan-${Date.now()}` });
    expect(fan.members).toHaveLength(10);

    const state = await serveUntil(testWorker(s.t.backend, w.tasks, { concurrency: 10 }), settled(fan.id));
    expect(state).toMatchObject({ kind: 'group', status: 'succeeded', done: 10, total: 10 });
    expect(state.callback).toMatchObject({ jobId: `${fan.id}:callback`, status: 'succeeded' });
    expect(w.runs.total).toBe(1);
    expect(w.totals).toEqual([Array.from({ length: 10 }, (_, i) => ({ n: i * i }))]);
    expect(await s.longhaul.waitForResult(fan.callback ?? '')).toEqual({ sum: 285 });
    const total: { sum: number } = await s.longhaul.waitForWorkflow(fan);
    expect(total).toEqual({ sum: 285 });
    // The workflow's own record is no job: listings and counts show the eleven jobs only.
    const listed = await s.longhaul.list({ limit: 100 });
    expect(listed.jobs.map((job) => job.id).sort()).toEqual([...fan.members, `${fan.id}:callback`].sort());
    expect((await s.longhaul.counts()).byStatus.succeeded).toBe(11);
  });

  it('waits for a chain’s last result, and for a group’s member results when it has no callback', async () => {
    const w = workflowTasks();
    const worker = testWorker(s.t.backend, w.tasks).start();
    try {
      const flow = await s.longhaul.chain(w.square, { n: 3 }).andThen(w.double).start();
      const last: { n: number } = await s.longhaul.waitForWorkflow(flow, { timeoutMs: 20_000 });
      expect(last).toEqual({ n: 18 });
      const fan = await s.longhaul.group([step(w.square, { n: 2 }), step(w.double, { n: 2 })]).start();
      const results: [{ n: number }, { n: number }] = await s.longhaul.waitForWorkflow(fan, {
        timeoutMs: 20_000,
      });
      expect(results).toEqual([{ n: 4 }, { n: 4 }]);
    } finally {
      await worker.stop();
    }
  });

  it('fails a group whose member fails for good without running the callback, and resumes on retry', async () => {
    const w = workflowTasks();
    const fan = await s.longhaul
      .group([step(w.square, { n: 2 }), step(w.fragile, { n: 5 }), step(w.square, { n: 3 })])
      .andThen(w.total)
      .start();
    const failed = await serveUntil(testWorker(s.t.backend, w.tasks), settled(fan.id));
    expect(failed.status).toBe('failed');
    expect(failed.steps.map((m) => m.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    expect(failed.callback?.status).toBe('pending');
    expect(w.runs.fragile).toBe(2);
    expect(w.runs.total).toBe(0);

    // Retrying the member carries its place in the group again: the group completes and fans in.
    w.state.fragileBroken = false;
    await s.longhaul.retry(fan.members[1] as string);
    const done = await serveUntil(testWorker(s.t.backend, w.tasks), settled(fan.id));
    expect(done.status).toBe('succeeded');
    expect(w.totals).toEqual([[{ n: 4 }, { n: 5 }, { n: 9 }]]);
  });

  it('fans in through the Lambda handler too, calling its hooks', async () => {
    const w = workflowTasks();
    const succeeded: string[] = [];
    const handler = createLambdaHandler({
      tasks: w.tasks,
      backend: s.t.backend,
      visibilityTimeoutSeconds: 30,
      logger: silentLogger,
      hooks: { onSuccess: (_, info) => void succeeded.push(info.jobId) },
    });
    const fan = await s.longhaul
      .group([step(w.square, { n: 3 }), step(w.square, { n: 4 })])
      .andThen(w.total)
      .start();
    const state = await eventually(async () => {
      await invokeOnce(handler, s.t.backend);
      return settled(fan.id)();
    });
    expect(state.status).toBe('succeeded');
    expect(w.totals).toEqual([[{ n: 9 }, { n: 16 }]]);
    expect(succeeded.sort()).toEqual([...fan.members, `${fan.id}:callback`].sort());
  });

  it('starts a workflow once per workflowId, and repairs a start that died before enqueueing', async () => {
    const w = workflowTasks();
    const workflowId = `once-${Date.now()}`;
    const first = await s.longhaul.chain(w.double, { n: 1 }).start({ workflowId });
    const again = await s.longhaul.chain(w.double, { n: 1 }).start({ workflowId });
    expect([first.created, again.created]).toEqual([true, false]);
    const state = await serveUntil(testWorker(s.t.backend, w.tasks), settled(workflowId));
    expect(state.status).toBe('succeeded');
    expect(w.runs.double).toBe(1);

    // A producer that died after writing the record but before sending: starting again sends the job.
    const failingSend: Backend = {
      ...s.t.backend,
      transport: delegate(s.t.backend.transport, {
        send: async () => {
          throw new Error('the process died here');
        },
      }),
    };
    const crashing = new Longhaul({ backend: failingSend });
    const repairId = `repair-${Date.now()}`;
    await expect(
      crashing.group([step(w.square, { n: 4 })]).start({ workflowId: repairId }),
    ).rejects.toMatchObject({ code: 'enqueue_failed' });
    const repaired = await s.longhaul.group([step(w.square, { n: 4 })]).start({ workflowId: repairId });
    expect(repaired.created).toBe(false);
    expect((await serveUntil(testWorker(s.t.backend, w.tasks), settled(repairId))).status).toBe('succeeded');
  });

  it('enqueues what follows exactly once when a worker dies after the final write, or a member is redelivered', async () => {
    const w = workflowTasks();
    /** A runner whose process "dies" right after writing a job's final status, before any effect. */
    const dying = testRunner(s.t.backend, w.tasks, {
      store: delegate<JobStore>(s.t.backend.store, {
        complete: async (...args: Parameters<JobStore['complete']>) => {
          await s.t.backend.store.complete(...args);
          throw new Error('killed after the final write');
        },
      }),
      ...(s.t.backend.workflows ? { workflows: s.t.backend.workflows } : {}),
      workerId: 'doomed-worker',
      visibilityTimeoutSeconds: 1,
      heartbeatIntervalSeconds: 3_600,
    });

    const flow = await s.longhaul.chain(w.double, { n: 3 }).andThen(w.square).start();
    await expect(dying.process(await receiveOne(s.t.backend))).rejects.toThrow(
      'killed after the final write',
    );
    expect(await s.longhaul.getJob(`${flow.id}:0`)).toMatchObject({ status: 'succeeded' });
    expect((await s.longhaul.getWorkflow(flow.id)).steps[1]?.status).toBe('pending');
    // The message was not deleted: its redelivery finds the job final and enqueues step 2 after all.
    const state = await serveUntil(testWorker(s.t.backend, w.tasks), settled(flow.id));
    expect(state.status).toBe('succeeded');
    expect(await s.longhaul.waitForResult(flow.last)).toEqual({ n: 36 });
    expect(w.runs.double).toBe(1);
    expect(w.runs.square).toBe(1);

    // A group whose last member's worker dies after its write, and whose members are then all
    // delivered once more: the callback still runs exactly once.
    const fan = await s.longhaul
      .group([step(w.square, { n: 1 }), step(w.square, { n: 2 })])
      .andThen(w.total)
      .start();
    const bodies: string[] = [];
    const first = await receiveOne(s.t.backend);
    bodies.push(first.body);
    await expect(dying.process(first)).rejects.toThrow('killed after the final write');
    const groupState = await serveUntil(testWorker(s.t.backend, w.tasks), settled(fan.id));
    expect(groupState.status).toBe('succeeded');
    const member = await s.longhaul.getJob(fan.members[1] as string);
    bodies.push(
      JSON.stringify({
        v: 1,
        id: member.id,
        task: member.task,
        args: member.args,
        enqueuedAt: member.enqueuedAt,
        workflow: member.workflow,
      }),
    );
    await s.t.backend.transport.send(bodies.map((body) => ({ body })));
    const worker = testWorker(s.t.backend, w.tasks);
    await serveUntil(worker, async () => worker.stats.deleted >= 2);
    expect(w.runs.total).toBe(1);
    expect(w.totals).toEqual([[{ n: 1 }, { n: 4 }]]);
  });

  it('builds only chains and groups whose steps fit each other (checked by tsc)', () => {
    expect(() => typeChecks(s.longhaul)).not.toThrow();
  });

  it('refuses a workflow id that leaves no room for its job ids, and unknown workflows', async () => {
    const w = workflowTasks();
    await expect(
      s.longhaul.chain(w.double, { n: 1 }).start({ workflowId: 'x'.repeat(101) }),
    ).rejects.toMatchObject({ code: 'invalid_job_id', context: { rule: 'length' } });
    await expect(s.longhaul.group([]).start()).rejects.toMatchObject({ code: 'invalid_config' });
    await expect(s.longhaul.getWorkflow('no-such-workflow')).rejects.toMatchObject({
      code: 'workflow_not_found',
    });
  });
});

/** Type-level checks (run by tsc): a step whose arguments do not fit the previous result does not compile. */
function typeChecks(longhaul: Longhaul): void {
  const w = workflowTasks();
  const one = defineTask({ name: 'wf.one', run: () => 1 });
  const numbers = defineTask({ name: 'wf.numbers', args: z.array(z.number()), run: () => 0 });
  const fromNumber = longhaul.chain(one);
  // @ts-expect-error a number is not `{ n: number }`
  fromNumber.andThen(w.double);
  const squares = longhaul.group([step(w.square, { n: 1 })]);
  // @ts-expect-error the members' results `{ n }` are not numbers
  squares.andThen(numbers);
  // These fit.
  longhaul.chain(w.double, { n: 1 }).andThen(w.square);
  squares.andThen(w.total);
}
