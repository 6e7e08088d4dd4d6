// One trace from a web request through `enqueue` to the attempt that ran the job, on both backends and
// both runtimes, with a real OpenTelemetry SDK (in-memory exporter) registered globally for this file.
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  context,
  createTraceState,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { defineSchedule, defineTask, Longhaul, silentLogger, startScheduler } from 'longhaul';
import { env, SqsTransport } from 'longhaul/aws';
import { createLambdaHandler } from 'longhaul/lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { invokeOnce, lambdaContext, toRecord } from '../support/lambda.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
});

afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

beforeEach(() => exporter.reset());

const tracer = trace.getTracer('longhaul-tests');

/** Runs `work` inside a SERVER span standing in for the web request that enqueues the job. */
function inRequest<T>(work: () => Promise<T>): Promise<{ result: T; request: Span }> {
  return tracer.startActiveSpan('POST /orders', { kind: SpanKind.SERVER }, async (request) => {
    try {
      return { result: await work(), request };
    } finally {
      request.end();
    }
  });
}

const spansOf = (kind: SpanKind) => exporter.getFinishedSpans().filter((span) => span.kind === kind);
const attemptsOf = (jobId: string) =>
  spansOf(SpanKind.CONSUMER).filter((span) => span.attributes['longhaul.job.id'] === jobId);
/** Waits for `count` finished attempt spans of the job (a span ends just after the record is written). */
const attemptSpans = (jobId: string, count = 1) =>
  eventually(async () => {
    const spans = attemptsOf(jobId);
    return spans.length >= count ? spans : undefined;
  });
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The attributes Longhaul may put on a span: messaging conventions and its own, never args or results. */
const allowedAttributes = new Set([
  'messaging.system',
  'messaging.destination.name',
  'messaging.operation.type',
  'messaging.operation.name',
  'messaging.message.id',
  'messaging.batch.message_count',
  'longhaul.job.id',
  'longhaul.task',
  'longhaul.job.attempt',
  'longhaul.job.outcome',
  'longhaul.schedule',
]);

