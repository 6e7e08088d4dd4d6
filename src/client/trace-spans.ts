/**
 * The spans Longhaul records through the OpenTelemetry API, and the trace context a job carries from one
 * to the next: a PRODUCER span per send (an `enqueue`, an `enqueueMany` batch, a workflow's next jobs, a
 * scheduled run), whose context goes into the job's message attributes and record. The runtime's
 * CONSUMER span per attempt (`runtime/attempt-span.ts`) is parented to it.
 *
 * Attribute names follow OpenTelemetry's messaging semantic conventions; Longhaul's own are under
 * `longhaul.`. Job arguments and results are never recorded.
 */
import type { Transport } from '../core/ports.js';
import { formatTraceparent, type TraceCarrier, traceCarrierOf } from '../core/trace-context.js';
import { type OtelApi, otel } from './otel-api.js';

/** The attribute names Longhaul's spans use. */
export const spanAttributes = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  jobId: 'longhaul.job.id',
  task: 'longhaul.task',
  attempt: 'longhaul.job.attempt',
  schedule: 'longhaul.schedule',
  outcome: 'longhaul.job.outcome',
} as const;

/** `messaging.system` for SQS, as the semantic conventions name it (the embedded queue models SQS too). */
export const messagingSystem = 'aws_sqs';

/** The queue name spans report: the transport's, or `longhaul` for one without a name. */
export function destinationOf(transport: Pick<Transport, 'queueName'>): string {
  return transport.queueName ?? 'longhaul';
}

/** A send under way: the trace context its messages carry, and what to tell its span. */
export interface ProducerSpan {
  /** The context to send with the jobs; undefined when nothing is being traced. */
  readonly carrier: TraceCarrier | undefined;
  /** Names the job sent (a single `enqueue`, once its id is known). */
  setJob(id: string): void;
}

/** What a send is: which task, how many messages, and whether it starts a trace of its own. */
export interface ProducerSend {
  /** The task of every job sent, when they share one. */
  readonly task?: string;
  /** Messages sent together; above 1 the span is a batch's. */
  readonly count: number;
  /** A send nothing asked for (a schedule firing): a new trace, linked to any active span. */
  readonly root?: boolean;
  readonly schedule?: string;
}

const untraced: ProducerSpan = { carrier: undefined, setJob: () => {} };

/**
 * Runs `send` in a PRODUCER span (child of the active span), named `send <queue>` as the messaging
 * conventions say. Without the OpenTelemetry API (or with nothing registered with it), runs it as it
 * is.
 */
export async function traceSend<T>(
  transport: Pick<Transport, 'queueName'>,
  what: ProducerSend,
  send: (span: ProducerSpan) => Promise<T>,
): Promise<T> {
  const loaded = otel();
  if (!loaded) return send(untraced);
  const { api, tracer } = loaded;
  const destination = destinationOf(transport);
  const active = api.context.active();
  const activeSpan = api.trace.getSpanContext(active);
  const parent = what.root ? api.ROOT_CONTEXT : active;
  const span = tracer.startSpan(
    `send ${destination}`,
    {
      kind: api.SpanKind.PRODUCER,
      attributes: {
        [spanAttributes.system]: messagingSystem,
        [spanAttributes.destination]: destination,
        [spanAttributes.operationType]: 'send',
        [spanAttributes.operationName]: 'send',
        ...(what.task !== undefined ? { [spanAttributes.task]: what.task } : {}),
        ...(what.count > 1 ? { [spanAttributes.batchCount]: what.count } : {}),
        ...(what.schedule !== undefined ? { [spanAttributes.schedule]: what.schedule } : {}),
      },
      ...(what.root && activeSpan && api.isSpanContextValid(activeSpan)
        ? { links: [{ context: activeSpan }] }
        : {}),
    },
    parent,
  );
  const handle: ProducerSpan = {
    carrier: carrierOf(api, span.spanContext()),
    setJob: (id) => {
      span.setAttribute(spanAttributes.jobId, id);
    },
  };
  return inSpan(api, span, parent, () => send(handle));
}

/**
 * Runs `work` with `span` active, ends the span when it settles, and records a rejection on it (the
 * error's type, message and stack, and an error status) before passing it on.
 */
export async function inSpan<T>(
  api: typeof OtelApi,
  span: OtelApi.Span,
  parent: OtelApi.Context,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await api.context.with(api.trace.setSpan(parent, span), work);
  } catch (error) {
    recordError(api, span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks the span failed with `error`. */
export function recordError(api: typeof OtelApi, span: OtelApi.Span, error: unknown): void {
  if (!span.isRecording()) return;
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: api.SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** The W3C carrier of a span context; undefined for an invalid one (nothing traced, no parent to carry). */
export function carrierOf(api: typeof OtelApi, context: OtelApi.SpanContext): TraceCarrier | undefined {
  if (!api.isSpanContextValid(context)) return undefined;
  return traceCarrierOf(
    formatTraceparent({ traceId: context.traceId, spanId: context.spanId, flags: context.traceFlags }),
    context.traceState?.serialize(),
  );
}

/** A carrier as the remote span context a consumer span is parented to. */
export function spanContextOf(api: typeof OtelApi, carrier: TraceCarrier): OtelApi.SpanContext | undefined {
  const [, traceId, spanId, flags] = carrier.traceparent.split('-');
  if (!traceId || !spanId || !flags) return undefined;
  return {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16),
    isRemote: true,
    ...(carrier.tracestate ? { traceState: api.createTraceState(carrier.tracestate) } : {}),
  };
}
