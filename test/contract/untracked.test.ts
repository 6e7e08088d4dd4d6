import { Longhaul, silentLogger, totalRequests } from 'longhaul';
import { createLambdaHandler } from 'longhaul/lambda';
import { describe, expect, it } from 'vitest';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { invokeOnce } from '../support/lambda.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';

// Workers with `tracking: 'off'`: no job records and no DynamoDB request, SQS alone carrying the job.
describe.each(contractBackends('contract/untracked'))('untracked workers on the $name backend', (factory) => {
  const s = useContractBackend(factory);

  it('runs jobs without a single DynamoDB request', async () => {
    const lean = new Longhaul({ backend: s.t.backend, tracking: 'lean' });
    const handles = await lean.enqueueMany(
      s.fixtures.tasks.add,
      Array.from({ length: 12 }, (_, i) => ({ a: i, b: 1 })),
    );
    s.t.backend.requests.reset();
    const worker = testWorker(s.t.backend, s.fixtures.all, { tracking: 'off', concurrency: 6 });
    await serveUntil(worker, async () => worker.stats.deleted === handles.length);
    expect(s.fixtures.runs.add).toBe(12);
    const counts = s.t.backend.requests.snapshot();
    expect(totalRequests(counts, 'dynamodb')).toBe(0);
    expect(await s.t.backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
    await expect(lean.getJob(handles[0]?.id as string)).rejects.toMatchObject({ code: 'job_not_found' });
  });

  it("retries by the message's receive count and dead-letters the last failure with its reason", async () => {
    const lean = new Longhaul({ backend: s.t.backend, tracking: 'lean' });
    // doomed allows 2 attempts, 1 s apart.
    const handle = await lean.enqueue(s.fixtures.tasks.doomed, {});
    const worker = testWorker(s.t.backend, s.fixtures.all, { tracking: 'off' });
    await serveUntil(worker, async () => worker.stats.deadLettered === 1, 20_000);
    expect(s.fixtures.runs.doomed).toBe(2);
    expect(worker.stats.retried).toBe(1);
    const letters = await eventually(async () => {
      const found = await s.t.deadLetters();
      return found.length === 1 ? found : undefined;
    });
    expect(letters[0]).toMatchObject({ jobId: handle.id, code: 'task_error' });
  });

  it('runs on Lambda untracked too', async () => {
    const lean = new Longhaul({ backend: s.t.backend, tracking: 'lean' });
    await lean.enqueue(s.fixtures.tasks.add, { a: 2, b: 2 });
    s.t.backend.requests.reset();
    const handler = createLambdaHandler({
      tasks: s.fixtures.all,
      backend: s.t.backend,
      tracking: 'off',
      deliveryLimit: 10,
      logger: silentLogger,
    });
    const invocation = await eventually(() => invokeOnce(handler, s.t.backend));
    expect(invocation.response.batchItemFailures).toEqual([]);
    expect(s.fixtures.runs.add).toBe(1);
    expect(totalRequests(s.t.backend.requests.snapshot(), 'dynamodb')).toBe(0);
  });

  it('refuses operator calls that need records, saying why', async () => {
    const { UntrackedJobStore } = await import('longhaul');
    const store = new UntrackedJobStore();
    await expect(store.list()).rejects.toThrow(/tracking: 'off'.*keeps no job records/);
    await expect(store.counts()).rejects.toMatchObject({ code: 'invalid_config' });
  });
});
