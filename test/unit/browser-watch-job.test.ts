// The browser client against a real local HTTP server speaking the `longhaul/http` event stream, scripted
// per test: the client's own fetch, parser, reconnects and back-off, with nothing mocked.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  cancelJob,
  enqueueJob,
  getJob,
  getLatestScheduleResult,
  JobRequestError,
  type JobView,
  type JobWatchEvent,
  jobUrl,
  watchJob,
} from 'longhaul/browser';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { reconnectDelayMs } from '../../src/browser/reconnect-delay.js';
import type { analyze } from './fixtures/browser-tasks.js';

type Handler = (request: IncomingMessage, response: ServerResponse, connection: number) => void;

interface TestServer {
  readonly url: string;
  readonly requests: IncomingMessage[];
  /** Resolves when the n-th request's connection has closed. */
  closed(n: number): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: Handler): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const closings: Array<Promise<void>> = [];
  const server = createServer((request, response) => {
    requests.push(request);
    closings.push(once(response, 'close').then(() => undefined));
    handler(request, response, requests.length);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/jobs/job-1`,
    requests,
    async closed(n) {
      await expect.poll(() => closings.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(n);
      await closings[n - 1];
    },
  };
}

const view = (status: JobView['status'], extra: Partial<JobView> = {}): JobView => ({
  id: 'job-1',
  task: 'portfolio.analyze',
  status,
  attempts: status === 'queued' ? 0 : 1,
  maxAttempts: 4,
  enqueuedAt: '2026-12-06T15:00:00.000Z',
  ...extra,
});
const line = (message: string) => ({ at: '2026-12-06T15:00:01.000Z', level: 'info', message });
const frame = (id: number, event: string, data: unknown) =>
  `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const openStream = (response: ServerResponse) =>
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });

/** A whole job's stream: queued, running with progress and logs, succeeded, end. */
const frames = [
  frame(1, 'snapshot', { ...view('queued'), logs: [] }),
  frame(2, 'status', view('running')),
  frame(3, 'progress', view('running', { progress: { fraction: 0.5, message: 'pricing' } })),
  frame(4, 'log', line('AAPL priced')),
  frame(5, 'result', view('succeeded', { result: { portfolio: 'growth', value: 1234.5 } })),
  frame(6, 'end', { status: 'succeeded' }),
];
const fast = { reconnectDelayMs: 5, maxReconnectDelayMs: 20 } as const;

