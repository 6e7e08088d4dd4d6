import {
  ConfigError,
  createWorker,
  decodeEnvelope,
  defineTask,
  encodeEnvelope,
  Longhaul,
  MalformedMessageError,
  retentionDefaults,
  retentionFromEnv,
  workerOptionsFromEnv,
} from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import {
  argsKey,
  isPayloadRef,
  matchesRef,
  payloadDefaults,
  payloadRefOf,
  resolvePayloadLimits,
  resultKey,
} from '../../src/core/payload.js';
import { expiryOf, isExpired, resolveRetention } from '../../src/core/retention.js';

const ref = { key: 'job-1/args-0123456789abcdef.json', bytes: 2, sha256: 'a'.repeat(64) };

describe('payload references', () => {
  it('describe a body by its size and SHA-256, and detect any change to it', () => {
    const made = payloadRefOf('k', '{"a":1}');
    expect(made).toEqual({ key: 'k', bytes: 7, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(matchesRef(made, '{"a":1}')).toBe(true);
    expect(matchesRef(made, '{"a":2}')).toBe(false);
  });

  it('name objects per job, by content for arguments and by claim for results', () => {
    expect(argsKey('a/../b', 'f'.repeat(64))).toBe(`a%2F..%2Fb/args-${'f'.repeat(16)}.json`);
    expect(resultKey('job-1', 2, 'token')).toBe('job-1/result-2-token.json');
  });

  it('accept only well-formed references from a message', () => {
    expect(isPayloadRef(ref)).toBe(true);
    for (const bad of [
      null,
      { ...ref, key: '' },
      { ...ref, key: '/etc/passwd' },
      { ...ref, key: 'a/../../b' },
      { ...ref, bytes: -1 },
      { ...ref, bytes: 1.5 },
      { ...ref, sha256: 'xyz' },
    ]) {
      expect(isPayloadRef(bad)).toBe(false);
    }
  });

  it('travel in the envelope, and a malformed one makes the message malformed', () => {
    const body = encodeEnvelope({ id: 'j', task: 't', args: undefined, argsRef: ref, enqueuedAt: 1 });
    expect(decodeEnvelope(body).argsRef).toEqual(ref);
    const bad = JSON.stringify({ v: 1, id: 'j', task: 't', enqueuedAt: 1, argsRef: { key: 'k' } });
    expect(() => decodeEnvelope(bad)).toThrow(MalformedMessageError);
    expect(() => decodeEnvelope(bad)).toThrow(/"argsRef" must be/);
  });
});

describe('payload limits', () => {
  it('default to the inline limits and a 32 MiB cap', () => {
    expect(resolvePayloadLimits()).toEqual(payloadDefaults);
    expect(payloadDefaults.maxPayloadBytes).toBe(32 * 1024 * 1024);
  });

  it('name every field out of range, its range and the value', () => {
    const resolve = () =>
      resolvePayloadLimits({
        offloadArgsOverBytes: 200_000,
        maxPayloadBytes: 10,
        offloadResultOverBytes: -1,
      });
    expect(resolve).toThrow(ConfigError);
    expect(resolve).toThrow(
      'Invalid payload options: expected `offloadArgsOverBytes` to be an integer from 0 to 98304, got `200000`; `offloadResultOverBytes` to be an integer from 0 to 163840, got `-1`; `maxPayloadBytes` to be an integer from 163840 to 268435456, got `10`',
    );
  });

  it('are checked when the embedded backend is made', () => {
    expect(() => memoryBackend({ payloads: { maxPayloadBytes: 1 } })).toThrow(/`maxPayloadBytes`/);
  });
});

describe('retention', () => {
  it('keeps failed jobs longest by default and stamps expiry from the final write', () => {
    expect(resolveRetention()).toEqual(retentionDefaults);
    expect(expiryOf('succeeded', 1_000, retentionDefaults)).toBe(1_000 + retentionDefaults.succeededMs);
    expect(expiryOf('failed', 1_000, retentionDefaults)).toBe(1_000 + retentionDefaults.failedMs);
    expect(expiryOf('cancelled', 0, { ...retentionDefaults, cancelledMs: 5_000 })).toBe(5_000);
    expect(isExpired({ expiresAt: 10 }, 10)).toBe(true);
    expect(isExpired({ expiresAt: 11 }, 10)).toBe(false);
    expect(isExpired({}, 10)).toBe(false);
  });

  it('layers a task over a worker over the defaults', () => {
    expect(resolveRetention({ failedMs: 5_000 }, { succeededMs: 2_000 })).toEqual({
      ...retentionDefaults,
      failedMs: 5_000,
      succeededMs: 2_000,
    });
  });

  it('names each bad field with its range and value, wherever it is given', () => {
    expect(() => resolveRetention({ succeededMs: 10, failedMs: 1.5 })).toThrow(
      'Invalid retention: expected `retention.succeededMs` to be an integer from 1000 to 315360000000 (ms), got `10`; `retention.failedMs` to be an integer from 1000 to 315360000000 (ms), got `1.5`',
    );
    expect(() => resolveRetention({ keepMs: 1 } as never)).toThrow(
      /only succeededMs, failedMs and cancelledMs/,
    );
    expect(() => createWorker({ backend: memoryBackend(), tasks: [], retention: { failedMs: 0 } })).toThrow(
      /`retention.failedMs` to be an integer from 1000/,
    );
    expect(() => new Longhaul({ backend: memoryBackend(), retention: { cancelledMs: -1 } })).toThrow(
      ConfigError,
    );
    expect(() => defineTask({ name: 'x', retention: { succeededMs: 5 }, run: () => undefined })).toThrow(
      'Invalid options of task "x": expected `retention.succeededMs`',
    );
  });

  it('is read from LONGHAUL_RETENTION_*_MS', () => {
    expect(
      workerOptionsFromEnv({
        LONGHAUL_RETENTION_SUCCEEDED_MS: '60000',
        LONGHAUL_RETENTION_FAILED_MS: '120000',
      }),
    ).toEqual({ retention: { succeededMs: 60_000, failedMs: 120_000 } });
    expect(retentionFromEnv({})).toBeUndefined();
    expect(() => retentionFromEnv({ LONGHAUL_RETENTION_CANCELLED_MS: '7d' })).toThrow(
      'Invalid worker environment: expected LONGHAUL_RETENTION_CANCELLED_MS to be an integer (ms), got "7d"',
    );
  });
});
