import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { defineTask, type Logger, UnrecoverableError } from 'longhaul';
import { createLambdaHandler } from 'longhaul/lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { parseEmf, totalsOf } from '../support/emf.js';
import { invokeOnce, lambdaContext, toRecord } from '../support/lambda.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';

// Strings that must never reach a log line or a metric line: the job's argument, its result and the
// message of the error it throws (which a task may build from its arguments).
const secretArg = 'sekrit-arg-7f3a9b';
const secretResult = 'sekrit-result-9c1e44';
const secretError = 'sekrit-error-2d8a';

type Mode = 'ok' | 'flaky' | 'fail' | 'wait';

/** One task whose argument says how its attempt goes; every argument and result carries a secret. */
function observedTask() {
  return defineTask({
    name: 'observed',
    args: z.object({ mode: z.enum(['ok', 'flaky', 'fail', 'wait']), password: z.string() }),
    retries: 1,
    backoff: { baseDelayMs: 1_000, maxDelayMs: 1_000 },
    async run({ mode, password }, ctx) {
      if (mode === 'fail') throw new UnrecoverableError(`${secretError} for ${password}`);
      if (mode === 'flaky' && ctx.attempt === 1) throw new Error(`${secretError} on attempt 1`);
      if (mode === 'wait') {
        await new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
        });
      }
      return { token: secretResult };
    },
  });
}

/** A logger that keeps every line as the JSON a logger would write. */
function capturingLogger() {
  const lines: string[] = [];
  const keep =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void =>
      void lines.push(JSON.stringify({ level, message, ...fields }));
  const logger: Logger = { info: keep('info'), warn: keep('warn'), error: keep('error') };
  const events = () =>
    lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => typeof l.jobId === 'string');
  return { lines, logger, events };
}

const args = (mode: Mode) => ({ mode, password: secretArg });

/** A second task, stopped by its timeout on its only attempt. */
const stuck = defineTask({
  name: 'observed.stuck',
  retries: 0,
  timeoutMs: 200,
  async run(_args, ctx) {
    await new Promise((_, reject) => {
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
    });
  },
});

