/**
 * The OpenTelemetry API, when the application has it installed; undefined otherwise.
 *
 * `@opentelemetry/api` is an optional peer dependency: a static `import` of it would make the whole
 * library fail to load for users without it. So it is required once, here, at module init, and every
 * span Longhaul makes goes through what this module answers. `createRequire` keeps it synchronous (no
 * top-level await, so nothing changes for an app that never traces), and a missing package is simply
 * "tracing off". Two copies of the API (an app's ESM import, this CommonJS require) still share one
 * registered tracer provider: the API keeps its globals under a versioned `Symbol.for` key.
 *
 * Like BullMQ's telemetry and Powertools' Tracer, Longhaul brings no SDK: spans are recorded and exported
 * only when the app registers a tracer provider (the OpenTelemetry Node SDK, ADOT's Lambda layer, ...);
 * until then the API hands out non-recording spans, and Longhaul carries no context it did not receive.
 */
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

export type { OtelApi };

function load(): typeof OtelApi | undefined {
  try {
    return createRequire(import.meta.url)('@opentelemetry/api') as typeof OtelApi;
  } catch {
    return undefined;
  }
}

/** The API module, loaded once; undefined when `@opentelemetry/api` is not installed. */
export const otelApi: typeof OtelApi | undefined = load();

/** The name spans are recorded under (the instrumentation scope). */
export const tracerName = 'longhaul';

/**
 * Longhaul's tracer. The API's proxy tracer: it follows a tracer provider registered after this module
 * loaded, so the order an app sets things up in does not matter.
 */
export const tracer: OtelApi.Tracer | undefined = otelApi?.trace.getTracer(tracerName);
