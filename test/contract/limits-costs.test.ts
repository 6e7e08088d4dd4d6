import { defineTask, dynamoWriteOperations, totalRequests } from 'longhaul';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { serveUntil, testWorker } from '../support/serve.js';

// What unique keys and limits add to a job's requests, as docs/unique-jobs-and-limits.md states them.
describe.each(contractBackends('contract/limits-costs'))(
  'costs of keys and limits on the $name backend',
  (factory) => {
    const s = useContractBackend(factory);

    it('adds one PutItem per keyed enqueue and three UpdateItems per limited attempt, and no SQS request', async () => {
      const jobCount = 10;
      const sync = defineTask({
        name: 'crm.sync',
        args: z.object({ n: z.number() }),
        unique: { key: ({ n }) => `n-${n}` },
        // Roomy limits: no job waits, so this is the cost of checking them.
        limits: { concurrency: 100, rate: { max: 100, perMs: 3_600_000 } },
        run: ({ n }) => n,
      });
      s.t.backend.requests.reset();
      for (let n = 0; n < jobCount; n++) await s.longhaul.enqueue(sync, { n });
      const worker = testWorker(s.t.backend, [sync], { concurrency: 10, progressIntervalMs: 1_000 });
      await serveUntil(worker, async () => worker.stats.deleted === jobCount);
      const counts = s.t.backend.requests.snapshot();
      // Hold + create; claim, complete, slot taken and released, rate start counted.
      expect(counts.dynamodb?.PutItem).toBe(2 * jobCount);
      expect(counts.dynamodb?.UpdateItem).toBe(5 * jobCount);
      expect(totalRequests(counts, 'dynamodb', dynamoWriteOperations) / jobCount).toBe(7);
      expect(counts.sqs?.SendMessage).toBe(jobCount);
    });
  },
);
