import { describe, expect, it } from 'vitest';
import { fromItem, storesCompletionEvent, toItem } from '../../src/backends/aws/dynamo-job-item.js';
import type { Completion } from '../../src/core/ports.js';
import { queuedJob as newJob } from '../support/job-records.js';

describe('toItem', () => {
  it("leaves out of a new job's item what a read fills in: no logs, no attempts, no attempt on its first event", () => {
    const item = toItem(newJob());
    expect(item).not.toHaveProperty('logs');
    expect(item).not.toHaveProperty('attempts');
    expect(item.history).toEqual([{ status: 'queued', at: 1_700_000_000_000 }]);
  });

  it.each([
    ['a new queued job', newJob()],
    [
      'a scheduled job',
      newJob({
        status: 'scheduled',
        runAt: 1_700_000_060_000,
        history: [{ status: 'scheduled', at: 1, attempt: 0 }],
      }),
    ],
    [
      'a job with attempts, logs and a longer history',
      newJob({
        status: 'retrying',
        attempts: 1,
        logs: [{ at: 2, level: 'info', message: 'hello' }],
        history: [
          { status: 'queued', at: 1, attempt: 0 },
          { status: 'running', at: 2, attempt: 1, workerId: 'w' },
          { status: 'retrying', at: 3, attempt: 1 },
        ],
      }),
    ],
    [
      'a job whose first event is an attempt',
      newJob({ history: [{ status: 'running', at: 1, attempt: 1 }] }),
    ],
  ])('reads %s back as it was written', (_, job) => {
    expect(fromItem(toItem(job))).toEqual(job);
  });
});

describe("a succeeded job's last event", () => {
  const ran = [
    { status: 'queued', at: 1 },
    { status: 'running', at: 2, attempt: 1, workerId: 'w-1' },
  ];
  const succeeded = {
    id: 'job-1',
    status: 'succeeded',
    attempts: 1,
    workerId: 'w-1',
    finishedAt: 5,
    result: 7,
  };

  it('is read back from the record when the completion did not store it', () => {
    expect(fromItem({ ...succeeded, history: ran }).history).toEqual([
      { status: 'queued', at: 1, attempt: 0 },
      { status: 'running', at: 2, attempt: 1, workerId: 'w-1' },
      { status: 'succeeded', at: 5, attempt: 1, workerId: 'w-1' },
    ]);
  });

  it('is read as stored when it was (an item an earlier version completed), never twice', () => {
    const stored = { status: 'succeeded', at: 4, attempt: 1, workerId: 'w-1' };
    expect(fromItem({ ...succeeded, history: [...ran, stored] }).history.at(-1)).toEqual(stored);
    expect(fromItem({ ...succeeded, history: [...ran, stored] }).history).toHaveLength(3);
  });

  it('is added to no other status', () => {
    for (const status of ['running', 'failed', 'cancelled', 'retrying', 'queued']) {
      expect(fromItem({ ...succeeded, status, history: ran }).history).toHaveLength(2);
    }
  });

  it('is left unwritten only by a success that was not handed back', () => {
    const base = { at: 5, logs: [] };
    const error = { name: 'Error', message: 'boom', code: 'task_error' };
    const ends: [Completion, boolean][] = [
      [{ ...base, status: 'succeeded', result: 1 }, false],
      [{ ...base, status: 'succeeded', result: 1, interrupted: true }, true],
      [{ ...base, status: 'retrying', error, nextAttemptAt: 9 }, true],
      [{ ...base, status: 'failed', error, deadLettered: false }, true],
      [{ ...base, status: 'cancelled', error, deadLettered: false }, true],
    ];
    for (const [completion, stored] of ends) expect(storesCompletionEvent(completion)).toBe(stored);
  });
});
