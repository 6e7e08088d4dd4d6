import {
  type Backend,
  defineTask,
  type HookInfo,
  type JobStateChange,
  type Logger,
  Longhaul,
  type SerializedError,
  step,
  UnrecoverableError,
} from 'longhaul';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { serveUntil, testWorker } from '../support/serve.js';

type Call = [hook: string, value: unknown, info: HookInfo];

/** A task that fails its first `failures` attempts (or for good with `unrecoverable`), with every hook recorded. */
function hookedTask(calls: Call[], extra: { throwing?: boolean } = {}) {
  const record = (hook: string) => (value: unknown, info: HookInfo) => {
    calls.push([hook, value, info]);
    if (extra.throwing) throw new Error(`${hook} is broken`);
  };
  return defineTask({
    name: 'hooked',
    args: z.object({ failures: z.number().int(), unrecoverable: z.boolean().default(false) }),
    retries: 2,
    backoff: { baseDelayMs: 1_000, maxDelayMs: 1_000 },
    async run({ failures, unrecoverable }, ctx) {
      if (unrecoverable) throw new UnrecoverableError('the account is gone');
      if (ctx.attempt <= failures) throw new Error(`attempt ${ctx.attempt} failed`);
      return { attempt: ctx.attempt };
    },
    onSuccess: record('task.onSuccess'),
    onFailure: record('task.onFailure'),
    onFinalFailure: record('task.onFinalFailure'),
  });
}

