/**
 * The OpenTelemetry API, when the application has it installed and uses it; undefined otherwise.
 *
 * `@opentelemetry/api` is an optional peer dependency: a static `import` of it would make the whole
 * library fail to load for users without it. So it is required here, once, and every span Longhaul makes
 * goes through what this module answers. `createRequire` keeps it synchronous (no top-level await, so
 * nothing changes for an app that never traces), and a missing package is simply "tracing off". Two
 * copies of the API (an app's ESM import, this CommonJS require) still share one registered tracer
 * provider: the API keeps its globals under a versioned `Symbol.for` key.
 *
 * That key is also why the API is not loaded at import, nor at all until an app registers something with
 * it. Loading it costs tens of milliseconds (it is many CommonJS files), which a Lambda function would
 * pay on every cold start whenever the package is resolvable, traced or not. Until a tracer provider,
 * context manager or propagator is registered, every call Longhaul makes answers a no-op (non-recording
 * spans, no active context, nothing injected), which is exactly what it does without the API; the first
 * registration creates the key, and from then on the API is loaded and used.
 *
 * Like BullMQ's telemetry and Powertools' Tracer, Longhaul brings no SDK: spans are recorded and exported
 * only when the app registers a tracer provider (the OpenTelemetry Node SDK, ADOT's Lambda layer, ...);
 * until then Longhaul carries no context it did not receive.
 */
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

export type { OtelApi };

/** The API, and Longhaul's tracer from it. */
export interface Otel {
  readonly api: typeof OtelApi;
  /**
   * Longhaul's tracer: the API's proxy tracer, which follows a tracer provider registered after it was
   * made, so the order an app sets things up in does not matter.
   */
  readonly tracer: OtelApi.Tracer;
}

/**
 * Where every copy of version 1 of the API keeps what was registered with it (`global-utils` in the API:
 * `Symbol.for('opentelemetry.js.api.' + major)` on `globalThis`). The first registration creates it;
 * loading or calling the API never does.
 */
const registryKey = Symbol.for('opentelemetry.js.api.1');

/** The name spans are recorded under (the instrumentation scope). */
export const tracerName = 'longhaul';

/** Undefined until first needed; then the API and tracer, or null when the package is not installed. */
let loaded: Otel | null | undefined;

function load(): Otel | null {
  try {
    const api = createRequire(import.meta.url)('@opentelemetry/api') as typeof OtelApi;
    return { api, tracer: api.trace.getTracer(tracerName) };
  } catch {
    return null;
  }
}

/**
 * The API and Longhaul's tracer: undefined while nothing is registered with any copy of the API (every
 * call would be a no-op), or when `@opentelemetry/api` is not installed. Loads the API on the first call
 * that finds a registration.
 */
export function otel(): Otel | undefined {
  if (!(registryKey in globalThis)) return undefined;
  loaded ??= load();
  return loaded ?? undefined;
}