describe.each(contractBackends('contract/tracing'))('tracing on the $name backend', (factory) => {
  const s = useContractBackend(factory, { delays: true });
  // A job a worker has yet to claim may have no record yet (one sent by a step before it, or by hand).
  const succeeded = (id: string) => async () => {
    const job = await s.longhaul.getJob(id).catch(() => undefined);
    return job?.status === 'succeeded' && job;
  };

  it('joins the web request, the enqueue and the worker attempt in one trace', async () => {
    const { result: handle, request } = await inRequest(() =>
      s.longhaul.enqueue(s.fixtures.tasks.add, { a: 2, b: 3 }),
    );
    await serveUntil(testWorker(s.t.backend, s.fixtures.all), succeeded(handle.id));

    const [attempt] = await attemptSpans(handle.id);
    const [producer] = spansOf(SpanKind.PRODUCER);
    const traceId = request.spanContext().traceId;
    expect(producer?.spanContext().traceId).toBe(traceId);
    expect(parentOf(producer as ReadableSpan)).toBe(request.spanContext().spanId);
    expect(producer?.attributes).toMatchObject({
      'messaging.system': 'aws_sqs',
      'messaging.operation.type': 'send',
      'longhaul.job.id': handle.id,
      'longhaul.task': 'math.add',
    });
    const queueName = s.t.backend.transport.queueName;
    expect(producer?.name).toBe(`send ${queueName}`);

    expect(attempt?.spanContext().traceId).toBe(traceId);
    expect(parentOf(attempt as ReadableSpan)).toBe(producer?.spanContext().spanId);
    expect(attempt?.name).toBe(`process ${queueName}`);
    expect(attempt?.attributes).toMatchObject({
      'messaging.system': 'aws_sqs',
      'messaging.destination.name': queueName,
      'messaging.operation.type': 'process',
      'messaging.message.id': expect.any(String),
      'longhaul.job.id': handle.id,
      'longhaul.task': 'math.add',
      'longhaul.job.attempt': 1,
      'longhaul.job.outcome': 'succeeded',
    });
    expect(attempt?.status.code).toBe(SpanStatusCode.UNSET);
    for (const span of [producer, attempt]) {
      for (const name of Object.keys(span?.attributes ?? {})) expect(allowedAttributes).toContain(name);
    }
    // The record keeps the origin too, for messages sent again without it.
    expect((await s.longhaul.getJob(handle.id)).trace?.traceparent).toBe(
      `00-${traceId}-${producer?.spanContext().spanId}-01`,
    );
  });

  it('keeps the origin on a record the worker creates (lean tracking: no record at enqueue)', async () => {
    const lean = new Longhaul({ backend: s.t.backend, tracking: 'lean' });
    const { result: handle } = await inRequest(() => lean.enqueue(s.fixtures.tasks.add, { a: 4, b: 1 }));
    await serveUntil(testWorker(s.t.backend, s.fixtures.all), succeeded(handle.id));
    const [attempt] = await attemptSpans(handle.id);
    const traceId = attempt?.spanContext().traceId;
    const producer = spansOf(SpanKind.PRODUCER).find((span) => span.spanContext().traceId === traceId);
    expect(producer).toBeDefined();
    // What the producer's record would have held: the send's span, so a message sent again joins it.
    expect((await s.longhaul.getJob(handle.id)).trace?.traceparent).toBe(
      `00-${traceId}-${producer?.spanContext().spanId}-01`,
    );
  });

  it("carries the caller's tracestate along with the traceparent", async () => {
    // The request continues a trace that arrived with vendor state, as an incoming HTTP request's would.
    const incoming = trace.setSpanContext(context.active(), {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
      traceState: createTraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'),
    });
    const handle = await context.with(incoming, () =>
      s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 2 }),
    );
    expect((await s.longhaul.getJob(handle.id)).trace?.tracestate).toBe(
      'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    );
    await serveUntil(testWorker(s.t.backend, s.fixtures.all), succeeded(handle.id));
    const [attempt] = await attemptSpans(handle.id);
    expect(attempt?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(attempt?.spanContext().traceState?.serialize()).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  });

  it('gives each attempt of a retried job its own span in the same trace, the failure recorded', async () => {
    const { result: handle, request } = await inRequest(() =>
      s.longhaul.enqueue(s.fixtures.tasks.flaky, { failures: 1 }),
    );
    await serveUntil(testWorker(s.t.backend, s.fixtures.all), succeeded(handle.id));

    const attempts = (await attemptSpans(handle.id, 2)).sort(
      (a, b) => Number(a.attributes['longhaul.job.attempt']) - Number(b.attributes['longhaul.job.attempt']),
    );
    const [producer] = spansOf(SpanKind.PRODUCER);
    expect(attempts.map((span) => span.spanContext().traceId)).toEqual([
      request.spanContext().traceId,
      request.spanContext().traceId,
    ]);
    expect(attempts.map(parentOf)).toEqual([producer?.spanContext().spanId, producer?.spanContext().spanId]);
    const [first, second] = attempts as [ReadableSpan, ReadableSpan];
    expect(first.attributes).toMatchObject({ 'longhaul.job.attempt': 1, 'longhaul.job.outcome': 'retrying' });
    expect(first.status).toEqual({ code: SpanStatusCode.ERROR, message: 'attempt 1 failed' });
    expect(first.events.find((event) => event.name === 'exception')?.attributes).toMatchObject({
      'exception.message': 'attempt 1 failed',
    });
    expect(second.attributes).toMatchObject({
      'longhaul.job.attempt': 2,
      'longhaul.job.outcome': 'succeeded',
    });
    expect(second.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('keeps the origin of a job delayed by the queue and of one held by the delay scheduler', async () => {
    const { result: handles, request } = await inRequest(async () => [
      await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }, { delaySeconds: 1 }),
      await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 2, b: 2 }, { runAt: Date.now() + 2 * 3600_000 }),
    ]);
    const [queued, scheduled] = handles as [(typeof handles)[0], (typeof handles)[0]];
    // The delay scheduler sends the bare envelope, with no attributes: the record carries the origin.
    expect(await s.t.fireDelayed(scheduled.id)).toBeDefined();
    await serveUntil(testWorker(s.t.backend, s.fixtures.all), async () => {
      const jobs = await Promise.all([queued, scheduled].map((h) => s.longhaul.getJob(h.id)));
      return jobs.every((job) => job.status === 'succeeded');
    });

    const producers = spansOf(SpanKind.PRODUCER);
    for (const handle of [queued, scheduled]) {
      const [attempt] = await attemptSpans(handle.id);
      const producer = producers.find((span) => span.attributes['longhaul.job.id'] === handle.id);
      expect(attempt?.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(parentOf(attempt as ReadableSpan)).toBe(producer?.spanContext().spanId);
    }
  });

  it('parents every job of an enqueueMany batch to the batch span', async () => {
    const { result: handles, request } = await inRequest(() =>
      s.longhaul.enqueueMany(s.fixtures.tasks.add, [
        { a: 1, b: 1 },
        { a: 1, b: 2 },
        { a: 1, b: 3 },
      ]),
    );
    await serveUntil(testWorker(s.t.backend, s.fixtures.all), async () => {
      const jobs = await Promise.all(handles.map((h) => s.longhaul.getJob(h.id)));
      return jobs.every((job) => job.status === 'succeeded');
    });
    const producers = spansOf(SpanKind.PRODUCER);
    expect(producers).toHaveLength(1);
    expect(producers[0]?.attributes).toMatchObject({ 'messaging.batch.message_count': 3 });
    for (const handle of handles) {
      const [attempt] = await attemptSpans(handle.id);
      expect(attempt?.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(parentOf(attempt as ReadableSpan)).toBe(producers[0]?.spanContext().spanId);
    }
  });

  it("carries a chain's origin to its next step, enqueued by the attempt before it", async () => {
    const double = defineTask({
      name: 'math.double',
      args: z.object({ sum: z.number() }),
      run: async ({ sum }) => sum * 2,
    });
    const { result: flow, request } = await inRequest(() =>
      s.longhaul.chain(s.fixtures.tasks.add, { a: 1, b: 2 }).andThen(double).start(),
    );
    await serveUntil(testWorker(s.t.backend, [...s.fixtures.all, double]), succeeded(flow.last.id));
    const [last] = await attemptSpans(flow.last.id);
    expect(last?.spanContext().traceId).toBe(request.spanContext().traceId);
    // Its producer span is the send made inside the first step's attempt.
    const send = spansOf(SpanKind.PRODUCER).find(
      (span) => span.spanContext().spanId === parentOf(last as ReadableSpan),
    );
    const first = spansOf(SpanKind.CONSUMER).find((span) => span.attributes['longhaul.task'] === 'math.add');
    expect(parentOf(send as ReadableSpan)).toBe(first?.spanContext().spanId);
  });

  it('gives each scheduled run a trace of its own, from its firing to its attempt', async () => {
    const schedule = defineSchedule(s.fixtures.tasks.add, 'rate(1 minute)', { args: { a: 1, b: 1 } });
    const fired: string[] = [];
    // Started inside a request span on purpose: a firing is not the request's doing, so it must not join it.
    const { result: scheduler, request } = await inRequest(async () =>
      // 600x: a minute of schedule time passes every 100 ms.
      startScheduler({
        schedules: [schedule],
        transport: s.t.backend.transport,
        timeScale: 600,
        onFire: (run) => fired.push(run.jobId),
      }),
    );
    const worker = testWorker(s.t.backend, s.fixtures.all).start();
    try {
      await eventually(async () => fired.length >= 2);
      await scheduler.stop();
      const ids = fired.slice(0, 2);
      for (const id of ids) await eventually(succeeded(id));
    } finally {
      await worker.stop();
    }
    const traceIds = new Set<string>();
    for (const id of fired.slice(0, 2)) {
      const [attempt] = await attemptSpans(id);
      const producer = spansOf(SpanKind.PRODUCER).find((span) => span.attributes['longhaul.job.id'] === id);
      expect(producer?.attributes).toMatchObject({
        'longhaul.schedule': schedule.name,
        'longhaul.task': 'math.add',
      });
      expect(parentOf(producer as ReadableSpan)).toBeUndefined();
      expect(attempt?.spanContext().traceId).toBe(producer?.spanContext().traceId);
      expect(parentOf(attempt as ReadableSpan)).toBe(producer?.spanContext().spanId);
      traceIds.add(attempt?.spanContext().traceId ?? '');
    }
    expect(traceIds.size).toBe(2);
    expect(traceIds.has(request.spanContext().traceId)).toBe(false);
  });

  it('traces a Lambda batch: each record its own attempt span, parented to its producer, linked to the invocation', async () => {
    const { result: handles, request } = await inRequest(async () => [
      await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 2 }),
      await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 3, b: 4 }),
    ]);
    const handler = createLambdaHandler({
      tasks: s.fixtures.all,
      backend: s.t.backend,
      visibilityTimeoutSeconds: 30,
      logger: silentLogger,
    });
    // The invocation's span, as the app's Lambda instrumentation would start it around the handler.
    let invocation: Span | undefined;
    await eventually(async () => {
      await tracer.startActiveSpan('longhaul-test-worker', { kind: SpanKind.SERVER }, async (span) => {
        invocation = span;
        try {
          await invokeOnce(handler, s.t.backend);
        } finally {
          span.end();
        }
      });
      const jobs = await Promise.all(handles.map((h) => s.longhaul.getJob(h.id)));
      return jobs.every((job) => job.status === 'succeeded');
    });
    const producers = spansOf(SpanKind.PRODUCER);
    for (const handle of handles) {
      const [attempt] = await attemptSpans(handle.id);
      const producer = producers.find((span) => span.attributes['longhaul.job.id'] === handle.id);
      expect(attempt?.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(parentOf(attempt as ReadableSpan)).toBe(producer?.spanContext().spanId);
      expect(attempt?.links.map((link) => link.context.traceId)).toEqual([invocation?.spanContext().traceId]);
    }
  });

  it("honours SQS's AWSTraceHeader (X-Ray) when the message has no trace context", async () => {
    const id = `xray-${Date.now()}`;
    const body = JSON.stringify({ v: 1, id, task: 'math.add', args: { a: 1, b: 1 }, enqueuedAt: Date.now() });
    const xray = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const transport = s.t.backend.transport;
    if (transport instanceof SqsTransport) {
      // A message sent from an X-Ray-traced request: SQS keeps the header as a system attribute.
      const queueUrl = s.t.environment[env.queueUrl];
      await new SQSClient({}).send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: xray } },
        }),
      );
      await serveUntil(testWorker(s.t.backend, s.fixtures.all), succeeded(id));
    } else {
      // The embedded queue has no X-Ray: the Lambda record carries the header, as Lambda passes it.
      await transport.send([{ body }]);
      const handler = createLambdaHandler({
        tasks: s.fixtures.all,
        backend: s.t.backend,
        logger: silentLogger,
      });
      const [message] = await transport.receive({
        maxMessages: 1,
        waitTimeSeconds: 1,
        visibilityTimeoutSeconds: 30,
      });
      const record = toRecord({ ...(message as NonNullable<typeof message>), awsTraceHeader: xray });
      expect(await handler({ Records: [record] }, lambdaContext())).toEqual({ batchItemFailures: [] });
    }
    const [attempt] = await attemptSpans(id);
    expect(attempt?.spanContext().traceId).toBe('5759e988bd862e3fe1be46a994272793');
    expect(parentOf(attempt as ReadableSpan)).toBe('53995c3f42cd8ad8');
  });
});
