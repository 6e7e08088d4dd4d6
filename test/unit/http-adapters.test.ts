import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { defineTask, Longhaul } from 'longhaul';
import { createHttpHandler, type EnqueueResponse, lambdaUrlHandler, toNodeListener } from 'longhaul/http';
import { memoryBackend } from 'longhaul/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually } from '../support/serve.js';
import { SseReader } from '../support/sse.js';

const secret = 'unit-test-secret-of-at-least-32-bytes';
const greet = defineTask({
  name: 'greet',
  args: z.object({ name: z.string() }),
  async run({ name }) {
    return `hello ${name}`;
  },
});

function makeHandler(prefix: string) {
  return createHttpHandler({
    longhaul: new Longhaul({ backend: memoryBackend() }),
    prefix,
    tasks: [greet],
    secret,
  });
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const enqueueBody = JSON.stringify({ task: 'greet', args: { name: 'Ada' } });

describe('toNodeListener', () => {
  it('serves the routes on node:http, streams events, and releases the stream when the client goes', async () => {
    const handler = makeHandler('/lh');
    const base = await listen(createServer(toNodeListener(handler)));
    const enqueued = await fetch(`${base}/lh/jobs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: enqueueBody,
    });
    expect(enqueued.status).toBe(202);
    const { job, token } = (await enqueued.json()) as EnqueueResponse;
    const read = await fetch(`${base}/lh/jobs/${job.id}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(await read.json()).toMatchObject({ id: job.id, status: 'queued' });

    const client = new AbortController();
    const events = await fetch(`${base}/lh/jobs/${job.id}/events`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: client.signal,
    });
    expect(events.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = new SseReader(events);
    await reader.readUntil((all) => all.some((e) => e.event === 'snapshot'));
    expect(handler.stats()).toMatchObject({ openStreams: 1, watchedJobs: 1 });
    client.abort();
    await eventually(async () => {
      const stats = handler.stats();
      return stats.openStreams === 0 && stats.watchedJobs === 0 && stats.pendingTimers === 0;
    });
  });

  it('mounts in Express under a path, after express.json() too', async () => {
    const handler = makeHandler('/api/longhaul');
    const app = express();
    app.use(express.json());
    app.use('/api/longhaul', toNodeListener(handler));
    const base = await listen(createServer(app));
    const enqueued = await fetch(`${base}/api/longhaul/jobs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: enqueueBody,
    });
    expect(enqueued.status).toBe(202);
    const missing = await fetch(`${base}/api/longhaul/jobs/x`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'token_missing' } });
  });
});

describe('lambdaUrlHandler', () => {
  const event = (
    method: string,
    rawPath: string,
    extra: { body?: string; headers?: Record<string, string> } = {},
  ) => ({
    rawPath,
    rawQueryString: '',
    headers: extra.headers ?? {},
    requestContext: { domainName: 'abc.lambda-url.us-east-1.on.aws', http: { method } },
    ...(extra.body !== undefined
      ? { body: Buffer.from(extra.body).toString('base64'), isBase64Encoded: true }
      : {}),
  });

  it('enqueues and reads through function URL events, and refuses event streams in buffered mode', async () => {
    const handler = makeHandler('');
    const lambda = lambdaUrlHandler(handler);
    const enqueued = await lambda(
      event('POST', '/jobs', { body: enqueueBody, headers: { 'content-type': 'application/json' } }),
    );
    expect(enqueued).toMatchObject({ statusCode: 202, isBase64Encoded: false });
    const { job, token } = JSON.parse(enqueued.body) as EnqueueResponse;
    const read = await lambda(
      event('GET', `/jobs/${job.id}`, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(read.statusCode).toBe(200);
    expect(JSON.parse(read.body)).toMatchObject({ id: job.id, status: 'queued' });
    const stream = await lambda(
      event('GET', `/jobs/${job.id}/events`, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(stream.statusCode).toBe(501);
    expect(JSON.parse(stream.body)).toMatchObject({ error: { code: 'streaming_unsupported' } });
    await eventually(async () => handler.stats().watchedJobs === 0 && handler.stats().pendingTimers === 0);
  });
});
