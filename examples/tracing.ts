// One trace from a web request to the attempt that ran its job (docs/tracing.md). Longhaul records spans
// through the OpenTelemetry API; the app registers the SDK. Here: a tracer provider with an in-memory
// exporter, so the example can print the trace. In production, register the OpenTelemetry Node SDK (or
// the ADOT Lambda layer) with the exporter of your backend (OTLP, X-Ray, ...) instead.
import { context, type Span, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createWorker, defineTask, Longhaul } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { z } from 'zod';

// 1. The app's telemetry setup: a context manager (so the active span follows async calls) and a provider.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);

// 2. A task, a client and a worker, as without tracing: nothing to configure in Longhaul.
const sendReceipt = defineTask({
  name: 'orders.send-receipt',
  args: z.object({ orderId: z.string() }),
  run: async ({ orderId }) => ({ sent: orderId }),
});
const backend = memoryBackend();
const longhaul = new Longhaul({ backend });
const worker = createWorker({ backend, tasks: [sendReceipt] }).start();

// 3. The web request (your HTTP instrumentation starts this span): the enqueue inside it is its child.
const tracer = trace.getTracer('shop');
const job = await tracer.startActiveSpan('POST /orders', { kind: SpanKind.SERVER }, async (request: Span) => {
  try {
    return await longhaul.enqueue(sendReceipt, { orderId: 'o-1001' });
  } finally {
    request.end();
  }
});
await longhaul.waitForResult(job, { timeoutMs: 10_000 });
await worker.stop();

// 4. One trace: the request, Longhaul's PRODUCER span for the enqueue, its CONSUMER span for the attempt.
const spans = exporter.getFinishedSpans();
const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
const depth = (span: ReadableSpan): number => {
  const parent = span.parentSpanContext && byId.get(span.parentSpanContext.spanId);
  return parent ? depth(parent) + 1 : 0;
};
console.log(`traces: ${new Set(spans.map((span) => span.spanContext().traceId)).size}`);
for (const span of [...spans].sort((a, b) => depth(a) - depth(b))) {
  const attempt = span.attributes['longhaul.job.attempt'];
  console.log(`${'  '.repeat(depth(span))}${span.name}${attempt ? ` (attempt ${attempt})` : ''}`);
}
await provider.shutdown();
