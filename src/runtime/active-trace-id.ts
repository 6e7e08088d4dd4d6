import { createRequire } from 'node:module';

/** The part of `@opentelemetry/api` read here, so the library needs no types from it. */
interface TraceApi {
  readonly trace: {
    getActiveSpan(): { spanContext(): { traceId: string; traceFlags: number } } | undefined;
  };
  isSpanContextValid(context: { traceId: string }): boolean;
}

let api: TraceApi | null | undefined;

/**
 * The trace id of the span active now (during an attempt, its CONSUMER span), or undefined when
 * `@opentelemetry/api` is not installed or no tracer provider is registered. The API is an optional peer:
 * it is loaded on first use, and only once; its global registry is shared by every copy of it, so the
 * app's own import and this one see the same spans.
 */
export function activeTraceId(): string | undefined {
  if (api === undefined) {
    try {
      api = createRequire(import.meta.url)('@opentelemetry/api') as TraceApi;
    } catch {
      api = null;
    }
  }
  const context = api?.trace.getActiveSpan()?.spanContext();
  return context && api?.isSpanContextValid(context) ? context.traceId : undefined;
}
