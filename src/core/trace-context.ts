/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as a job carries it: the `traceparent` and
 * `tracestate` of the span that enqueued it, in its queue message's attributes and on its record. Pure
 * values and parsing only; the OpenTelemetry spans that use them live in the client and the runtime.
 */

/**
 * The origin of a job's trace: the enqueueing span's context, in W3C Trace Context form. Set on a job's
 * record (`JobRecord.trace`) and its messages when the app traces with OpenTelemetry (docs/tracing.md).
 *
 * @example
 * ```ts
 * const job = await longhaul.getJob(handle);
 * const traceId = job.trace?.traceparent.split('-')[1]; // the trace to open in your tracing backend
 * ```
 */
export interface TraceCarrier {
  /** `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`. */
  readonly traceparent: string;
  /** Vendor entries, as received; absent when there were none. */
  readonly tracestate?: string;
}

/** A parsed `traceparent`. */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  /** The trace flags byte; bit 0 is "sampled". */
  readonly flags: number;
}

/** The SQS message attributes a job's trace context travels in, named as the W3C headers are. */
export const traceMessageAttributes = { traceparent: 'traceparent', tracestate: 'tracestate' } as const;

/**
 * The longest `tracestate` carried. The W3C limit is 32 entries of up to 256 characters each, but a
 * record and a message should stay small: a longer one is dropped (the trace goes on without it).
 */
export const maxTracestateChars = 512;

const traceparentPattern = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;
const zeroTraceId = '0'.repeat(32);
const zeroSpanId = '0'.repeat(16);

/**
 * Parses a `traceparent` header value, or answers undefined when it is not a valid one (wrong shape,
 * version `ff`, an all-zero id, or extra fields on version `00`), as the W3C parsing rules say.
 */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const match = traceparentPattern.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === zeroTraceId || spanId === zeroSpanId) return undefined;
  return { traceId, spanId, flags: Number.parseInt(flags, 16) };
}

/** The `traceparent` of a span context (always version `00`). */
export function formatTraceparent(parent: TraceParent): string {
  return `00-${parent.traceId}-${parent.spanId}-${(parent.flags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * A carrier from untrusted values (message attributes, a stored record): undefined unless `traceparent`
 * is valid; a `tracestate` that is empty, too long or not printable ASCII is left out.
 */
export function traceCarrierOf(traceparent: unknown, tracestate?: unknown): TraceCarrier | undefined {
  const parent = parseTraceparent(traceparent);
  if (!parent) return undefined;
  const state =
    typeof tracestate === 'string' &&
    tracestate.length > 0 &&
    tracestate.length <= maxTracestateChars &&
    /^[\x20-\x7e]+$/.test(tracestate)
      ? tracestate
      : undefined;
  return { traceparent: formatTraceparent(parent), ...(state ? { tracestate: state } : {}) };
}

/** A stored carrier (a record's `trace` field), checked as any untrusted value is. */
export function storedTraceCarrier(value: unknown): TraceCarrier | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { traceparent, tracestate } = value as Record<string, unknown>;
  return traceCarrierOf(traceparent, tracestate);
}

const xrayRootPattern = /^1-([\da-f]{8})-([\da-f]{24})$/i;
const xraySpanPattern = /^[\da-f]{16}$/i;

/**
 * The trace context of an X-Ray trace header, as SQS passes it in the `AWSTraceHeader` system
 * attribute (`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`). Converted
 * as OpenTelemetry's AWS X-Ray propagator does: the trace id is the root's time and unique parts joined
 * (`5759e988bd862e3fe1be46a994272793`), the span id is `Parent`, and `Sampled=1` sets the sampled flag.
 * Undefined when the header has no valid root or parent.
 */
export function traceCarrierFromXRay(header: unknown): TraceCarrier | undefined {
  if (typeof header !== 'string' || header.length > 256) return undefined;
  let root: RegExpExecArray | null = null;
  let spanId: string | undefined;
  let sampled = false;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 'Root') root = xrayRootPattern.exec(value);
    else if (key === 'Parent' && xraySpanPattern.test(value)) spanId = value.toLowerCase();
    else if (key === 'Sampled') sampled = value === '1';
  }
  if (!root || !spanId) return undefined;
  const traceId = `${root[1]}${root[2]}`.toLowerCase();
  return traceCarrierOf(formatTraceparent({ traceId, spanId, flags: sampled ? 1 : 0 }));
}
