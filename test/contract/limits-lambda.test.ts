import { defineTask, silentLogger } from 'longhaul';
import { createLambdaHandler } from 'longhaul/lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { invokeOnce } from '../support/lambda.js';
import { eventually } from '../support/serve.js';

// A Lambda invocation goes through the same runner: a job over its limit is acknowledged (its delayed
// copy carries it), so it is neither retried by Lambda nor counted toward the queue's receive limit.
describe.each(contractBackends('contract/limits-lambda'))(
  'limits in the Lambda handler on the $name backend',
  (factory) => {
    const s = useContractBackend(factory);

    it('runs the jobs the rate allows and sends the others back delayed, with no batch item failure', async () => {
      const notify = defineTask({
        name: 'mail.notify',
        args: z.object({ to: z.string() }),
        // An hour-long window: both deliveries fall in the same one.
        limits: { rate: { max: 1, perMs: 3_600_000 } },
        run: ({ to }) => `sent to ${to}`,
      });
      // Rate windows are fixed (whole hours here): a run that straddled a boundary would see two
      // windows. Close to one, start after it instead.
      const toBoundaryMs = 3_600_000 - (Date.now() % 3_600_000);
      if (toBoundaryMs < 20_000) await new Promise((resolve) => setTimeout(resolve, toBoundaryMs + 100));
      const a = await s.longhaul.enqueue(notify, { to: 'a@example.com' });
      const b = await s.longhaul.enqueue(notify, { to: 'b@example.com' });
      const handler = createLambdaHandler({
        tasks: [notify],
        backend: s.t.backend,
        visibilityTimeoutSeconds: 30,
        logger: silentLogger,
      });
      const invocation = await eventually(async () => {
        const i = await invokeOnce(handler, s.t.backend);
        return i?.records.length === 2 ? i : undefined;
      });
      expect(invocation.response.batchItemFailures).toEqual([]);
      const jobs = [await s.longhaul.getJob(a), await s.longhaul.getJob(b)];
      const ran = jobs.filter((job) => job.status === 'succeeded');
      const waiting = jobs.filter((job) => job.status === 'queued');
      expect(ran).toHaveLength(1);
      expect(waiting).toHaveLength(1);
      expect(waiting[0]).toMatchObject({ attempts: 0, limited: { by: 'rate', limit: 'mail.notify' } });
      // Both deliveries were deleted; the waiting job's copy is delayed to the next window.
      await eventually(async () => {
        const depth = await s.t.backend.transport.depth();
        return depth.delayed === 1 && depth.available === 0 && depth.inFlight === 0;
      });
    });
  },
);
