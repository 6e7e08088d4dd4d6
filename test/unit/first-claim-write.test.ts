import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/core/envelope.js';
import type { ClaimRequest } from '../../src/core/ports.js';
import { firstClaimWrite, youngMessageMs } from '../../src/core/transitions.js';

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

const putOverQueued = { kind: 'put', createMissing: true, overQueued: true };
const putCreating = { kind: 'put', createMissing: true, overQueued: false };
const asEnqueued = { kind: 'asEnqueued' };

describe('firstClaimWrite: which write a claim starts with', () => {
  it('puts over the queued record, or in its place, for a young first delivery whose envelope describes it', () => {
    expect(firstClaimWrite(request({ plainRecord: true }))).toEqual(putOverQueued);
  });

  it('updates the queued record as enqueued for an older first delivery, or one that carries no timestamp', () => {
    expect(firstClaimWrite(request({ plainRecord: true }, { sentAt: now - youngMessageMs }))).toEqual(
      asEnqueued,
    );
    const { sentAt: _unknown, ...unstamped } = request({ plainRecord: true });
    expect(firstClaimWrite(unstamped)).toEqual(asEnqueued);
  });

  it('updates a record its producer writes after the send (pendingRecord), which no claim may create while young', () => {
    expect(
      firstClaimWrite(request({ plainRecord: true, pendingRecord: true }, { createMissing: false })),
    ).toEqual(asEnqueued);
  });

  it('only creates the record of a first delivery whose producer wrote none (workerRecord), young or old', () => {
    expect(firstClaimWrite(request({ workerRecord: true }))).toEqual(putCreating);
    expect(firstClaimWrite(request({ workerRecord: true }, { sentAt: now - 60_000 }))).toEqual(putCreating);
    expect(firstClaimWrite(request({ workerRecord: true }, { createMissing: false }))).toBeUndefined();
  });

  it('names no first write on a later delivery, or for a record its envelope does not describe', () => {
    expect(firstClaimWrite(request({ plainRecord: true }, { deliveryCount: 2 }))).toBeUndefined();
    expect(firstClaimWrite(request({ plainRecord: true }, { sentAt: 0, deliveryCount: 2 }))).toBeUndefined();
    expect(firstClaimWrite(request({ workerRecord: true }, { deliveryCount: 2 }))).toBeUndefined();
    expect(firstClaimWrite(request({}))).toBeUndefined();
    expect(firstClaimWrite(request({}, { sentAt: 0 }))).toBeUndefined();
  });
});
