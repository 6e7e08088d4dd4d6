import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/core/envelope.js';
import type { ClaimRequest } from '../../src/core/ports.js';
import { claimsAsEnqueued, firstClaimPut, youngMessageMs } from '../../src/core/transitions.js';

const now = 1_800_000_000_000;

function request(envelope: Partial<Envelope>, options: Partial<ClaimRequest> = {}): ClaimRequest {
  return {
    envelope: { v: 1, id: 'job-1', task: 't', args: null, enqueuedAt: now - 10, ...envelope },
    maxAttempts: 3,
    workerId: 'w',
    token: 'token',
    now,
    leaseExpiresAt: now + 30_000,
    deliveryCount: 1,
    sentAt: now - 10,
    ...options,
  };
}

describe('firstClaimPut: whether a claim starts with the put of the running record', () => {
  it('puts over the queued record, or in its place, for a young first delivery whose envelope describes it', () => {
    expect(firstClaimPut(request({ plainRecord: true }))).toEqual({ createMissing: true, overQueued: true });
  });

  it('updates the record of an older message, of a later delivery, or of a message that carries no timestamp', () => {
    expect(firstClaimPut(request({ plainRecord: true }, { sentAt: now - youngMessageMs }))).toBeUndefined();
    expect(firstClaimPut(request({ plainRecord: true }, { deliveryCount: 2 }))).toBeUndefined();
    const { sentAt: _unknown, ...unstamped } = request({ plainRecord: true });
    expect(firstClaimPut(unstamped)).toBeUndefined();
  });

  it('updates a record its producer writes after the send (pendingRecord), which no claim may create while young', () => {
    expect(
      firstClaimPut(request({ plainRecord: true, pendingRecord: true }, { createMissing: false })),
    ).toBeUndefined();
  });

  it('only creates the record of a first delivery whose producer wrote none (workerRecord), young or old', () => {
    const created = { createMissing: true, overQueued: false };
    expect(firstClaimPut(request({ workerRecord: true }))).toEqual(created);
    expect(firstClaimPut(request({ workerRecord: true }, { sentAt: now - 60_000 }))).toEqual(created);
    expect(firstClaimPut(request({ workerRecord: true }, { deliveryCount: 2 }))).toBeUndefined();
  });

  it('updates a record its envelope does not describe', () => {
    expect(firstClaimPut(request({}))).toBeUndefined();
  });
});

describe('claimsAsEnqueued: whether a claim first updates the queued record as its envelope describes it', () => {
  it('does for a first delivery of a plainRecord envelope that is not claimed with the put: older, or pendingRecord', () => {
    expect(claimsAsEnqueued(request({ plainRecord: true }, { sentAt: now - youngMessageMs }))).toBe(true);
    expect(
      claimsAsEnqueued(request({ plainRecord: true, pendingRecord: true }, { createMissing: false })),
    ).toBe(true);
    const { sentAt: _unknown, ...unstamped } = request({ plainRecord: true });
    expect(claimsAsEnqueued(unstamped)).toBe(true);
  });

  it('does not when the put comes first, on a later delivery, or for a record its envelope does not describe', () => {
    expect(claimsAsEnqueued(request({ plainRecord: true }))).toBe(false);
    expect(claimsAsEnqueued(request({ plainRecord: true }, { sentAt: 0, deliveryCount: 2 }))).toBe(false);
    expect(claimsAsEnqueued(request({}, { sentAt: 0 }))).toBe(false);
    expect(claimsAsEnqueued(request({ workerRecord: true }, { sentAt: 0 }))).toBe(false);
  });
});
