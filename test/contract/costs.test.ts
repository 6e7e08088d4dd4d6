import { dynamoWriteOperations, Longhaul, totalRequests } from 'longhaul';
import { describe, expect, it } from 'vitest';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { serveUntil, testWorker } from '../support/serve.js';

// The design target for a successful job: at most 3 SQS requests (its send, and its share of batched
// receives and deletes) and at most 3 DynamoDB writes (create, claim, complete).
describe.each(contractBackends('contract/costs'))('requests per job on the $name backend', (factory) => {
  const s = useContractBackend(factory);

  it('stays within 3 SQS requests and 3 DynamoDB writes per successful job', async () => {
    const jobCount = 20;
    s.t.backend.requests.reset();
    const handles = [];
    for (let i = 0; i < jobCount; i++)
      handles.push(await s.longhaul.enqueue(s.fixtures.tasks.add, { a: i, b: 1 }));
    // `add` reports progress and a log line; within the default progress interval they ride on the result.
    const worker = testWorker(s.t.backend, s.fixtures.all, { concurrency: 10, progressIntervalMs: 1_000 });
    await serveUntil(worker, async () => worker.stats.deleted === jobCount);
    const counts = s.t.backend.requests.snapshot();
    const { GetItem: _reads, ...writesAndOthers } = counts.dynamodb ?? {};

    const sqsPerJob = totalRequests(counts, 'sqs') / jobCount;
    const writesPerJob = totalRequests(counts, 'dynamodb', dynamoWriteOperations) / jobCount;
    expect(counts.sqs?.SendMessage).toBe(jobCount);
    // The producer's put, the claim (a put over that queued record while its message is young, else an
    // update), and the completion's update.
    const { PutItem = 0, UpdateItem = 0, ...others } = writesAndOthers;
    expect(others).toEqual({});
    expect(PutItem).toBeGreaterThanOrEqual(jobCount);
    expect(UpdateItem).toBeGreaterThanOrEqual(jobCount);
    expect(PutItem + UpdateItem).toBe(3 * jobCount);
    expect(writesPerJob).toBe(3);
    expect(sqsPerJob).toBeLessThanOrEqual(3);
    const jobs = await Promise.all(handles.map((h) => s.longhaul.getJob(h.id)));
    expect(jobs.every((j) => j.status === 'succeeded')).toBe(true);
  });

  it('costs 2 DynamoDB writes per job with lean tracking, and a tenth of the sends with enqueueMany', async () => {
    const jobCount = 20;
    const lean = new Longhaul({ backend: s.t.backend, tracking: 'lean' });
    s.t.backend.requests.reset();
    const handles = await lean.enqueueMany(
      s.fixtures.tasks.add,
      Array.from({ length: jobCount }, (_, i) => ({ a: i, b: 1 })),
    );
    // Lean: nothing to read until a worker claims the job.
    await expect(lean.getJob(handles[0]?.id as string)).rejects.toMatchObject({ code: 'job_not_found' });
    const worker = testWorker(s.t.backend, s.fixtures.all, { concurrency: 10, progressIntervalMs: 1_000 });
    await serveUntil(worker, async () => worker.stats.deleted === jobCount);
    const counts = s.t.backend.requests.snapshot();
    expect(counts.sqs?.SendMessageBatch).toBe(2);
    expect(counts.sqs?.SendMessage).toBeUndefined();
    expect(totalRequests(counts, 'dynamodb', dynamoWriteOperations) / jobCount).toBe(2);
    const jobs = await Promise.all(handles.map((h) => lean.getJob(h.id)));
    expect(jobs.map((j) => j.result)).toEqual(Array.from({ length: jobCount }, (_, i) => ({ sum: i + 1 })));
  });

  it('fills its receives and deletes: about ten jobs per request when jobs finish close together', async () => {
    const jobCount = 40;
    await s.longhaul.enqueueMany(
      s.fixtures.tasks.add,
      Array.from({ length: jobCount }, (_, i) => ({ a: i, b: 1 })),
    );
    s.t.backend.requests.reset();
    // The worker's batching at concurrency 10: once it knows the jobs are quick it receives ahead of its
    // free slots, and its deletes wait for the jobs finishing a few milliseconds apart, as on a slow
    // backend: ten jobs per receive and per delete. Windows wider than the defaults keep the counts the
    // same on a loaded machine, where jobs end further apart.
    const worker = testWorker(s.t.backend, s.fixtures.all, {
      concurrency: 10,
      progressIntervalMs: 1_000,
      visibilityTimeoutSeconds: 30,
      heartbeatIntervalSeconds: 10,
      deleteBatchWindowMs: 1_000,
      receiveAheadMs: 60_000,
    });
    await serveUntil(worker, async () => worker.stats.deleted === jobCount);
    const counts = s.t.backend.requests.snapshot();
    // Four full receives, plus the long polls that found the queue empty before the test stopped.
    expect(counts.sqs?.ReceiveMessage).toBeLessThanOrEqual(6);
    expect((counts.sqs?.DeleteMessageBatch ?? 0) + (counts.sqs?.DeleteMessage ?? 0)).toBeLessThanOrEqual(5);
  });
});
