import { createHash } from 'node:crypto';
import {
  defineTask,
  encodeEnvelope,
  Longhaul,
  PayloadTooLargeError,
  PayloadUnavailableError,
  silentLogger,
  step,
  UnrecoverableError,
} from 'longhaul';
import { createLambdaHandler } from 'longhaul/lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { invokeOnce } from '../support/lambda.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';

const MiB = 1024 * 1024;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Tasks that take and make large payloads, with what each run saw. */
function payloadTasks() {
  const seen = { echoed: [] as string[], failOnce: true };
  const echo = defineTask({
    name: 'payload.echo',
    args: z.object({ text: z.string(), failFirst: z.boolean().default(false) }),
    retries: 0,
    async run({ text, failFirst }) {
      seen.echoed.push(sha256(text));
      if (failFirst && seen.failOnce) {
        seen.failOnce = false;
        throw new UnrecoverableError('first run fails');
      }
      return { length: text.length, sha256: sha256(text) };
    },
  });
  const blob = defineTask({
    name: 'payload.blob',
    args: z.object({ bytes: z.number().int() }),
    retries: 0,
    async run({ bytes }) {
      return 'y'.repeat(bytes);
    },
  });
  return { seen, echo, blob, all: [echo, blob] };
}

// Arguments and results over the message and item limits go to the payload store (S3 on AWS) and come
// back through the same API; everything small stays inline.
describe.each(contractBackends('contract/payloads'))('large payloads on the $name backend', (factory) => {
  const s = useContractBackend(factory, { payloads: { maxPayloadBytes: 2 * MiB } });

  it('round-trips 1 MiB of arguments to the task and back through getJob', async () => {
    const tasks = payloadTasks();
    const text = 'a'.repeat(MiB);
    const handle = await s.longhaul.enqueue(tasks.echo, { text });

    const queued = await s.longhaul.getJob(handle.id);
    expect(queued.args).toEqual({ text });
    expect(queued.argsRef).toMatchObject({
      bytes: JSON.stringify({ text }).length,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    const result = await serveUntil(testWorker(s.t.backend, tasks.all), async () => {
      const job = await s.longhaul.getJob(handle.id);
      return job.status === 'succeeded' && job.result;
    });
    expect(result).toEqual({ length: MiB, sha256: sha256(text) });
    expect(tasks.seen.echoed).toEqual([sha256(text)]);
    // Listings stay cheap: the reference, not the payload.
    const [listed] = (await s.longhaul.list({ task: 'payload.echo' })).jobs;
    expect(listed).toMatchObject({ id: handle.id, args: null, argsRef: queued.argsRef });
  });

  it('returns a 1 MiB result through waitForResult', async () => {
    const tasks = payloadTasks();
    const handle = await s.longhaul.enqueue(tasks.blob, { bytes: MiB });
    const worker = testWorker(s.t.backend, tasks.all).start();
    try {
      const result = await s.longhaul.waitForResult(handle, { timeoutMs: 20_000, pollIntervalMs: 50 });
      expect(result).toBe('y'.repeat(MiB));
    } finally {
      await worker.stop();
    }
    const job = await s.longhaul.getJob(handle.id);
    expect(job.resultRef).toMatchObject({ bytes: MiB + 2 });
    expect(job.result).toBe('y'.repeat(MiB));
    const [listed] = (await s.longhaul.list({ status: 'succeeded' })).jobs;
    expect(listed).toMatchObject({ id: handle.id, result: null, resultRef: job.resultRef });
  });

  it('keeps small arguments and results inline, with no payload request', async () => {
    const tasks = payloadTasks();
    s.t.backend.requests.reset();
    const handle = await s.longhaul.enqueue(tasks.echo, { text: 'small' });
    await serveUntil(testWorker(s.t.backend, tasks.all), async () => {
      return (await s.longhaul.getJob(handle.id)).status === 'succeeded';
    });
    const job = await s.longhaul.getJob(handle.id);
    expect(job.argsRef).toBeUndefined();
    expect(job.resultRef).toBeUndefined();
    expect(job.args).toEqual({ text: 'small' });
    expect(s.t.backend.requests.snapshot().s3).toBeUndefined();
  });

  it('refuses arguments over maxPayloadBytes at enqueue with a typed error', async () => {
    const tasks = payloadTasks();
    const error = await s.longhaul.enqueue(tasks.echo, { text: 'z'.repeat(3 * MiB) }).catch((e) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ code: 'payload_too_large', context: { limitBytes: 2 * MiB } });
    expect((await s.longhaul.list()).jobs).toEqual([]);
  });

  it('fails a job whose result is over maxPayloadBytes, without retrying', async () => {
    const tasks = payloadTasks();
    const handle = await s.longhaul.enqueue(tasks.blob, { bytes: 3 * MiB });
    const job = await serveUntil(testWorker(s.t.backend, tasks.all), async () => {
      const current = await s.longhaul.getJob(handle.id);
      return current.status === 'failed' && current;
    });
    expect(job).toMatchObject({ attempts: 1, error: { code: 'result_too_large' } });
    expect(job.error?.message).toContain(`the limit is ${2 * MiB} bytes`);
  });

  it('fails a message whose payload is missing with a typed error and dead-letters it', async () => {
    const tasks = payloadTasks();
    await s.t.backend.transport.send([
      {
        body: encodeEnvelope({
          id: 'job-lost-payload',
          task: 'payload.echo',
          args: undefined,
          argsRef: { key: 'job-lost-payload/args-0000000000000000.json', bytes: 20, sha256: '0'.repeat(64) },
          enqueuedAt: Date.now(),
        }),
      },
    ]);
    const worker = testWorker(s.t.backend, tasks.all);
    const job = await serveUntil(worker, async () => {
      const current = await s.t.backend.store.get('job-lost-payload');
      return current?.status === 'failed' && current;
    });
    expect(job).toMatchObject({ attempts: 0, deadLettered: true, error: { code: 'payload_unavailable' } });
    expect(worker.stats.crashed).toBe(0);
    expect(tasks.seen.echoed).toEqual([]);
    await eventually(async () => {
      const letters = await s.t.deadLetters();
      return letters.some((l) => l.code === 'payload_unavailable' && l.jobId === 'job-lost-payload');
    });
  });

  it('reads offloaded arguments for a lean producer, whose job the worker creates from the message', async () => {
    const tasks = payloadTasks();
    const lean = new Longhaul({ backend: s.t.backend, tracking: 'lean' });
    const text = 'b'.repeat(300 * 1024);
    const handle = await lean.enqueue(tasks.echo, { text });
    await serveUntil(testWorker(s.t.backend, tasks.all), async () => {
      const job = await s.t.backend.store.get(handle.id);
      return job?.status === 'succeeded';
    });
    const job = await s.longhaul.getJob(handle.id);
    expect(job.args).toEqual({ text });
    expect(job.result).toEqual({ length: text.length, sha256: sha256(text) });
  });

  it('runs a retried job with its offloaded arguments again', async () => {
    const tasks = payloadTasks();
    const text = 'c'.repeat(200 * 1024);
    const handle = await s.longhaul.enqueue(tasks.echo, { text, failFirst: true });
    const done = (status: string) => async () => (await s.longhaul.getJob(handle.id)).status === status;
    await serveUntil(testWorker(s.t.backend, tasks.all), done('failed'));
    await s.longhaul.retry(handle.id);
    await serveUntil(testWorker(s.t.backend, tasks.all), done('succeeded'));
    expect(tasks.seen.echoed).toEqual([sha256(text), sha256(text)]);
    expect((await s.longhaul.getJob(handle.id)).result).toEqual({
      length: text.length,
      sha256: sha256(text),
    });
  });

  it('refuses to read a job whose offloaded payload was altered, with a typed error', async () => {
    const tasks = payloadTasks();
    const handle = await s.longhaul.enqueue(tasks.echo, { text: 'd'.repeat(200 * 1024) });
    const stored = await s.t.backend.store.get(handle.id);
    // Replace the object behind the reference: the size and checksum no longer match.
    await s.t.backend.payloads?.put(stored?.argsRef?.key ?? '', '"something else"');
    const error = await s.longhaul.getJob(handle.id).catch((e) => e);
    expect(error).toBeInstanceOf(PayloadUnavailableError);
    expect(error).toMatchObject({ code: 'payload_unavailable' });
  });

  it('reads and writes offloaded payloads in the Lambda handler too, with its retention', async () => {
    const tasks = payloadTasks();
    const text = 'e'.repeat(400 * 1024);
    const echo = await s.longhaul.enqueue(tasks.echo, { text });
    const blob = await s.longhaul.enqueue(tasks.blob, { bytes: 400 * 1024 });
    const handler = createLambdaHandler({
      tasks: tasks.all,
      backend: s.t.backend,
      visibilityTimeoutSeconds: 30,
      logger: silentLogger,
      retention: { succeededMs: 60_000 },
    });
    await eventually(async () => {
      await invokeOnce(handler, s.t.backend);
      const jobs = await Promise.all([s.t.backend.store.get(echo.id), s.t.backend.store.get(blob.id)]);
      return jobs.every((job) => job?.status === 'succeeded');
    });
    expect((await s.longhaul.getJob(echo.id)).result).toEqual({ length: text.length, sha256: sha256(text) });
    const job = await s.longhaul.getJob(blob.id);
    expect(job.result).toBe('y'.repeat(400 * 1024));
    expect(job.resultRef).toBeDefined();
    expect((job.expiresAt ?? 0) - (job.finishedAt ?? 0)).toBeGreaterThanOrEqual(60_000);
    expect((job.expiresAt ?? 0) - (job.finishedAt ?? 0)).toBeLessThan(61_000);
  });

  it('passes offloaded results along a chain and into a group callback, and gives hooks the real result', async () => {
    const seen = { hooked: [] as number[], measured: [] as number[], summed: [] as number[][] };
    // 200 KiB results are over the inline result limit (160 KiB), and as the next step's arguments over
    // the inline arguments limit (96 KiB): both hops go through the payload store.
    const big = defineTask({
      name: 'payload.big',
      args: z.object({ bytes: z.number().int() }),
      retries: 0,
      async run({ bytes }) {
        return { text: 'z'.repeat(bytes) };
      },
      onSuccess: (result) => {
        seen.hooked.push(result.text.length);
      },
    });
    const measure = defineTask({
      name: 'payload.measure',
      args: z.object({ text: z.string() }),
      retries: 0,
      async run({ text }) {
        seen.measured.push(text.length);
        return { length: text.length };
      },
    });
    const sum = defineTask({
      name: 'payload.sum',
      args: z.array(z.object({ text: z.string() })),
      retries: 0,
      async run(results) {
        seen.summed.push(results.map((r) => r.text.length));
        return { total: results.reduce((n, r) => n + r.text.length, 0) };
      },
    });
    const chain = await s.longhaul
      .chain(big, { bytes: 200 * 1024 })
      .andThen(measure)
      .start();
    const group = await s.longhaul
      .group([step(big, { bytes: 200 * 1024 }), step(big, { bytes: 150 * 1024 })])
      .andThen(sum)
      .start();

    const worker = testWorker(s.t.backend, [big, measure, sum]);
    const [measured, summed] = await serveUntil(worker, async () => {
      const [a, b] = await Promise.all([s.longhaul.getWorkflow(chain.id), s.longhaul.getWorkflow(group.id)]);
      return a.status !== 'running' && b.status !== 'running' && [a, b];
    });
    expect(measured.status).toBe('succeeded');
    expect(summed.status).toBe('succeeded');
    expect(await s.longhaul.waitForWorkflow(chain)).toEqual({ length: 200 * 1024 });
    expect(await s.longhaul.waitForWorkflow(group)).toEqual({ total: 350 * 1024 });
    expect(seen.measured).toEqual([200 * 1024]);
    expect(seen.summed).toEqual([[200 * 1024, 150 * 1024]]);
    expect(seen.hooked.sort()).toEqual([150 * 1024, 200 * 1024, 200 * 1024].sort());
    // The step after the big result got its arguments through the store too, not inline.
    const next = await s.longhaul.getJob(chain.last.id);
    expect(next.argsRef).toBeDefined();
  });
});
