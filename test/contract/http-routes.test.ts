import { createHttpHandler, createJobToken, type EnqueueResponse, type JobView } from 'longhaul/http';
import { describe, expect, it } from 'vitest';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { serveUntil, testWorker } from '../support/serve.js';

const secret = 'contract-test-secret-of-32-bytes-or-more';
const origin = 'http://localhost';

// The routes of longhaul/http against each backend: enqueue, read and cancel through HTTP requests, with
// tokens that open one job and the 4xx answers for everything else.
describe.each(contractBackends('contract/http-routes'))('the HTTP routes on the $name backend', (factory) => {
  const s = useContractBackend(factory);

  const handlerFor = (extra: Partial<Parameters<typeof createHttpHandler>[0]> = {}) =>
    createHttpHandler({
      longhaul: s.longhaul,
      prefix: '/api',
      secret,
      tasks: {
        'math.add': s.fixtures.tasks.add,
        slow: { task: s.fixtures.tasks.slow, cancel: true, includeArgs: true },
      },
      ...extra,
    });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    new Request(`${origin}/api${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
    new Request(`${origin}/api${path}`, {
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    });
  const errorOf = async (response: Response) =>
    ((await response.json()) as { error: { code: string } }).error;

  it('enqueues an allowed task, answers with its view and a token, and reads it to its result', async () => {
    const handler = handlerFor();
    const enqueued = await handler(post('/jobs', { task: 'math.add', args: { a: 2, b: 3 } }));
    expect(enqueued.status).toBe(202);
    expect(enqueued.headers.get('cache-control')).toBe('no-store');
    const { job, token } = (await enqueued.json()) as EnqueueResponse;
    expect(job).toEqual({
      id: expect.any(String),
      task: 'math.add',
      status: 'queued',
      attempts: 0,
      maxAttempts: expect.any(Number),
      enqueuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(job).not.toHaveProperty('args'); // not opted in for this task

    await serveUntil(testWorker(s.t.backend, s.fixtures.all), async () => {
      const read = await handler(get(`/jobs/${encodeURIComponent(job.id)}`, token));
      expect(read.status).toBe(200);
      const view = (await read.json()) as JobView;
      return view.status === 'succeeded' && view;
    }).then((view) => {
      expect(view).toMatchObject({
        id: job.id,
        status: 'succeeded',
        attempts: 1,
        result: { sum: 5 },
        progress: { fraction: 0.5, message: 'adding' },
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
      });
    });
  });

  it('shows the arguments only of tasks that opt in, and takes a job id from the page', async () => {
    const handler = handlerFor();
    const response = await handler(post('/jobs', { task: 'slow', args: { ms: 10 }, jobId: 'page-chosen-1' }));
    const { job } = (await response.json()) as EnqueueResponse;
    expect(job).toMatchObject({ id: 'page-chosen-1', args: { ms: 10 } });
  });

  it('refuses a token for job A on job B (403), and no token at all (401) before reading the store', async () => {
    const handler = handlerFor();
    const a = (await (
      await handler(post('/jobs', { task: 'math.add', args: { a: 1, b: 1 } }))
    ).json()) as EnqueueResponse;
    const b = (await (
      await handler(post('/jobs', { task: 'math.add', args: { a: 2, b: 2 } }))
    ).json()) as EnqueueResponse;
    expect((await handler(get(`/jobs/${b.job.id}`, b.token))).status).toBe(200);

    s.t.backend.requests.reset();
    const crossed = await handler(get(`/jobs/${b.job.id}`, a.token));
    expect(crossed.status).toBe(403);
    expect(await errorOf(crossed)).toMatchObject({ code: 'token_wrong_job' });
    const missing = await handler(get(`/jobs/${b.job.id}`));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(await errorOf(missing)).toMatchObject({ code: 'token_missing' });
    const tampered = await handler(get(`/jobs/${b.job.id}`, `${b.token.slice(0, -3)}abc`));
    expect(tampered.status).toBe(401);
    const expired = createJobToken({ secret, jobId: b.job.id, now: Date.now() - 7_200_000 });
    expect(await errorOf(await handler(get(`/jobs/${b.job.id}`, expired)))).toMatchObject({
      code: 'token_expired',
    });
    // Refusals cost no store reads.
    expect(s.t.backend.requests.snapshot().dynamodb ?? {}).toEqual({});
  });

  it('cancels a job of a task that allows it, with a cancel token; refuses read-only tokens and other tasks', async () => {
    const handler = handlerFor();
    const slow = (await (
      await handler(post('/jobs', { task: 'slow', args: { ms: 10_000 } }))
    ).json()) as EnqueueResponse;
    const readOnly = createJobToken({ secret, jobId: slow.job.id, actions: ['read'] });
    const refused = await handler(
      post(`/jobs/${slow.job.id}/cancel`, {}, { Authorization: `Bearer ${readOnly}` }),
    );
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatchObject({ code: 'token_wrong_action' });

    const cancelled = await handler(
      post(`/jobs/${slow.job.id}/cancel`, {}, { Authorization: `Bearer ${slow.token}` }),
    );
    expect(cancelled.status).toBe(202);
    expect(await cancelled.json()).toMatchObject({ id: slow.job.id, status: 'cancelled' });
    const again = await handler(
      post(`/jobs/${slow.job.id}/cancel`, {}, { Authorization: `Bearer ${slow.token}` }),
    );
    expect(again.status).toBe(409);
    expect(await errorOf(again)).toMatchObject({ code: 'job_conflict' });

    const add = (await (
      await handler(post('/jobs', { task: 'math.add', args: { a: 1, b: 2 } }))
    ).json()) as EnqueueResponse;
    const forged = createJobToken({ secret, jobId: add.job.id, actions: ['read', 'cancel'] });
    const notAllowed = await handler(
      post(`/jobs/${add.job.id}/cancel`, {}, { Authorization: `Bearer ${forged}` }),
    );
    expect(notAllowed.status).toBe(403);
    expect(await errorOf(notAllowed)).toMatchObject({ code: 'cancel_not_allowed' });
  });

  it('answers bad input with 400 and the schema issues, and other tasks with 403', async () => {
    const handler = handlerFor();
    const invalid = await handler(post('/jobs', { task: 'math.add', args: { a: 'two', b: 3 } }));
    expect(invalid.status).toBe(400);
    expect(await errorOf(invalid)).toMatchObject({
      code: 'invalid_args',
      issues: [{ path: ['a'], message: expect.any(String) }],
    });
    const cases: [Request, number, string][] = [
      [post('/jobs', { task: 'doomed', args: {} }), 403, 'task_not_allowed'],
      [post('/jobs', '{"task": "math.add", '), 400, 'invalid_json'],
      [post('/jobs', ['math.add']), 400, 'invalid_request'],
      [post('/jobs', { task: 'math.add', args: { a: 1, b: 2 }, extra: true }), 400, 'invalid_request'],
      [post('/jobs', { task: 'math.add', args: { a: 1, b: 2 }, jobId: '#limit#x' }), 400, 'invalid_job_id'],
      [
        post('/jobs', { task: 'math.add', args: {} }, { 'Content-Type': 'text/plain' }),
        415,
        'unsupported_media_type',
      ],
      [get('/jobs/no-such-job', createJobToken({ secret, jobId: 'no-such-job' })), 404, 'job_not_found'],
      [get(`/jobs/${'x'.repeat(129)}`, 'token'), 400, 'invalid_job_id'],
      [get('/jobs'), 405, 'method_not_allowed'],
      [new Request(`${origin}/api/jobs/x`, { method: 'DELETE' }), 405, 'method_not_allowed'],
      [get('/elsewhere'), 404, 'not_found'],
      [new Request(`${origin}/other/jobs`), 404, 'not_found'],
    ];
    for (const [request, status, code] of cases) {
      const response = await handler(request);
      expect(
        { status: response.status, code: (await errorOf(response)).code },
        `${request.method} ${request.url}`,
      ).toEqual({
        status,
        code,
      });
    }
    expect((await handler(get('/jobs'))).headers.get('allow')).toBe('POST');
  });

  it('refuses bodies over the limit with 413, declared or streamed', async () => {
    const handler = handlerFor({ maxBodyBytes: 1_000 });
    const big = JSON.stringify({ task: 'math.add', args: { a: 1, b: 2, pad: 'x'.repeat(2_000) } });
    expect((await handler(post('/jobs', big))).status).toBe(413);
    const streamed = new Request(`${origin}/api/jobs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.headers.get('content-length')).toBeNull();
    expect((await handler(streamed)).status).toBe(413);
  });

  it('does not hand out a token for a job id that already exists', async () => {
    const handler = handlerFor();
    const first = await handler(post('/jobs', { task: 'math.add', args: { a: 1, b: 2 }, jobId: 'taken-id' }));
    expect(first.status).toBe(202);
    const second = await handler(
      post('/jobs', { task: 'math.add', args: { a: 1, b: 2 }, jobId: 'taken-id' }),
    );
    expect(second.status).toBe(409);
    const body = (await second.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('token');
    expect(body).toMatchObject({ error: { code: 'job_exists' } });
  });

  it('asks `authorize` before enqueuing', async () => {
    const seen: string[] = [];
    const handler = handlerFor({
      authorize: (request, task) => {
        seen.push(task.name);
        return request.headers.get('x-session') === 'ok';
      },
    });
    const refused = await handler(post('/jobs', { task: 'math.add', args: { a: 1, b: 2 } }));
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatchObject({ code: 'forbidden' });
    const allowed = await handler(
      post('/jobs', { task: 'math.add', args: { a: 1, b: 2 } }, { 'x-session': 'ok' }),
    );
    expect(allowed.status).toBe(202);
    expect(seen).toEqual(['math.add', 'math.add']);
  });

  it('sends no CORS headers by default, and answers preflights for the listed origins only', async () => {
    const closed = handlerFor();
    const fromPage = post(
      '/jobs',
      { task: 'math.add', args: { a: 1, b: 2 } },
      { Origin: 'https://app.example.com' },
    );
    expect((await closed(fromPage)).headers.get('access-control-allow-origin')).toBeNull();

    const open = handlerFor({ cors: { origins: ['https://app.example.com'] } });
    const preflight = (from: string) =>
      new Request(`${origin}/api/jobs/abc/events`, {
        method: 'OPTIONS',
        headers: {
          Origin: from,
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'authorization',
        },
      });
    const allowed = await open(preflight('https://app.example.com'));
    expect(allowed.status).toBe(204);
    expect(Object.fromEntries(allowed.headers)).toMatchObject({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-headers': 'Authorization, Content-Type, Last-Event-ID',
      vary: 'Origin',
    });
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await open(preflight('https://evil.example.com'));
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const response = await open(
      post('/jobs', { task: 'math.add', args: { a: 1, b: 2 } }, { Origin: 'https://app.example.com' }),
    );
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const refusedButReadable = await open(get('/jobs/x', undefined, { Origin: 'https://app.example.com' }));
    expect(refusedButReadable.status).toBe(401);
    expect(refusedButReadable.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });
});
