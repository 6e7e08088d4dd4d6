import { describe, expect, it } from 'vitest';
import {
  maxTracestateChars,
  parseTraceparent,
  storedTraceCarrier,
  traceCarrierFromXRay,
  traceCarrierOf,
} from '../../src/core/trace-context.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';

describe('trace context', () => {
  it('parses a W3C traceparent and rejects what the spec says to reject', () => {
    expect(parseTraceparent(`00-${traceId}-${spanId}-01`)).toEqual({ traceId, spanId, flags: 1 });
    // A later version may add fields; version 00 may not.
    expect(parseTraceparent(`01-${traceId}-${spanId}-00-extra`)).toEqual({ traceId, spanId, flags: 0 });
    for (const bad of [
      `00-${traceId}-${spanId}-01-extra`,
      `ff-${traceId}-${spanId}-01`,
      `00-${'0'.repeat(32)}-${spanId}-01`,
      `00-${traceId}-${'0'.repeat(16)}-01`,
      `00-${traceId.toUpperCase()}-${spanId}-01`,
      `00-${traceId}-${spanId}`,
      42,
      undefined,
    ]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });

  it('keeps a printable tracestate of reasonable size and drops any other', () => {
    const traceparent = `00-${traceId}-${spanId}-01`;
    expect(traceCarrierOf(traceparent, 'congo=t61rcWkgMzE')).toEqual({
      traceparent,
      tracestate: 'congo=t61rcWkgMzE',
    });
    expect(traceCarrierOf(traceparent, 'x'.repeat(maxTracestateChars + 1))).toEqual({ traceparent });
    expect(traceCarrierOf(traceparent, 'a=b\nc=d')).toEqual({ traceparent });
    expect(traceCarrierOf('garbage', 'a=b')).toBeUndefined();
    expect(storedTraceCarrier({ traceparent, tracestate: 'a=b' })).toEqual({
      traceparent,
      tracestate: 'a=b',
    });
    expect(storedTraceCarrier('not an object')).toBeUndefined();
  });

  it('converts an X-Ray trace header as the AWS X-Ray propagator does', () => {
    expect(
      traceCarrierFromXRay('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'),
    ).toEqual({ traceparent: '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01' });
    // Order and unknown keys do not matter; Sampled=0 or missing leaves the flag clear.
    expect(
      traceCarrierFromXRay(
        'Sampled=0;Lineage=a87bd80c:1|68fd508a:5;Parent=53995C3F42CD8AD8;Root=1-5759e988-bd862e3fe1be46a994272793',
      ),
    ).toEqual({ traceparent: '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-00' });
    for (const bad of [
      'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
      'Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8',
      'Root=1-5759e988-bd86;Parent=53995c3f42cd8ad8',
      'Parent=53995c3f42cd8ad8',
      '',
      undefined,
    ]) {
      expect(traceCarrierFromXRay(bad)).toBeUndefined();
    }
  });
});
