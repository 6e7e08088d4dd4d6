// The dashboard's security model, bullet by bullet: loopback by default, the token (bearer and cookie),
// the Host check against DNS rebinding, CSRF on actions, the response headers, and no leaked internals.
import type { IncomingMessage } from 'node:http';
import { Longhaul } from 'longhaul';
import { createDashboardHandler, securityHeaders, serveDashboard } from 'longhaul/dashboard';
import { memoryBackend } from 'longhaul/memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  hostnameOf,
  isAuthenticated,
  isLoopbackHostname,
  parseCookies,
  sessionCookieName,
  sessionMaxAgeSeconds,
  sessionValue,
} from '../../src/dashboard/security.js';
import { memory } from '../support/backends.js';
import { delegate } from '../support/delegate.js';
import { makeTasks } from '../support/tasks.js';
import { actionHeaders, call, csrfTokenOf, readEvents, startDashboard } from './helpers.js';

const token = 'test-token-0123456789abcdef';
const csp =
  "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'";

describe('serveDashboard', () => {
  const longhaul = new Longhaul({ backend: memoryBackend() });

  it('listens on 127.0.0.1 by default and says where', async () => {
    const server = await serveDashboard({ longhaul, port: 0 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect((await call(`${server.url}api/stats`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('refuses a non-loopback host without a token, with a clear error', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'dashboard.example.com']) {
      await expect(serveDashboard({ longhaul, host, port: 0 })).rejects.toThrow(
        /Refusing to serve the dashboard on .* without a token.*Pass `token`/,
      );
    }
  });

  it('serves a non-loopback host when given a token', async () => {
    const server = await serveDashboard({ longhaul, host: '0.0.0.0', port: 0, token });
    try {
      const port = new URL(server.url).port;
      expect(server.url).toBe(`http://0.0.0.0:${port}/`);
      expect((await call(`http://127.0.0.1:${port}/api/stats`)).status).toBe(401);
      const authorized = await call(`http://127.0.0.1:${port}/api/stats`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(authorized.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('refuses short tokens, bad ports and bad options, naming each', async () => {
    await expect(serveDashboard({ longhaul, port: 0, token: 'short' })).rejects.toThrow(
      /`token` to be a string of at least 16 characters.*got 5 characters/,
    );
    await expect(serveDashboard({ longhaul, port: 70_000 })).rejects.toThrow(
      'Expected `port` to be an integer from 0 to 65535, got `70000`',
    );
    expect(() => createDashboardHandler({ longhaul, liveIntervalMs: 5, basePath: 'jobs' })).toThrow(
      /`liveIntervalMs` to be an integer from 100 to 60000, got `5`.*`basePath` to be a path such as "\/jobs"/,
    );
    expect(() => createDashboardHandler({ longhaul: {} as Longhaul })).toThrow(
      'Expected `longhaul` to be a `Longhaul` client',
    );
  });

  it('closes while a live-update stream is open', async () => {
    const server = await serveDashboard({ longhaul, port: 0 });
    const events = await readEvents(`${server.url}api/events`);
    await events.next('stats');
    await server.close();
    events.close();
  });
});

describe('the dashboard with a token', () => {
  let d: Awaited<ReturnType<typeof startDashboard>>;
  beforeEach(async () => {
    d = await startDashboard(memory, { token });
  });
  afterEach(async () => {
    await d.dispose();
  });

  it('refuses every request without the token: API, page and assets', async () => {
    const api = await call(`${d.url}api/stats`);
    expect(api.status).toBe(401);
    expect(api.json.error.code).toBe('unauthorized');
    expect(api.headers['www-authenticate']).toBe('Bearer realm="longhaul-dashboard"');
    const page = await call(d.url);
    expect(page.status).toBe(401);
    expect(page.text).toContain('?token=');
    expect(page.text).not.toContain('csrf-token');
    expect((await call(`${d.url}assets/app.js`)).status).toBe(401);
    expect((await call(`${d.url}api/events`)).status).toBe(401);
  });

  it('accepts the right bearer token and refuses a wrong one with 401', async () => {
    expect((await call(`${d.url}api/stats`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
    for (const authorization of [`Bearer ${token}x`, 'Bearer nope', `Basic ${token}`, token, 'Bearer ']) {
      const reply = await call(`${d.url}api/stats`, { headers: { Authorization: authorization } });
      expect(reply.status, authorization).toBe(401);
    }
  });

  it('signs in with ?token= by setting an HttpOnly SameSite=Strict cookie and redirecting without the token', async () => {
    const wrong = await call(`${d.url}?token=wrong-token-0123456789`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const login = await call(`${d.url}?token=${token}&keep=1`);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/?keep=1');
    const cookie = login.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(new RegExp(`^${sessionCookieName}=[^;]+; Path=/; HttpOnly; SameSite=Strict`));
    expect(cookie).not.toContain(token);

    const session = cookie.split(';')[0] ?? '';
    const page = await call(d.url, { headers: { Cookie: `other=1; ${session}` } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('csrf-token');
    expect((await call(`${d.url}api/stats`, { headers: { Cookie: session } })).status).toBe(200);
    expect((await call(`${d.url}api/stats`, { headers: { Cookie: `${session}x` } })).status).toBe(401);
    expect(
      (await call(`${d.url}api/stats`, { headers: { Cookie: `${sessionCookieName}=${token}` } })).status,
    ).toBe(401);

    // The cookie alone does not make an action: it still needs the CSRF token.
    const csrf = await csrfTokenOf(d.url, { Cookie: session });
    const job = await d.longhaul.enqueue(makeTasks().tasks.add, { a: 1, b: 1 });
    const noCsrf = await call(`${d.url}api/jobs/${job.id}/cancel`, {
      method: 'POST',
      headers: { Cookie: session, 'Content-Type': 'application/json' },
      body: {},
    });
    expect(noCsrf.status).toBe(403);
    const cancel = await call(`${d.url}api/jobs/${job.id}/cancel`, {
      method: 'POST',
      headers: actionHeaders(csrf, { Cookie: session }),
      body: {},
    });
    expect(cancel.status).toBe(200);
  });

  it('does not check the Host when a token guards it (it may sit behind any name)', async () => {
    const reply = await call(`${d.url}api/stats`, {
      headers: { Authorization: `Bearer ${token}`, Host: 'jobs.internal.example:8443' },
    });
    expect(reply.status).toBe(200);
  });
});

describe('the dashboard on loopback without a token', () => {
  let d: Awaited<ReturnType<typeof startDashboard>>;
  const logged: string[] = [];
  beforeEach(async () => {
    logged.length = 0;
    d = await startDashboard(memory, { log: (line) => logged.push(line) });
  });
  afterEach(async () => {
    await d.dispose();
  });

  it('answers only loopback Host names, refusing others with 403 (DNS rebinding)', async () => {
    const port = new URL(d.url).port;
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      'localhost',
      `[::1]:${port}`,
      'app.localhost',
    ]) {
      expect((await call(`${d.url}api/stats`, { headers: { Host: host } })).status, host).toBe(200);
    }
    for (const host of [
      `attacker.example:${port}`,
      'attacker.example',
      '10.0.0.5',
      'localhost.attacker.example',
    ]) {
      const reply = await call(`${d.url}api/stats`, { headers: { Host: host } });
      expect(reply.status, host).toBe(403);
      expect(reply.json.error.code).toBe('host_not_allowed');
      const page = await call(d.url, { headers: { Host: host } });
      expect(page.status, host).toBe(403);
      expect(page.text).not.toContain('csrf-token');
    }
  });

  it('refuses actions without the CSRF token, or with a wrong one, with 403', async () => {
    const job = await d.longhaul.enqueue(makeTasks().tasks.add, { a: 1, b: 1 });
    const path = `${d.url}api/jobs/${job.id}/cancel`;
    const missing = await call(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: {},
    });
    expect(missing.status).toBe(403);
    expect(missing.json.error.code).toBe('csrf_failed');
    const wrong = await call(path, { method: 'POST', headers: actionHeaders(`${d.csrf}x`), body: {} });
    expect(wrong.status).toBe(403);
    expect(wrong.json.error.code).toBe('csrf_failed');
    const other = await startDashboard(memory);
    try {
      // Each dashboard makes its own token.
      expect(other.csrf).not.toBe(d.csrf);
      expect(
        (await call(path, { method: 'POST', headers: actionHeaders(other.csrf), body: {} })).status,
      ).toBe(403);
    } finally {
      await other.dispose();
    }
    expect((await d.longhaul.getJob(job.id)).status).toBe('queued');
    expect((await d.post(`api/jobs/${job.id}/cancel`)).status).toBe(200);
  });

  it('refuses actions from a foreign Origin with 403, and accepts its own', async () => {
    const job = await d.longhaul.enqueue(makeTasks().tasks.add, { a: 1, b: 1 });
    const path = `${d.url}api/jobs/${job.id}/cancel`;
    const own = new URL(d.url).origin;
    for (const origin of [
      'http://attacker.example',
      'null',
      `${own}.attacker.example`,
      'https://127.0.0.1:1',
    ]) {
      const reply = await call(path, {
        method: 'POST',
        headers: actionHeaders(d.csrf, { Origin: origin }),
        body: {},
      });
      expect(reply.status, origin).toBe(403);
      expect(reply.json.error.code).toBe('origin_mismatch');
    }
    expect((await d.longhaul.getJob(job.id)).status).toBe('queued');
    const reply = await call(path, {
      method: 'POST',
      headers: actionHeaders(d.csrf, { Origin: own }),
      body: {},
    });
    expect(reply.status).toBe(200);
  });

  it('refuses actions that are not JSON with 415 (a cross-site form cannot send JSON)', async () => {
    const job = await d.longhaul.enqueue(makeTasks().tasks.add, { a: 1, b: 1 });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const reply = await call(`${d.url}api/jobs/${job.id}/cancel`, {
        method: 'POST',
        headers: { 'X-CSRF-Token': d.csrf, 'Content-Type': type },
        body: '{}',
      });
      expect(reply.status, type).toBe(415);
      expect(reply.json.error.code).toBe('unsupported_media_type');
    }
    expect((await d.longhaul.getJob(job.id)).status).toBe('queued');
  });

  it('sends the security headers on the page, assets, JSON and errors', async () => {
    const replies = [
      await call(d.url),
      await call(`${d.url}assets/app.js`),
      await call(`${d.url}assets/app.css`),
      await call(`${d.url}api/stats`),
      await call(`${d.url}api/jobs/nope`),
      await call(`${d.url}api/stats`, { headers: { Host: 'attacker.example' } }),
      await call(`${d.url}nothing`),
    ];
    for (const reply of replies) {
      expect(reply.headers['content-security-policy']).toBe(csp);
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
    }
    expect(securityHeaders['Content-Security-Policy']).toBe(csp);
    expect(replies[0]?.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(replies[0]?.headers['cache-control']).toBe('no-store');
    expect(replies[1]?.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(replies[2]?.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(replies[3]?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(replies[4]?.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('keeps the page free of inline script and style, so the CSP needs no exceptions', async () => {
    const page = (await call(d.url)).text;
    expect(page).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(page).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
    expect(page).toContain('<script src="/assets/app.js" defer></script>');
    expect(page).toMatch(/<meta name="csrf-token" content="[A-Za-z0-9_-]{40,}">/);
  });

  it('answers a server error with 500 and a generic message, logging the details', async () => {
    const backend = memoryBackend();
    const store = delegate(backend.store, {
      counts: async () => {
        throw new Error('connect ECONNREFUSED 10.1.2.3:8000 (secret-table-name)');
      },
    });
    const longhaul = new Longhaul({ backend: { ...backend, store } });
    const server = await serveDashboard({ longhaul, port: 0, log: (line) => logged.push(line) });
    try {
      const reply = await call(`${server.url}api/stats`);
      expect(reply.status).toBe(500);
      expect(reply.json).toEqual({ error: { code: 'internal_error', message: 'Internal server error' } });
      expect(reply.text).not.toContain('secret');
      expect(reply.text).not.toContain('ECONNREFUSED');
      expect(logged.join('\n')).toContain('secret-table-name');
    } finally {
      await server.close();
    }
  });

  it('rejects request bodies over 16 KiB with 413', async () => {
    const reply = await d.post('api/dlq/redrive', { jobId: 'x'.repeat(20_000) });
    expect(reply.status).toBe(413);
    expect(reply.json.error.code).toBe('payload_too_large');
  });
});

describe('the security helpers', () => {
  it('know the loopback names', () => {
    for (const name of [
      'localhost',
      'LOCALHOST',
      'a.localhost',
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      'localhost.',
    ]) {
      expect(isLoopbackHostname(name), name).toBe(true);
    }
    for (const name of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      'example.com',
      'localhost.example.com',
      '128.0.0.1',
      '',
    ]) {
      expect(isLoopbackHostname(name), name).toBe(false);
    }
    expect(hostnameOf('[::1]:8080')).toBe('::1');
    expect(hostnameOf('LocalHost:80')).toBe('localhost');
  });

  it('compare tokens of any length without throwing', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });

  it('accept a session cookie until it is 12 hours old, and never one whose issue time was altered', () => {
    const token = 'a-dashboard-token-0123456789';
    const issuedAt = Date.parse('2026-12-01T08:00:00Z');
    const withCookie = (value: string) =>
      ({ headers: { cookie: `${sessionCookieName}=${value}` } }) as unknown as IncomingMessage;
    const cookie = sessionValue(token, issuedAt);
    expect(sessionMaxAgeSeconds).toBe(12 * 3600);
    expect(isAuthenticated(withCookie(cookie), token, issuedAt)).toBe(true);
    expect(isAuthenticated(withCookie(cookie), token, issuedAt + sessionMaxAgeSeconds * 1000 - 1000)).toBe(
      true,
    );
    // Expired on the server, whatever the browser still sends.
    expect(isAuthenticated(withCookie(cookie), token, issuedAt + sessionMaxAgeSeconds * 1000 + 1000)).toBe(
      false,
    );
    // Issued in the future (beyond a minute of clock skew): refused.
    expect(isAuthenticated(withCookie(cookie), token, issuedAt - 5 * 60_000)).toBe(false);
    // Moving the issue time forward without the token to re-sign it does not extend the session.
    const [issued, signature] = cookie.split('.');
    const later = `${Number(issued) + 6 * 3600}.${signature}`;
    expect(isAuthenticated(withCookie(later), token, issuedAt + sessionMaxAgeSeconds * 1000 + 1000)).toBe(
      false,
    );
    // Another token's session, and the old deterministic cookie, open nothing.
    expect(
      isAuthenticated(withCookie(sessionValue('another-token-0123456789', issuedAt)), token, issuedAt),
    ).toBe(false);
    expect(isAuthenticated(withCookie(signature ?? ''), token, issuedAt)).toBe(false);
    // Two sign-ins at different times get different cookies.
    expect(sessionValue(token, issuedAt + 1000)).not.toBe(cookie);
  });

  it('read cookies, first of duplicates winning', () => {
    expect(parseCookies('a=1; b=2; a=3;junk; =x')).toEqual(
      new Map([
        ['a', '1'],
        ['b', '2'],
      ]),
    );
  });
});
