import { describe, expect, it } from 'vitest';
import { fromItem, toItem } from '../../src/backends/aws/dynamo-job-item.js';
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
