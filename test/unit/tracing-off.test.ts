// Tracing costs nothing and changes nothing until the app asks for it: with no tracer provider
// registered (the API is not even loaded), and with `@opentelemetry/api` not installed at all.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { trace } from '@opentelemetry/api';
import { defineTask, Longhaul } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serveUntil, testWorker } from '../support/serve.js';

const run = promisify(execFile);

describe('tracing off', () => {
  it('carries no trace context and records no span when no tracer provider is registered', async () => {
    const activeDuringAttempt: boolean[] = [];
    const add = defineTask({
      name: 'math.add',
      args: z.object({ a: z.number(), b: z.number() }),
      run: async (args) => {
        activeDuringAttempt.push(trace.getActiveSpan()?.isRecording() ?? false);
        return args.a + args.b;
      },
    });
    const backend = memoryBackend();
    const longhaul = new Longhaul({ backend });
    const handles = [
      await longhaul.enqueue(add, { a: 2, b: 3 }),
      ...(await longhaul.enqueueMany(add, [{ a: 1, b: 1 }])),
    ];
    const messages = await backend.transport.receive({
      maxMessages: 10,
      waitTimeSeconds: 0,
      visibilityTimeoutSeconds: 0,
    });
    expect(messages).toHaveLength(2);
    expect(messages.map((message) => message.trace)).toEqual([undefined, undefined]);

    await serveUntil(testWorker(backend, [add]), async () => {
      const jobs = await Promise.all(handles.map((handle) => longhaul.getJob(handle)));
      return jobs.every((job) => job.status === 'succeeded') && jobs;
    }).then((jobs) => expect(jobs.map((job) => job.trace)).toEqual([undefined, undefined]));
    expect(activeDuringAttempt).toEqual([false, false]);
  });

  it('works when @opentelemetry/api is not installed', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--conditions=source',
        '--require',
        './test/support/tracing/hide-otel-api.cjs',
        '--import',
        'tsx',
        'test/support/tracing/run-one-job.ts',
      ],
      { timeout: 60_000 },
    );
    expect(JSON.parse(stdout)).toEqual({ result: 5, status: 'succeeded', traced: false, apiLoaded: false });
  });

  it('does not load @opentelemetry/api while nothing is registered with it', async () => {
    // Installed (it is here) but unused: loading it would cost every cold start tens of milliseconds.
    const { stdout } = await run(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'test/support/tracing/run-one-job.ts'],
      { timeout: 60_000 },
    );
    expect(JSON.parse(stdout)).toEqual({ result: 5, status: 'succeeded', traced: false, apiLoaded: false });
  });
});