describe('watchJob', () => {
  it('calls the handlers in order, sends the token as a bearer header, and resolves with the final job', async () => {
    const server = await serve((_request, response) => {
      openStream(response);
      response.end(`retry: 5\n\n${frames.join('')}`);
    });
    const seen: string[] = [];
    const watch = watchJob<typeof analyze>(server.url, 'tok-1', {
      onSnapshot: (job) => seen.push(`snapshot ${job.status} ${job.logs.length}`),
      onStatus: (job) => seen.push(`status ${job.status}`),
      onProgress: (job) => seen.push(`progress ${job.progress?.fraction}`),
      onLog: (logged) => seen.push(`log ${logged.message}`),
      onResult: (result) => {
        expectTypeOf(result).toEqualTypeOf<{ portfolio: string; value: number }>();
        seen.push(`result ${result.value}`);
      },
      onFailed: () => seen.push('failed'),
      onEnd: (job) => seen.push(`end ${job.status}`),
    });
    const final = await watch.done;
    expect(seen).toEqual([
      'snapshot queued 0',
      'status running',
      'progress 0.5',
      'log AAPL priced',
      'result 1234.5',
      'end succeeded',
    ]);
    expect(final.result).toEqual({ portfolio: 'growth', value: 1234.5 });
    expect(watch.job?.logs.map((logged) => logged.message)).toEqual(['AAPL priced']);
    expect(watch.lastEventId).toBe('6');
    const [request] = server.requests;
    expect(request?.url).toBe('/api/jobs/job-1/events');
    expect(request?.headers.authorization).toBe('Bearer tok-1');
    expect(request?.headers.accept).toBe('text/event-stream');
    expect(request?.headers['last-event-id']).toBeUndefined();
  });

  it('reports progress that arrives inside a status event as progress too', async () => {
    const server = await serve((_request, response) => {
      openStream(response);
      response.end(
        frames[0] +
          frame(2, 'status', view('running', { progress: { fraction: 0.25, message: 'a' } })) +
          frame(3, 'status', view('running', { progress: { fraction: 0.25, message: 'a' }, attempts: 2 })) +
          frames.slice(4).join(''),
      );
    });
    const seen: string[] = [];
    const watch = watchJob(server.url, 'tok', {
      onStatus: (job) => seen.push(`status ${job.attempts}`),
      onProgress: (job) => seen.push(`progress ${job.progress?.fraction}`),
    });
    await watch.done;
    expect(seen).toEqual(['status 1', 'progress 0.25', 'status 2']);
  });

  it('is an async iterator of the same events, typed by the task', async () => {
    const server = await serve((_request, response) => {
      openStream(response);
      response.end(frames.join(''));
    });
    const types: string[] = [];
    let value: number | undefined;
    for await (const event of watchJob<typeof analyze>(server.url, 'tok')) {
      expectTypeOf(event).toEqualTypeOf<JobWatchEvent<{ portfolio: string; value: number }>>();
      types.push(event.type);
      if (event.type === 'result') value = event.result.value;
    }
    expect(types).toEqual(['snapshot', 'status', 'progress', 'log', 'result', 'end']);
    expect(value).toBe(1234.5);
  });

  it('reconnects after the stream drops, sending Last-Event-ID, and sees each event once', async () => {
    const server = await serve((request, response, connection) => {
      openStream(response);
      if (connection === 1) {
        // Three events, then the connection dies without an `end`.
        response.write(frames.slice(0, 3).join(''));
        setTimeout(() => response.destroy(), 20);
        return;
      }
      const after = Number(request.headers['last-event-id']);
      response.end(frames.slice(after).join(''));
    });
    const messages: string[] = [];
    const errors: Array<[string, boolean]> = [];
    const watch = watchJob(server.url, 'tok', {
      ...fast,
      onProgress: (job) => messages.push(`progress ${job.progress?.message}`),
      onLog: (logged) => messages.push(`log ${logged.message}`),
      onResult: () => messages.push('result'),
      onError: (error, willRetry) => errors.push([error.code, willRetry]),
    });
    await watch.done;
    expect(server.requests.map((request) => request.headers['last-event-id'])).toEqual([undefined, '3']);
    expect(messages).toEqual(['progress pricing', 'log AAPL priced', 'result']);
    expect(errors.length).toBe(1);
    expect(errors[0]?.[1]).toBe(true);
  });

  it('keeps retrying through server errors, then resumes', async () => {
    const server = await serve((_request, response, connection) => {
      if (connection <= 2) {
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'unavailable', message: 'store is down' } }));
        return;
      }
      openStream(response);
      response.end(frames.join(''));
    });
    const errors: string[] = [];
    const watch = watchJob(server.url, 'tok', { ...fast, onError: (error) => errors.push(error.code) });
    expect((await watch.done).status).toBe('succeeded');
    expect(errors).toEqual(['unavailable', 'unavailable']);
    expect(server.requests.length).toBe(3);
  });

  it('gives up at once on a 401: no retry, and done rejects with the server\u2019s error', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'token_expired', message: 'The job token expired' } }));
    });
    const errors: Array<[string, number, boolean]> = [];
    const watch = watchJob(server.url, 'old', {
      ...fast,
      onError: (error, willRetry) => errors.push([error.code, error.status, willRetry]),
    });
    const error = await watch.done.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JobRequestError);
    expect(error).toMatchObject({ status: 401, code: 'token_expired', retryable: false });
    expect(errors).toEqual([['token_expired', 401, false]]);
    expect(server.requests.length).toBe(1);
  });

  it('throws the error it gave up on from the async iterator', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(403, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'forbidden', message: 'Another job' } }));
    });
    const iterate = async () => {
      for await (const _event of watchJob(server.url, 'other', fast)) {
        // no events expected
      }
    };
    await expect(iterate()).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('gives up after maxReconnectAttempts failed connections in a row', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(502);
      response.end();
    });
    const watch = watchJob(server.url, 'tok', { ...fast, maxReconnectAttempts: 2 });
    await expect(watch.done).rejects.toMatchObject({ status: 502, code: 'http_502' });
    expect(server.requests.length).toBe(3);
  });

  it('replaces a connection that went silent past idleTimeoutMs', async () => {
    const server = await serve((request, response, connection) => {
      openStream(response);
      if (connection === 1) {
        // Open, one event, then silence: no heartbeat, no close, as behind a proxy that dropped it.
        response.write(frames[0] ?? '');
        return;
      }
      response.end(frames.slice(Number(request.headers['last-event-id'])).join(''));
    });
    const errors: string[] = [];
    const watch = watchJob(server.url, 'tok', {
      ...fast,
      idleTimeoutMs: 200,
      onError: (error) => errors.push(error.code),
    });
    expect((await watch.done).status).toBe('succeeded');
    expect(errors).toEqual(['stream_idle']);
    await server.closed(1);
    expect(server.requests[1]?.headers['last-event-id']).toBe('1');
  });

  it('close() aborts the request, so the server sees the connection end, and never reconnects', async () => {
    const server = await serve((_request, response) => {
      openStream(response);
      response.write(frames.slice(0, 2).join(''));
    });
    let status: string | undefined;
    const watch = watchJob(server.url, 'tok', { ...fast, onStatus: (job) => (status = job.status) });
    await expect.poll(() => status).toBe('running');
    watch.close();
    watch.close();
    await server.closed(1);
    await expect(watch.done).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.requests.length).toBe(1);
  });

  it('stops when its AbortSignal aborts, and leaving a for-await loop early closes it', async () => {
    const server = await serve((_request, response) => {
      openStream(response);
      response.write(frames.slice(0, 3).join(''));
    });
    const controller = new AbortController();
    const bySignal = watchJob(server.url, 'tok', { signal: controller.signal });
    await expect.poll(() => bySignal.job?.status).toBe('running');
    controller.abort();
    await server.closed(1);
    await expect(bySignal.done).rejects.toMatchObject({ name: 'AbortError' });

    const byLoop = watchJob(server.url, 'tok');
    for await (const event of byLoop) {
      if (event.type === 'progress') break;
    }
    await server.closed(2);
    await expect(byLoop.done).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('reports how a job ended when the stream went straight to end (the job was already final)', async () => {
    const failed = view('failed', {
      error: { name: 'Error', code: 'unknown_ticker', message: 'No ticker ZZZZ' },
    });
    const server = await serve((_request, response) => {
      openStream(response);
      response.end(
        frame(1, 'snapshot', { ...failed, logs: [line('loading')] }) + frame(2, 'end', { status: 'failed' }),
      );
    });
    const seen: string[] = [];
    const watch = watchJob(server.url, 'tok', {
      onFailed: (error) => seen.push(`failed ${error.code}`),
      onEnd: () => seen.push('end'),
    });
    await watch.done;
    expect(seen).toEqual(['failed unknown_ticker', 'end']);
  });

  it('gives up with the server\u2019s error when the stream ends because the job was deleted', async () => {
    const server = await serve((_request, response) => {
      openStream(response);
      response.end(
        frames[0] + frame(2, 'end', { error: { code: 'job_not_found', message: 'No job job-1' } }),
      );
    });
    const errors: Array<[string, boolean]> = [];
    const watch = watchJob(server.url, 'tok', {
      onError: (error, willRetry) => errors.push([error.code, willRetry]),
    });
    await expect(watch.done).rejects.toMatchObject({ status: 404, code: 'job_not_found' });
    expect(errors).toEqual([['job_not_found', false]]);
    expect(server.requests.length).toBe(1);
  });

  it('rejects options out of range, naming them', () => {
    expect(() => watchJob('/api/jobs/x', 'tok', { reconnectDelayMs: 0 })).toThrow(
      'Expected `reconnectDelayMs` to be an integer from 1 up, got `0`',
    );
    expect(() => watchJob('/api/jobs/x', 'tok', { idleTimeoutMs: 1.5 })).toThrow('`idleTimeoutMs`');
  });
});

