import type { JobRecord } from 'longhaul';
import { MemoryJobStore } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import { copyData } from '../../src/backends/memory/copy-data.js';
import { jsonBytesBound } from '../../src/backends/memory/memory-record-copy.js';
import { queuedJob } from '../support/job-records.js';

const t0 = 1_700_000_000_000;
const fence = { attempt: 1, workerId: 'w1', token: 'token-w1' };

function job(overrides: Partial<JobRecord> = {}): JobRecord {
  return queuedJob({ task: 'math.add', args: { a: 1, b: 2 }, ...overrides });
}

async function running(): Promise<MemoryJobStore> {
  const store = new MemoryJobStore();
  await store.create(job());
  await store.claim({
    envelope: { v: 1, id: 'job-1', task: 'math.add', args: { a: 1, b: 2 }, enqueuedAt: t0 },
    maxAttempts: 3,
    workerId: 'w1',
    token: 'token-w1',
    now: t0 + 1_000,
    leaseExpiresAt: t0 + 31_000,
  });
  return store;
}

describe('MemoryJobStore record copies', () => {
  it('hands out history and logs a caller can change without changing the store', async () => {
    const store = await running();
    await store.touch('job-1', fence, {
      at: t0 + 2_000,
      logs: [{ at: t0 + 2_000, level: 'info', message: 'hi' }],
    });
    const read = (await store.get('job-1')) as unknown as {
      history: { status: string }[];
      logs: { message: string }[];
    };
    (read.history[0] as { status: string }).status = 'changed';
    (read.logs[0] as { message: string }).message = 'changed';
    read.history.push({ status: 'extra' });

    const again = await store.get('job-1');
    expect(again?.history.map((event) => event.status)).toEqual(['queued', 'running']);
    expect(again?.logs.map((line) => line.message)).toEqual(['hi']);
  });

  it('keeps its own copy of log lines and events a caller passed in and changes afterwards', async () => {
    const store = await running();
    const line = { at: t0 + 2_000, level: 'info' as const, message: 'first' };
    await store.touch('job-1', fence, { at: t0 + 2_000, logs: [line] });
    line.message = 'changed';
    await store.complete('job-1', fence, {
      status: 'succeeded',
      at: t0 + 3_000,
      result: { sum: 3 },
      logs: [],
    });

    const done = await store.get('job-1');
    expect(done?.logs.map((l) => l.message)).toEqual(['first']);
    expect(done?.history.map((event) => event.status)).toEqual(['queued', 'running', 'succeeded']);
  });
});

describe('copyData', () => {
  it('copies a "__proto__" key of parsed JSON as data, not as the copy\'s prototype', () => {
    const args = JSON.parse('{"__proto__": {"admin": true}, "name": "x"}') as Record<string, unknown>;
    const copy = copyData(args);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'name']);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(args));
    expect((copy as { admin?: boolean }).admin).toBeUndefined();
  });
});

describe('jsonBytesBound', () => {
  const exact = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');

  it.each([
    ['a record', job({ history: [{ at: t0, status: 'queued', attempt: 0 }] })],
    ['escapes and control characters', { s: '"\\\u0001\n', k: ['\u001f'.repeat(100)] }],
    ['multi-byte text', { s: 'é€😀'.repeat(50), long: '€'.repeat(5_000) }],
    ['numbers, booleans, null and undefined', [1.5e300, -0, true, null, undefined, { u: undefined }]],
    ['a Date', { at: new Date(t0) }],
    ['many parts', { rows: Array.from({ length: 20_000 }, (_, i) => ({ i })) }],
    ['an object with its own toJSON', { inner: { toJSON: () => 'x'.repeat(10_000) } }],
    [
      'an object with no prototype and its own toJSON',
      { inner: Object.assign(Object.create(null), { toJSON: () => 'x'.repeat(10_000) }) },
    ],
  ])('is at least the UTF-8 bytes of the JSON of %s', (_name, value) => {
    expect(jsonBytesBound(value)).toBeGreaterThanOrEqual(exact(value));
  });

  it('is at least the UTF-8 bytes of the JSON of plain objects that inherit a toJSON', () => {
    const value = { inner: { a: 1 } };
    let bound: number;
    let bytes: number;
    Object.defineProperty(Object.prototype, 'toJSON', {
      value: () => 'x'.repeat(10_000),
      configurable: true,
      writable: true,
    });
    try {
      bound = jsonBytesBound(value);
      bytes = exact(value);
    } finally {
      delete (Object.prototype as { toJSON?: unknown }).toJSON;
    }
    expect(bound).toBeGreaterThanOrEqual(bytes);
  });

  it('throws as JSON.stringify does for a cycle', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { left: cyclic, right: cyclic };
    expect(() => jsonBytesBound({ args: cyclic })).toThrow(TypeError);
  });
});