describe.each(contractBackends('contract/hooks-and-events'))(
  'hooks and events on the $name backend',
  (factory) => {
    const s = useContractBackend(factory);

    const finished = (longhaul: Longhaul, ids: readonly string[]) => async () => {
      const jobs = await Promise.all(ids.map((id) => longhaul.getJob(id)));
      return jobs.every((job) => ['succeeded', 'failed', 'cancelled'].includes(job.status));
    };

    it('calls task hooks, then worker hooks, after each status write', async () => {
      const calls: Call[] = [];
      const task = hookedTask(calls);
      const ok = await s.longhaul.enqueue(task, { failures: 1 });
      const doomed = await s.longhaul.enqueue(task, { failures: 9 });
      const worker = testWorker(s.t.backend, [task], {
        hooks: {
          onSuccess: (result, info) => void calls.push(['worker.onSuccess', result, info]),
          onFinalFailure: (error, info) => void calls.push(['worker.onFinalFailure', error, info]),
        },
      });
      await serveUntil(worker, finished(s.longhaul, [ok.id, doomed.id]));

      const of = (jobId: string) =>
        calls
          .filter(([, , info]) => info.jobId === jobId)
          .map(([hook, value, info]) => [hook, value, info.attempt]);
      expect(of(ok.id)).toEqual([
        ['task.onFailure', expect.objectContaining({ code: 'task_error', message: 'attempt 1 failed' }), 1],
        ['task.onSuccess', { attempt: 2 }, 2],
        ['worker.onSuccess', { attempt: 2 }, 2],
      ]);
      expect(of(doomed.id)).toEqual([
        ['task.onFailure', expect.objectContaining({ message: 'attempt 1 failed' }), 1],
        ['task.onFailure', expect.objectContaining({ message: 'attempt 2 failed' }), 2],
        ['task.onFailure', expect.objectContaining({ message: 'attempt 3 failed' }), 3],
        ['task.onFinalFailure', expect.objectContaining({ message: 'attempt 3 failed' }), 3],
        ['worker.onFinalFailure', expect.objectContaining({ message: 'attempt 3 failed' }), 3],
      ]);
      expect(calls[0]?.[2]).toMatchObject({ task: 'hooked', maxAttempts: 3 });
    });

    it('logs a hook that throws and leaves the job as it was', async () => {
      const calls: Call[] = [];
      const task = hookedTask(calls, { throwing: true });
      const logged: Array<[string, Record<string, unknown> | undefined]> = [];
      const logger: Logger = {
        info() {},
        warn() {},
        error: (message, fields) => void logged.push([message, fields]),
      };
      const ok = await s.longhaul.enqueue(task, { failures: 0 });
      const bad = await s.longhaul.enqueue(task, { failures: 0, unrecoverable: true });
      await serveUntil(testWorker(s.t.backend, [task], { logger }), finished(s.longhaul, [ok.id, bad.id]));
      expect(await s.longhaul.getJob(ok.id)).toMatchObject({ status: 'succeeded', result: { attempt: 1 } });
      expect(await s.longhaul.getJob(bad.id)).toMatchObject({ status: 'failed', attempts: 1 });
      expect(calls.map(([hook]) => hook).sort()).toEqual(
        ['task.onFailure', 'task.onFinalFailure', 'task.onSuccess'].sort(),
      );
      expect(logged.filter(([message]) => message.includes('hook threw'))).toHaveLength(3);
    });

    it('publishes every status change from the client and the workers, in order, without args or results', async () => {
      const changes: JobStateChange[] = [];
      const backend: Backend = {
        ...s.t.backend,
        events: { publish: async (batch) => void changes.push(...batch) },
      };
      const longhaul = new Longhaul({ backend });
      const calls: Call[] = [];
      const task = hookedTask(calls);
      const flaky = await longhaul.enqueue(task, { failures: 1 });
      const doomed = await longhaul.enqueue(task, { failures: 0, unrecoverable: true });
      await serveUntil(testWorker(backend, [task]), finished(longhaul, [flaky.id, doomed.id]));
      const waiting = await longhaul.enqueue(task, { failures: 0 });
      await longhaul.cancel(waiting.id);
      await longhaul.retry(waiting.id);

      const of = (jobId: string) =>
        changes.filter((c) => c.jobId === jobId).map((c) => [c.previousStatus, c.status, c.attempt]);
      expect(of(flaky.id)).toEqual([
        [undefined, 'queued', 0],
        ['queued', 'running', 1],
        ['running', 'retrying', 1],
        ['retrying', 'running', 2],
        ['running', 'succeeded', 2],
      ]);
      expect(of(doomed.id)).toEqual([
        [undefined, 'queued', 0],
        ['queued', 'running', 1],
        ['running', 'failed', 1],
      ]);
      expect(of(waiting.id)).toEqual([
        [undefined, 'queued', 0],
        ['queued', 'cancelled', 0],
        ['cancelled', 'queued', 0],
      ]);
      const failed = changes.find((c) => c.jobId === doomed.id && c.status === 'failed');
      expect(failed?.error).toEqual({ code: 'unrecoverable', message: 'the account is gone' });
      for (const change of changes) {
        expect(Object.keys(change).sort()).toEqual(
          expect.arrayContaining(['at', 'attempt', 'jobId', 'status', 'task']),
        );
        expect(change).not.toHaveProperty('args');
        expect(change).not.toHaveProperty('result');
      }
    });

    it('names the workflow in the events of its jobs', async () => {
      const changes: JobStateChange[] = [];
      const backend: Backend = {
        ...s.t.backend,
        events: { publish: async (batch) => void changes.push(...batch) },
      };
      const longhaul = new Longhaul({ backend });
      const fan = await longhaul
        .group([step(s.fixtures.tasks.add, { a: 1, b: 2 }), step(s.fixtures.tasks.add, { a: 3, b: 4 })])
        .start();
      await serveUntil(testWorker(backend, s.fixtures.all), finished(longhaul, fan.members));
      const ofMembers = changes.filter((c) => fan.members.includes(c.jobId));
      expect(ofMembers.map((c) => c.status).sort()).toEqual(
        ['queued', 'queued', 'running', 'running', 'succeeded', 'succeeded'].sort(),
      );
      expect(ofMembers.every((c) => c.workflowId === fan.id)).toBe(true);
    });

    it('runs the job even when publishing fails', async () => {
      const backend: Backend = {
        ...s.t.backend,
        events: {
          publish: async () => {
            throw new Error('the bus is down');
          },
        },
      };
      const warnings: string[] = [];
      const longhaul = new Longhaul({ backend });
      const job = await longhaul.enqueue(s.fixtures.tasks.add, { a: 2, b: 3 });
      const logger: Logger = { info() {}, error() {}, warn: (message) => void warnings.push(message) };
      await serveUntil(testWorker(backend, s.fixtures.all, { logger }), finished(longhaul, [job.id]));
      expect(await longhaul.getJob(job.id)).toMatchObject({ status: 'succeeded', result: { sum: 5 } });
      expect(warnings).toContain('could not publish job state changes');
    });
  },
);

/** The hook signatures as a user writes them: typed result, serialized error. */
function typedHooks(): void {
  defineTask({
    name: 'typed',
    run: () => ({ url: 'https://example.com' }),
    onSuccess: (result) => {
      const url: string = result.url;
      void url;
    },
    onFinalFailure: (error: SerializedError) => void error.code,
  });
}

describe('hook types', () => {
  it('give onSuccess the task result type (checked by tsc)', () => {
    expect(typedHooks).not.toThrow();
  });
});
