import { describe, expect, it } from 'vitest';
import {
  mayCreateRecord,
  pendingRecordRetrySeconds,
  pendingRecordWaitMs,
  pendingRecordWriteMs,
} from '../../src/core/pending-record.js';

describe('the pending record rule', () => {
  const sentAt = 1_700_000_000_000;

  it('lets a worker create any record whose producer writes none after the send', () => {
    expect(mayCreateRecord({}, sentAt, sentAt)).toBe(true);
  });

  it('keeps a worker from creating a pending record until the wait is over', () => {
    expect(mayCreateRecord({ pendingRecord: true }, sentAt, sentAt + pendingRecordWaitMs - 1)).toBe(false);
    expect(mayCreateRecord({ pendingRecord: true }, sentAt, sentAt + pendingRecordWaitMs)).toBe(true);
  });

  it('waits well past the bound at which the producer aborts its writes', () => {
    expect(pendingRecordWaitMs - pendingRecordWriteMs).toBeGreaterThanOrEqual(30_000);
  });

  it('looks again shortly on the first delivery, then once the wait is over', () => {
    expect(pendingRecordRetrySeconds(sentAt, sentAt + 100, 1)).toBe(2);
    expect(pendingRecordRetrySeconds(sentAt, sentAt + 2_500, 2)).toBe(58);
    expect(pendingRecordRetrySeconds(sentAt, sentAt + pendingRecordWaitMs - 10, 3)).toBe(1);
  });
});