describe.each(contractBackends('contract/observability'))(
  'job metrics and logs on the $name backend',
  (factory) => {
    const s = useContractBackend(factory);

    it('counts and times a known run of the worker in EMF and logs one line per job event, never args or results', async () => {
      const task = observedTask();
      const ok = await Promise.all([1, 2, 3].map(() => s.longhaul.enqueue(task, args('ok'))));
      const flaky = await s.longhaul.enqueue(task, args('flaky'));
      const failing = await s.longhaul.enqueue(task, args('fail'));
      const waiting = await s.longhaul.enqueue(task, args('wait'));
      const timedOut = await s.longhaul.enqueue(stuck);
      const emf: string[] = [];
      const log = capturingLogger();
      const worker = testWorker(s.t.backend, [task, stuck], {
        logger: log.logger,
        metrics: { sink: (line) => emf.push(line), queueName: 'orders' },
      });
      await serveUntil(worker, async () => {
        const job = await s.longhaul.getJob(waiting.id);
        if (job.status === 'running' && job.cancelRequestedAt === undefined)
          await s.longhaul.cancel(waiting.id);
        const jobs = await Promise.all(
          [...ok, flaky, failing, waiting, timedOut].map((h) => s.longhaul.getJob(h.id)),
        );
        return jobs.every((j) => ['succeeded', 'failed', 'cancelled'].includes(j.status));
      });

      // The run spans less than the 60 s flush interval: everything comes out in the flush at stop(),
      // one line per task.
      expect(emf).toHaveLength(2);
      const docs = parseEmf(emf);
      expect(totalsOf(docs, 'observed.stuck', 'orders').counts).toEqual({
        JobsStarted: 1,
        JobsSucceeded: 0,
        JobsFailed: 1,
        JobsRetried: 0,
        JobsDeadLettered: 1,
        JobsCancelled: 0,
        JobsTimedOut: 1,
      });
      expect(log.events().find((e) => e.jobId === timedOut.id && e.level === 'error')).toMatchObject({
        message: 'job dead-lettered',
        errorCode: 'timeout',
      });
      const totals = totalsOf(docs, 'observed', 'orders');
      expect(totals.counts).toEqual({
        JobsStarted: 7,
        JobsSucceeded: 4,
        JobsFailed: 1,
        JobsRetried: 1,
        JobsDeadLettered: 1,
        JobsCancelled: 1,
        JobsTimedOut: 0,
      });
      expect(totals.samples).toEqual({ AttemptDuration: 7, TimeInQueue: 6, EndToEndTime: 6 });
      expect(Math.min(...Object.values(totals.values).flat())).toBeGreaterThanOrEqual(0);

      const events = log.events();
      const of = (id: string) => events.filter((e) => e.jobId === id).map((e) => [e.message, e.attempt]);
      expect(of(flaky.id)).toEqual([
        ['job claimed', 1],
        ['job will be retried', 1],
        ['job claimed', 2],
        ['job succeeded', 2],
      ]);
      expect(of(failing.id)).toEqual([
        ['job claimed', 1],
        ['job dead-lettered', 1],
      ]);
      expect(of(waiting.id)).toEqual([
        ['job claimed', 1],
        ['job cancelled', 1],
      ]);
      for (const handle of ok)
        expect(of(handle.id)).toEqual([
          ['job claimed', 1],
          ['job succeeded', 1],
        ]);
      for (const event of events.filter((e) => e.message !== 'job claimed' && e.task === 'observed')) {
        expect(event).toMatchObject({ task: 'observed', queue: 'orders', durationMs: expect.any(Number) });
      }
      expect(events.find((e) => e.jobId === failing.id && e.level === 'error')).toMatchObject({
        errorCode: 'unrecoverable',
        status: 'failed',
      });

      for (const line of [...log.lines, ...emf]) {
        for (const secret of [secretArg, secretResult, secretError]) expect(line).not.toContain(secret);
      }
    });

    it('writes the metrics of each Lambda invocation when it ends', async () => {
      const task = observedTask();
      const ok = await Promise.all([1, 2].map(() => s.longhaul.enqueue(task, args('ok'))));
      const flaky = await s.longhaul.enqueue(task, args('flaky'));
      const failing = await s.longhaul.enqueue(task, args('fail'));
      const emf: string[] = [];
      const log = capturingLogger();
      const handler = createLambdaHandler({
        tasks: [task],
        backend: s.t.backend,
        visibilityTimeoutSeconds: 30,
        logger: log.logger,
        metrics: { sink: (line) => emf.push(line) },
      });
      let invocations = 0;
      await eventually(async () => {
        const invocation = await invokeOnce(handler, s.t.backend);
        if (invocation) {
          invocations++;
          // One task, so one line per invocation that ran something.
          expect(emf).toHaveLength(invocations);
        }
        const jobs = await Promise.all([...ok, flaky, failing].map((h) => s.longhaul.getJob(h.id)));
        return jobs.every((j) => ['succeeded', 'failed'].includes(j.status));
      });

      const totals = totalsOf(parseEmf(emf), 'observed', 'default');
      expect(totals.counts).toEqual({
        JobsStarted: 5,
        JobsSucceeded: 3,
        JobsFailed: 1,
        JobsRetried: 1,
        JobsDeadLettered: 1,
        JobsCancelled: 0,
        JobsTimedOut: 0,
      });
      expect(totals.samples).toEqual({ AttemptDuration: 5, TimeInQueue: 4, EndToEndTime: 4 });
      expect(log.events().filter((e) => e.message === 'job claimed')).toHaveLength(5);
      for (const line of [...log.lines, ...emf]) {
        for (const secret of [secretArg, secretResult, secretError]) expect(line).not.toContain(secret);
      }
    });

    it('names the Queue dimension after the event source queue', async () => {
      const task = observedTask();
      const handle = await s.longhaul.enqueue(task, args('ok'));
      const emf: string[] = [];
      const handler = createLambdaHandler({
        tasks: [task],
        backend: s.t.backend,
        logger: capturingLogger().logger,
        metrics: { sink: (line) => emf.push(line) },
      });
      const messages = await eventually(async () => {
        const received = await s.t.backend.transport.receive({
          maxMessages: 1,
          waitTimeSeconds: 1,
          visibilityTimeoutSeconds: 30,
        });
        return received.length ? received : undefined;
      });
      const records = messages.map((m) => ({
        ...toRecord(m),
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:acme-jobs',
      }));
      await handler({ Records: records }, lambdaContext());
      expect((await s.longhaul.getJob(handle.id)).status).toBe('succeeded');
      expect(parseEmf(emf)).toEqual([expect.objectContaining({ Queue: 'acme-jobs', Task: 'observed' })]);
    });

    describe('with a tracer provider registered', () => {
      const provider = new BasicTracerProvider();
      beforeAll(() => {
        context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
        propagation.setGlobalPropagator(new W3CTraceContextPropagator());
        trace.setGlobalTracerProvider(provider);
      });
      afterAll(async () => {
        await provider.shutdown();
        trace.disable();
        propagation.disable();
        context.disable();
      });

      it('puts the trace of the request that enqueued the job on its event lines', async () => {
        const task = observedTask();
        const [handle, requestTraceId] = await trace
          .getTracer('test')
          .startActiveSpan('POST /orders', async (request) => {
            const enqueued = await s.longhaul.enqueue(task, args('ok'));
            request.end();
            return [enqueued, request.spanContext().traceId] as const;
          });
        const log = capturingLogger();
        await serveUntil(
          testWorker(s.t.backend, [task], { logger: log.logger }),
          async () => (await s.longhaul.getJob(handle.id)).status === 'succeeded',
        );
        expect(log.events().map((e) => [e.message, e.traceId])).toEqual([
          ['job claimed', requestTraceId],
          ['job succeeded', requestTraceId],
        ]);
      });

      it("puts the attempt's trace on the lines of a job whose task ignored its abort past its grace", async () => {
        // The worker's stop aborts the attempt from outside its span, and the grace running out ends it.
        let started = false;
        const deaf = defineTask({
          name: 'observed.deaf',
          timeoutGraceMs: 50,
          run: () => {
            started = true;
            return new Promise<never>(() => {});
          },
        });
        const [handle, requestTraceId] = await trace
          .getTracer('test')
          .startActiveSpan('POST /orders', async (request) => {
            const enqueued = await s.longhaul.enqueue(deaf, undefined);
            request.end();
            return [enqueued, request.spanContext().traceId] as const;
          });
        const log = capturingLogger();
        const worker = testWorker(s.t.backend, [deaf], { logger: log.logger, shutdownGraceMs: 50 });
        worker.start();
        await eventually(async () => started);
        await worker.stop();
        expect((await s.longhaul.getJob(handle.id)).interruptions).toBe(1);
        expect(log.events().map((e) => [e.message, e.traceId])).toEqual([
          ['job claimed', requestTraceId],
          ['task ignored its abort signal', undefined],
          ['job will be retried', requestTraceId],
        ]);
      });
    });

    it('writes no metric line when metrics are off', async () => {
      const task = observedTask();
      const handle = await s.longhaul.enqueue(task, args('ok'));
      const log = capturingLogger();
      const stdout: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string) =>
        stdout.push(String(chunk)) > 0) as typeof process.stdout.write;
      try {
        await serveUntil(
          testWorker(s.t.backend, [task], { logger: log.logger, metrics: false }),
          async () => (await s.longhaul.getJob(handle.id)).status === 'succeeded',
        );
      } finally {
        process.stdout.write = write;
      }
      expect(stdout.filter((line) => line.includes('"_aws"'))).toEqual([]);
      expect(log.events().map((e) => e.message)).toEqual(['job claimed', 'job succeeded']);
    });
  },
);