describe('reconnectDelayMs', () => {
  it('doubles from the first delay up to the ceiling, half of it jittered', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => reconnectDelayMs(attempt, 1_000, 10_000, () => 1))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
    expect([1, 2, 3].map((attempt) => reconnectDelayMs(attempt, 1_000, 10_000, () => 0))).toEqual([
      500, 1_000, 2_000,
    ]);
    expect(reconnectDelayMs(500, 1_000, 30_000, () => 1)).toBe(30_000);
  });
});

describe('the request helpers', () => {
  it('enqueue with a JSON body and return the job, its token and its URL; read and cancel with the token', async () => {
    const bodies: string[] = [];
    const server = await serve((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        bodies.push(body);
        response.writeHead(request.method === 'POST' && request.url === '/api/jobs' ? 202 : 200, {
          'content-type': 'application/json',
        });
        const job = view(request.url?.endsWith('/cancel') ? 'cancelled' : 'queued', { id: 'a/b' });
        response.end(JSON.stringify(request.url === '/api/jobs' ? { job, token: 'tok-a' } : job));
      });
    });
    const jobsUrl = new URL('/api/jobs', server.url).href;
    const enqueued = await enqueueJob<typeof analyze>(jobsUrl, 'portfolio.analyze', {
      portfolio: 'growth',
      positions: 3,
    });
    expect(enqueued.token).toBe('tok-a');
    expect(enqueued.url).toBe(`${jobsUrl}/a%2Fb`);
    expect(enqueued.url).toBe(jobUrl(`${jobsUrl}/`, 'a/b'));
    expect(JSON.parse(bodies[0] ?? '')).toEqual({
      task: 'portfolio.analyze',
      args: { portfolio: 'growth', positions: 3 },
    });
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');

    expect((await getJob(enqueued.url, enqueued.token)).status).toBe('queued');
    expect((await cancelJob(enqueued.url, enqueued.token)).status).toBe('cancelled');
    expect(
      server.requests.map((request) => [request.method, request.url, request.headers.authorization]),
    ).toEqual([
      ['POST', '/api/jobs', undefined],
      ['GET', '/api/jobs/a%2Fb', 'Bearer tok-a'],
      ['POST', '/api/jobs/a%2Fb/cancel', 'Bearer tok-a'],
    ]);
  });

  it('throw a JobRequestError carrying the code and the schema issues of a 400', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: {
            code: 'invalid_args',
            message: 'Invalid arguments',
            issues: [{ message: 'Too big', path: ['positions'] }],
          },
        }),
      );
    });
    const error = await enqueueJob(server.url, 'portfolio.analyze', {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JobRequestError);
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_args',
      issues: [{ message: 'Too big', path: ['positions'] }],
      message: 'Enqueueing the job failed with HTTP 400: Invalid arguments',
    });
  });

  it('throw a JobRequestError with status 0 when nothing answers', async () => {
    const server = await serve((_request, response) => response.destroy());
    await expect(getJob(server.url, 'tok')).rejects.toMatchObject({
      status: 0,
      code: 'network_error',
      retryable: true,
    });
  });

  it("read a schedule's latest result without a token, and give undefined before its first run", async () => {
    let ran = false;
    const server = await serve((_request, response) => {
      if (!ran) {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'schedule_result_not_found', message: 'No run yet' } }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          schedule: 'nightly',
          jobId: 'nightly@2026-12-06T03:00:00Z',
          result: { portfolio: 'all', value: 9 },
          finishedAt: '2026-12-06T03:00:04.000Z',
          scheduledFor: '2026-12-06T03:00:00.000Z',
        }),
      );
    });
    expect(await getLatestScheduleResult<typeof analyze>(server.url)).toBeUndefined();
    ran = true;
    const latest = await getLatestScheduleResult<typeof analyze>(server.url);
    expectTypeOf(latest?.result).toEqualTypeOf<{ portfolio: string; value: number } | undefined>();
    expect(latest?.result.value).toBe(9);
    expect(server.requests.map((request) => request.headers.authorization)).toEqual([undefined, undefined]);
  });
});
