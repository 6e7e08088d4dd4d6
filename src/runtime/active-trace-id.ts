import { otel } from '../client/otel-api.js';

/**
 * The trace id of the span active now (during an attempt, its CONSUMER span), for job log lines; undefined
 * when `@opentelemetry/api` is not installed, no tracer provider is registered, or no span is active. The
 * API is the optional peer `client/otel-api` loads once something is registered with it.
 */
export function activeTraceId(): string | undefined {
  const api = otel()?.api;
  const context = api?.trace.getActiveSpan()?.spanContext();
  return context && api?.isSpanContextValid(context) ? context.traceId : undefined;
}
