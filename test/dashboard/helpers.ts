// What the dashboard tests share: raw HTTP requests (Host, Origin and Cookie under the test's control)
// and a dashboard on a fresh backend.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Longhaul } from 'longhaul';
import { type DashboardServer, serveDashboard } from 'longhaul/dashboard';
import type { BackendFactory, TestBackend } from '../support/backends.js';

/** The API's JSON as the tests read it: loosely, each test asserting the fields it cares about. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read response bodies field by field
export type Json = any;

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: Json;
}

export interface CallOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Sent as is when a string, else as JSON. */
  readonly body?: unknown;
}

/** One HTTP request with exactly the headers given (node:http, so Host and Origin can be anything). */
export function call(url: string, options: CallOptions = {}): Promise<Reply> {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        headers: {
          ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The CSRF token of the page at `pageUrl`. */
export async function csrfTokenOf(pageUrl: string, headers: Record<string, string> = {}): Promise<string> {
  const page = await call(pageUrl, { headers });
  const match = /<meta name="csrf-token" content="([^"]+)">/.exec(page.text);
  if (!match?.[1]) throw new Error(`no CSRF token in the page (HTTP ${page.status}):\n${page.text}`);
  return match[1];
}

/** The headers the page's script sends with an action. */
export function actionHeaders(csrfToken: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken, ...extra };
}

export interface DashboardScope {
  t: TestBackend;
  longhaul: Longhaul;
  server: DashboardServer;
  /** The server's URL, ending in `/`. */
  url: string;
  csrf: string;
  /** POSTs an action the way the page does. */
  post(path: string, body?: unknown): Promise<Reply>;
  get(path: string): Promise<Reply>;
}

/** A dashboard on loopback over a fresh backend from `factory`. */
export async function startDashboard(
  factory: BackendFactory,
  options: { token?: string; log?: (line: string) => void } = {},
): Promise<DashboardScope & { dispose(): Promise<void> }> {
  const t = await factory.create();
  const longhaul = new Longhaul({ backend: t.backend });
  const server = await serveDashboard({ longhaul, port: 0, ...options });
  const auth: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};
  const csrf = await csrfTokenOf(server.url, auth);
  return {
    t,
    longhaul,
    server,
    url: server.url,
    csrf,
    post: (path, body = {}) =>
      call(`${server.url}${path}`, { method: 'POST', headers: actionHeaders(csrf, auth), body }),
    get: (path) => call(`${server.url}${path}`, { headers: auth }),
    async dispose() {
      await server.close();
      await t.dispose();
    },
  };
}

/** The events of a Server-Sent Events stream, as they come. */
export interface EventReader {
  next(name: string, predicate?: (data: Json) => boolean): Promise<Json>;
  close(): void;
}

/** Opens `GET url` as an event stream and reads its events (node:http: EventSource is browser-only). */
export function readEvents(url: string, headers: Record<string, string> = {}): Promise<EventReader> {
  return new Promise((resolve, reject) => {
    const events: Array<{ name: string; data: Json }> = [];
    const waiters = new Set<() => void>();
    const req = httpRequest(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`event stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (name && data) events.push({ name, data: JSON.parse(data) });
          end = buffer.indexOf('\n\n');
        }
        for (const waiter of waiters) waiter();
      });
      resolve({
        next(name, predicate = () => true) {
          return new Promise((done, fail) => {
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no "${name}" event matched within 20 s`));
            }, 20_000);
            const check = () => {
              const index = events.findIndex((e) => e.name === name && predicate(e.data));
              if (index < 0) return;
              const [event] = events.splice(0, index + 1).slice(-1);
              waiters.delete(check);
              clearTimeout(timer);
              done(event?.data);
            };
            waiters.add(check);
            check();
          });
        },
        close() {
          req.destroy();
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}
