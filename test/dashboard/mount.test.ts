// Mounting the dashboard inside another server: under a basePath with plain node:http, and the way
// express/connect's `app.use('/jobs', handler)` calls it (req.url stripped, req.originalUrl whole).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Longhaul } from 'longhaul';
import { createDashboardHandler, type DashboardHandler } from 'longhaul/dashboard';
import { memoryBackend } from 'longhaul/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTasks } from '../support/tasks.js';
import { actionHeaders, call, csrfTokenOf } from './helpers.js';

const token = 'mount-token-0123456789abcdef';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A minimal connect-style app: `use(prefix, handler)` strips the prefix from req.url, keeps originalUrl. */
function connectLike(prefix: string, handler: DashboardHandler, nexts: string[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const request = req as IncomingMessage & { originalUrl?: string };
    const notFound = () => {
      nexts.push(url);
      res.statusCode = 404;
      res.end('app 404');
    };
    if (url !== prefix && !url.startsWith(`${prefix}/`) && !url.startsWith(`${prefix}?`)) {
      res.end('the app');
      return;
    }
    request.originalUrl = url;
    req.url = url.slice(prefix.length) || '/';
    if (req.url.startsWith('?')) req.url = `/${req.url}`;
    handler(req, res, notFound);
  };
}

describe('the dashboard mounted in another server', () => {
  const servers: Server[] = [];
  const longhaul = new Longhaul({ backend: memoryBackend() });
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('serves under a basePath inside a plain node:http server, leaving other paths to the app', async () => {
    const dashboard = createDashboardHandler({ longhaul, basePath: '/ops/jobs/' });
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/ops/jobs')) dashboard(req, res);
      else res.end('the app');
    });
    servers.push(server);
    const origin = await listen(server);

    const page = await call(`${origin}/ops/jobs/`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<meta name="longhaul-base" content="/ops/jobs">');
    expect(page.text).toContain('<script src="/ops/jobs/assets/app.js" defer></script>');
    expect(page.text).toContain('href="/ops/jobs/assets/app.css"');
    expect((await call(`${origin}/ops/jobs`)).status).toBe(200);
    expect((await call(`${origin}/ops/jobs/assets/app.js`)).status).toBe(200);
    expect((await call(`${origin}/ops/jobs/api/stats`)).json.counts).toBeDefined();
    expect((await call(`${origin}/elsewhere`)).text).toBe('the app');
    // A path that only starts like the base is not the dashboard's (and without `next`, a 404).
    expect((await call(`${origin}/ops/jobsX/api/stats`)).status).toBe(404);

    const job = await longhaul.enqueue(makeTasks().tasks.add, { a: 1, b: 2 });
    const csrf = await csrfTokenOf(`${origin}/ops/jobs/`);
    const cancel = await call(`${origin}/ops/jobs/api/jobs/${job.id}/cancel`, {
      method: 'POST',
      headers: actionHeaders(csrf, { Origin: origin }),
      body: {},
    });
    expect(cancel.status).toBe(200);
    expect(cancel.json.job.status).toBe('cancelled');
  });

  it('finds its base from req.originalUrl when express/connect mounts it, and calls next() outside it', async () => {
    const nexts: string[] = [];
    const server = createServer(connectLike('/jobs', createDashboardHandler({ longhaul }), nexts));
    servers.push(server);
    const origin = await listen(server);

    const page = await call(`${origin}/jobs`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<meta name="longhaul-base" content="/jobs">');
    const nested = await call(`${origin}/jobs/`);
    expect(nested.text).toContain('<script src="/jobs/assets/app.js" defer></script>');
    expect((await call(`${origin}/jobs/api/stats`)).status).toBe(200);
    expect((await call(`${origin}/`)).text).toBe('the app');

    // With a basePath the handler reads originalUrl too, and hands paths outside it to next().
    const handler = createDashboardHandler({ longhaul, basePath: '/jobs' });
    const other = createServer(connectLike('/jobs', handler, nexts));
    servers.push(other);
    const otherOrigin = await listen(other);
    expect((await call(`${otherOrigin}/jobs/api/stats`)).status).toBe(200);
    handler(
      Object.assign(Object.create(null), { url: '/other', headers: {}, method: 'GET' }) as IncomingMessage,
      {} as ServerResponse,
      () => nexts.push('next called for /other'),
    );
    expect(nexts).toContain('next called for /other');
  });

  it('scopes the session cookie to the base path', async () => {
    const dashboard = createDashboardHandler({ longhaul, basePath: '/jobs', token });
    const server = createServer((req, res) => dashboard(req, res, () => res.end('the app')));
    servers.push(server);
    const origin = await listen(server);

    const login = await call(`${origin}/jobs/?token=${token}`);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/jobs/');
    expect(login.headers['set-cookie']?.[0]).toContain('; Path=/jobs; HttpOnly; SameSite=Strict');
    const session = login.headers['set-cookie']?.[0]?.split(';')[0] ?? '';
    expect((await call(`${origin}/jobs/api/stats`, { headers: { Cookie: session } })).status).toBe(200);
    expect((await call(`${origin}/jobs/api/stats`)).status).toBe(401);
    expect((await call(`${origin}/elsewhere`)).text).toBe('the app');
  });
});
