// longhaul/browser against the real longhaul/http handler (embedded backend, a worker, node:http): the two
// halves agree on the wire, and a stream cut mid-job resumes from the server's own event ids without
// losing or repeating a log line. The cut is made on the real response body, after its first events.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWorker, defineTask, Longhaul, silentLogger } from 'longhaul';
import { enqueueJob, getJob, watchJob } from 'longhaul/browser';
import { createHttpHandler, toNodeListener } from 'longhaul/http';
import { memoryBackend } from 'longhaul/memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

/** Steps the test releases one by one, so the stream is cut while the job is still running. */
const waiting = new Map<number, Array<() => void>>();
const released = new Set<number>();
const release = (step: number) => {
  released.add(step);
  for (const resolve of waiting.get(step) ?? []) resolve();
};
const gate = (step: number) =>
  released.has(step)
    ? Promise.resolve()
    : new Promise<void>((resolve) => waiting.set(step, [...(waiting.get(step) ?? []), resolve]));

const steps = 4;
const count = defineTask({
  name: 'browser.count',
  args: z.object({ to: z.string() }),
  retries: 0,
  async run({ to }, ctx) {
    for (let step = 1; step <= steps; step++) {
      await gate(step);
      ctx.log(`step ${step} for ${to}`);
      ctx.progress(step / steps, `step ${step}`);
    }
    return { to, steps };
  },
});

/** The real fetch, whose first event stream is cut after it has carried `events` events. */
function cuttingFetch(events: number, requests: Array<Record<string, string>>): typeof fetch {
  let cut = false;
  return async (input, init) => {
    requests.push({ ...(init?.headers as Record<string, string>) });
    const response = await fetch(input, init);
    if (cut || !response.body || !String(input).endsWith('/events')) return response;
    cut = true;
    const reader = response.body.getReader();
    let seen = 0;
    const decoder = new TextDecoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        controller.enqueue(value);
        seen += decoder.decode(value, { stream: true }).split('\n\n').length - 1;
        if (seen >= events) {
          // The connection drops here, as a proxy or a deploy would drop it.
          await reader.cancel();
          controller.close();
        }
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

describe('longhaul/browser against longhaul/http', () => {
  const backend = memoryBackend();
  const longhaul = new Longhaul({ backend });
  const worker = createWorker({
    backend,
    tasks: [count],
    waitTimeSeconds: 1,
    progressIntervalMs: 0,
    logger: silentLogger,
  });
  const server = createServer(
    toNodeListener(
      createHttpHandler({
        longhaul,
        prefix: '/api',
        tasks: [count],
        secret: 'a-test-secret-of-at-least-32-bytes!!',
        poll: { runningIntervalMs: 50, waitingIntervalMs: 50, waitingMaxIntervalMs: 100 },
      }),
    ),
  );
  let base = '';

  beforeAll(async () => {
    worker.start();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });

  afterAll(async () => {
    for (let step = 1; step <= steps; step++) release(step);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await worker.stop();
  });

  it('watches a job to its typed result across a dropped stream, each log line once', {
    timeout: 30_000,
  }, async () => {
    const { job, token, url } = await enqueueJob<typeof count>(`${base}/jobs`, 'browser.count', {
      to: 'ada',
    });
    expect(url).toBe(`${base}/jobs/${encodeURIComponent(job.id)}`);
    const requests: Array<Record<string, string>> = [];
    const lines: string[] = [];
    const errors: string[] = [];
    let snapshots = 0;
    const watch = watchJob<typeof count>(url, token, {
      fetch: cuttingFetch(3, requests),
      reconnectDelayMs: 10,
      // A page shows the snapshot's lines (those logged before it connected), then each new one.
      onSnapshot: (snapshot) => {
        snapshots++;
        lines.splice(0, lines.length, ...snapshot.logs.map((line) => line.message));
      },
      onLog: (line) => lines.push(line.message),
      onError: (error) => errors.push(error.code),
    });
    release(1);
    await expect.poll(() => lines.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    // The first stream is cut after three events; the job goes on, and so does the watch.
    release(2);
    await expect.poll(() => requests.length, { timeout: 10_000 }).toBe(2);
    release(3);
    release(4);
    const final = await watch.done;

    expect(final.status).toBe('succeeded');
    expect(final.result).toEqual({ to: 'ada', steps });
    expect(lines).toEqual([1, 2, 3, 4].map((step) => `step ${step} for ada`));
    expect(watch.job?.logs.map((line) => line.message)).toEqual(lines);
    expect(errors).toEqual(['stream_closed']);
    // Resumed from the last event id: the server sent what was missed, not a fresh snapshot.
    expect(snapshots).toBe(1);
    expect(requests[0]?.['last-event-id']).toBeUndefined();
    expect(requests[1]?.['last-event-id']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(requests[1]?.authorization).toBe(`Bearer ${token}`);
    expect((await getJob<typeof count>(url, token)).result?.steps).toBe(steps);
  });

  it("gets 401 for a tampered token, without retrying, and the server's error code", async () => {
    const { token, url } = await enqueueJob<typeof count>(`${base}/jobs`, 'browser.count', { to: 'bo' });
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const watch = watchJob(url, tampered, { reconnectDelayMs: 10 });
    await expect(watch.done).rejects.toMatchObject({ status: 401, retryable: false });
  });
});
