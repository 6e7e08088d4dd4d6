import { otelApi } from '../client/otel-api.js';

/**
 * The trace id of the span active now (during an attempt, its CONSUMER span), for job log lines; undefined
 * when `@opentelemetry/api` is not installed, no tracer provider is registered, or no span is active. The
 * API is the optional peer `client/otel-api` loads once.
 */
export function activeTraceId(): string | undefined {
  const context = otelApi?.trace.getActiveSpan()?.spanContext();
  return context && otelApi?.isSpanContextValid(context) ? context.traceId : undefined;
}
