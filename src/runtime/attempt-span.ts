/**
 * The CONSUMER span of one attempt, on every runtime (the long-running worker and the Lambda handler
 * both go through `JobRunner`). It is parented to the span that enqueued the job, found in this order:
 * the message's `traceparent` attribute, the job record's `trace` (a message sent without one: a redrive,
 * a delivery by the delay scheduler), then SQS's `AWSTraceHeader` (X-Ray). When some other span is active
 * as well (a Lambda invocation's, from the app's instrumentation: one span for a batch of records), the
 * attempt's span links to it. The span is the active one while the task runs and while the outcome is
 * recorded, so logs and child spans made meanwhile belong to the attempt.
 */
import { type OtelApi, otel } from '../client/otel-api.js';
import {
  destinationOf,
  inSpan,
  messagingSystem,
  recordError,
  spanAttributes,
  spanContextOf,
} from '../client/trace-spans.js';
import type { JobRecord } from '../core/job.js';
import type { QueueMessage, Transport } from '../core/ports.js';
import { storedTraceCarrier, type TraceCarrier, traceCarrierFromXRay } from '../core/trace-context.js';
import type { Disposition, ProcessingEnd } from './disposition.js';
import type { AttemptOutcome } from './settle-within-grace.js';

/** What the attempt tells its span. */
export interface AttemptSpan {
  /** The task settled: a failure is recorded on the span (the error, never the arguments or result). */
  settled(outcome: AttemptOutcome): void;
  /**
   * Runs `work` (the recording of the outcome) with the attempt's span active, whatever context the
   * attempt's end came from: an abort's grace running out ends it from the context that aborted it.
   */
  active<T>(work: () => T): T;
}

const untraced: AttemptSpan = { settled: () => {}, active: (work) => work() };

/**
 * Runs the claimed job's attempt in its CONSUMER span, `end` told the disposition once the span ended;
 * without the OpenTelemetry API, as it is. An attempt nothing traces runs with no promise of this
 * function's around its own.
 */
export function traceAttempt(
  transport: Pick<Transport, 'queueName'>,
  message: QueueMessage,
  job: JobRecord,
  end: ProcessingEnd,
  run: (span: AttemptSpan, end: ProcessingEnd) => void,
): void {
  const loaded = otel();
  if (!loaded) {
    run(untraced, end);
    return;
  }
  const { api, tracer } = loaded;
  // No tracer provider: the span would be a no-op tracer's, which records nothing; unless a context
  // manager makes it active, nothing can see it, so it is not even built (the same test as below).
  if (noTracerProvider(api) && !contextManagerActive(api)) {
    run(untraced, end);
    return;
  }
  const destination = destinationOf(transport);
  const active = api.context.active();
  const origin = originOf(message, job);
  const producer = origin ? spanContextOf(api, origin) : undefined;
  const ambient = api.trace.getSpanContext(active);
  const parent = producer ? api.trace.setSpanContext(active, producer) : active;
  const span = tracer.startSpan(
    `process ${destination}`,
    {
      kind: api.SpanKind.CONSUMER,
      attributes: {
        [spanAttributes.system]: messagingSystem,
        [spanAttributes.destination]: destination,
        [spanAttributes.operationType]: 'process',
        [spanAttributes.operationName]: 'process',
        [spanAttributes.messageId]: message.messageId,
        [spanAttributes.jobId]: job.id,
        [spanAttributes.task]: job.task,
        [spanAttributes.attempt]: job.attempts,
      },
      ...(producer && ambient && api.isSpanContextValid(ambient) ? { links: [{ context: ambient }] } : {}),
    },
    parent,
  );
  // No tracer provider records it and no context manager would make it active: nothing can see the
  // span, so the attempt runs as without the API (no context switch, no wrapping async functions).
  if (!span.isRecording() && !contextManagerActive(api)) {
    run(untraced, end);
    return;
  }
  let failure: { error: unknown } | undefined;
  const handle: AttemptSpan = {
    settled: (outcome) => {
      if (!outcome.ok) failure = { error: outcome.error };
    },
    active: (work) => api.context.with(api.trace.setSpan(parent, span), work),
  };
  inSpan(api, span, parent, async () => {
    const disposition = await new Promise<Disposition>((resolve, reject) =>
      run(handle, { ended: resolve, failed: reject }),
    );
    span.setAttribute(spanAttributes.outcome, outcomeOf(disposition, failure !== undefined));
    if (failure) recordError(api, span, failure.error);
    return disposition;
  }).then(
    (disposition) => end.ended(disposition),
    (error: unknown) => end.failed(error),
  );
}

/** What the API's proxy answers for its delegate while no tracer provider is registered. */
let noProvider: OtelApi.TracerProvider | undefined;

/**
 * True while no tracer provider is registered: the global provider is still the API's proxy with no
 * delegate, whose tracer starts only non-recording spans. A provider registered through another copy of
 * the API is that copy's proxy, with a delegate: false.
 */
function noTracerProvider(api: typeof OtelApi): boolean {
  noProvider ??= new api.ProxyTracerProvider().getDelegate();
  const provider = api.trace.getTracerProvider() as Partial<OtelApi.ProxyTracerProvider>;
  return typeof provider.getDelegate === 'function' && provider.getDelegate() === noProvider;
}

/** A context to look for: the API's default (no-op) context manager never makes one active. */
let probe: { readonly context: OtelApi.Context; readonly isActive: () => boolean } | undefined;

/** True when the app registered a context manager (an SDK did), so a context can be made active. */
function contextManagerActive(api: typeof OtelApi): boolean {
  probe ??= probeFor(api);
  return api.context.with(probe.context, probe.isActive);
}

function probeFor(api: typeof OtelApi): { context: OtelApi.Context; isActive: () => boolean } {
  const context = api.ROOT_CONTEXT.setValue(api.createContextKey('longhaul.contextManagerProbe'), true);
  return { context, isActive: () => api.context.active() === context };
}

/** Where the job's trace began, or undefined when nothing carried it. */
function originOf(message: QueueMessage, job: JobRecord): TraceCarrier | undefined {
  return message.trace ?? storedTraceCarrier(job.trace) ?? traceCarrierFromXRay(message.awsTraceHeader);
}

/** How the attempt ended, in a word: `succeeded`, `failed`, `retrying`, `dead_lettered` or `abandoned`. */
function outcomeOf(disposition: Disposition, failed: boolean): string {
  switch (disposition.kind) {
    case 'ack':
      return failed ? 'failed' : 'succeeded';
    case 'release':
      return 'retrying';
    case 'deadLettered':
      return 'dead_lettered';
    case 'abandon':
      return 'abandoned';
  }
}
