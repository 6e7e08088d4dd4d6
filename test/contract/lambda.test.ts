import middy from '@middy/core';
import { defineTask, silentLogger } from 'longhaul';
import { createLambdaHandler, type SqsBatchResponse, type SqsEvent } from 'longhaul/lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { invokeOnce, lambdaContext, toRecord } from '../support/lambda.js';
import { eventually } from '../support/serve.js';

describe.each(contractBackends('contract/lambda'))('the Lambda handler on the $name backend', (factory) => {
  const s = useContractBackend(factory);
  const handlerFor = (options: { deliveryLimit?: number; deadlineMarginMs?: number } = {}) =>
    createLambdaHandler({
      tasks: s.fixtures.all,
      backend: s.t.backend,
      visibilityTimeoutSeconds: 30,
      logger: silentLogger,
      ...options,
    });

  it('runs a batch and leaves only the records to retry in batchItemFailures', async () => {
    const ok = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 2 });
    const flaky = await s.longhaul.enqueue(s.fixtures.tasks.flaky, { failures: 1 });
    const handler = handlerFor();

    const first = await eventually(async () => {
      const invocation = await invokeOnce(handler, s.t.backend);
      return invocation?.records.length === 2 ? invocation : undefined;
    });
    const flakyRecord = first.records.find((r) => JSON.parse(r.body).id === flaky.id);
    expect(first.response).toEqual({ batchItemFailures: [{ itemIdentifier: flakyRecord?.messageId }] });
    expect(await s.longhaul.getJob(ok)).toMatchObject({
      status: 'succeeded',
      result: { sum: 3 },
      workerId: expect.stringMatching(/^lambda:longhaul-test-worker:req-/),
    });
    expect(await s.longhaul.getJob(flaky)).toMatchObject({ status: 'retrying', attempts: 1 });

    // The failed record stays hidden for its backoff, then comes back and succeeds.
    const second = await eventually(() => invokeOnce(handler, s.t.backend), 15_000);
    expect(second.response.batchItemFailures).toEqual([]);
    expect(await s.longhaul.getJob(flaky)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await s.t.backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0, delayed: 0 });
  });

  it('fails a job for good on its last attempt and moves its message to the dead-letter queue', async () => {
    const doomed = await s.longhaul.enqueue(s.fixtures.tasks.doomed, { unrecoverable: true });
    const invocation = await eventually(() => invokeOnce(handlerFor(), s.t.backend));
    // Dead-lettered records are done with: Lambda may delete them (the move already did).
    expect(invocation.response.batchItemFailures).toEqual([]);
    expect(await s.longhaul.getJob(doomed)).toMatchObject({
      status: 'failed',
      deadLettered: true,
      error: { code: 'unrecoverable' },
    });
    expect(
      await eventually(async () => (await s.t.deadLetters()).find((m) => m.jobId === doomed.id)),
    ).toMatchObject({ code: 'unrecoverable' });
  });

  it('records bad input on the job and dead-letters it instead of failing the batch', async () => {
    await s.t.backend.transport.send([
      { body: JSON.stringify({ v: 1, id: 'lambda-unknown', task: 'no.such.task', args: {}, enqueuedAt: 1 }) },
      { body: 'not json at all' },
    ]);
    const invocation = await eventually(async () => {
      const i = await invokeOnce(handlerFor(), s.t.backend);
      return i?.records.length === 2 ? i : undefined;
    });
    expect(invocation.response.batchItemFailures).toEqual([]);
    expect(await s.longhaul.getJob('lambda-unknown')).toMatchObject({
      status: 'failed',
      error: { code: 'unknown_task' },
    });
    const codes = (
      await eventually(async () => {
        const letters = await s.t.deadLetters();
        return letters.length === 2 ? letters : undefined;
      })
    ).map((m) => m.code);
    expect(codes.sort()).toEqual(['malformed_message', 'unknown_task']);
  });

  it('stops an attempt the invocation cannot finish, counts it as failed and hands its message back', async () => {
    const slow = await s.longhaul.enqueue(s.fixtures.tasks.slow, { ms: 20_000 });
    const handler = handlerFor({ deadlineMarginMs: 1_000 });
    const invocation = await eventually(() => invokeOnce(handler, s.t.backend, { remainingMs: 2_500 }));
    expect(invocation.failedIds).toHaveLength(1);
    const job = await s.longhaul.getJob(slow);
    expect(job).toMatchObject({ status: 'retrying', attempts: 1, error: { code: 'invocation_deadline' } });
    expect(job.error?.message).toMatch(/about to time out/);
  });

  it('keeps the grace of a task that ignores its signal within the invocation', async () => {
    const release = new AbortController();
    const deaf = defineTask({
      name: 'deaf',
      timeoutGraceMs: 60_000,
      async run() {
        await new Promise((resolve) => release.signal.addEventListener('abort', resolve, { once: true }));
      },
    });
    const id = await s.longhaul.enqueue(deaf);
    const handler = createLambdaHandler({
      tasks: [deaf],
      backend: s.t.backend,
      visibilityTimeoutSeconds: 30,
      deadlineMarginMs: 1_000,
      logger: silentLogger,
    });
    const [message] = await eventually(async () => {
      const messages = await s.t.backend.transport.receive({
        maxMessages: 1,
        waitTimeSeconds: 1,
        visibilityTimeoutSeconds: 30,
      });
      return messages.length > 0 && messages;
    });
    const context = lambdaContext(2_500);
    try {
      const response = await handler(
        { Records: [toRecord(message as NonNullable<typeof message>)] },
        context,
      );
      // The task's 60 s grace was cut to half the margin: the attempt was recorded before the deadline.
      expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
      expect(response.batchItemFailures).toHaveLength(1);
      expect(await s.longhaul.getJob(id)).toMatchObject({
        status: 'retrying',
        error: { code: 'invocation_deadline' },
      });
    } finally {
      release.abort();
    }
  });

  it('hands records back without starting them when too little time is left', async () => {
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 5, b: 5 });
    const handler = handlerFor({ deadlineMarginMs: 5_000 });
    // 1 s left: the margin (at most a fifth of it) has passed before anything could start.
    const messages = await eventually(async () => {
      const received = await s.t.backend.transport.receive({
        maxMessages: 1,
        waitTimeSeconds: 1,
        visibilityTimeoutSeconds: 30,
      });
      return received.length ? received : undefined;
    });
    const context = lambdaContext(0);
    const response = await handler({ Records: messages.map(toRecord) }, context);
    expect(response.batchItemFailures).toHaveLength(1);
    expect(await s.longhaul.getJob(handle)).toMatchObject({ status: 'queued', attempts: 0 });
    // Handed back at once, not after the 30 s visibility timeout.
    const again = await eventually(() => invokeOnce(handler, s.t.backend), 10_000);
    expect(again.response.batchItemFailures).toEqual([]);
    expect(await s.longhaul.getJob(handle)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('fails a failing job on the queue’s last delivery with its own error', async () => {
    const doomed = await s.longhaul.enqueue(s.fixtures.tasks.doomed, {});
    // doomed allows 2 attempts; a queue that delivers once leaves no room for the retry.
    const invocation = await eventually(() => invokeOnce(handlerFor({ deliveryLimit: 1 }), s.t.backend));
    expect(invocation.response.batchItemFailures).toEqual([]);
    expect(await s.longhaul.getJob(doomed)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'task_error', message: 'always fails' },
    });
  });

  it('works wrapped in middy', async () => {
    const echo = defineTask({
      name: 'echo',
      args: z.object({ text: z.string() }),
      run: ({ text }) => text.toUpperCase(),
    });
    const handler = middy<SqsEvent, SqsBatchResponse>().handler(
      createLambdaHandler({ tasks: [echo], backend: s.t.backend, logger: silentLogger }),
    );
    const handle = await s.longhaul.enqueue(echo, { text: 'hi' });
    const invocation = await eventually(() =>
      invokeOnce((event, context) => handler(event, context as never), s.t.backend),
    );
    expect(invocation.response).toEqual({ batchItemFailures: [] });
    expect(await s.longhaul.waitForResult(handle, { timeoutMs: 5_000 })).toBe('HI');
  });
});
