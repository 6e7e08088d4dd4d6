// The dashboard as a Node.js request handler: security checks, then the page, its assets and the API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Longhaul } from '../client/longhaul.js';
import { ConfigError } from '../core/errors.js';
import {
  DashboardApi,
  deadLetterLimits,
  errorResponse,
  parseLimit,
  parseListParams,
  parseRedriveBody,
} from './api.js';
import { faviconSvg } from './assets/favicon.js';
import { loginPage, pageHtml } from './assets/page.js';
import { type BrowserBundle, loadBrowserBundle } from './browser-bundle.js';
import { LiveUpdates, parseView } from './events.js';
import { HttpError, readJsonObject, sendError, sendJson, sendText } from './http.js';
import {
  applySecurityHeaders,
  checkToken,
  constantTimeEqual,
  csrfProblem,
  hostnameOf,
  isAuthenticated,
  isLoopbackHostname,
  randomToken,
  sessionCookieName,
  sessionMaxAgeSeconds,
  sessionValue,
} from './security.js';

/** Options of {@link createDashboardHandler}. */
export interface DashboardHandlerOptions {
  /** The client whose queue and jobs the dashboard shows and acts on. */
  readonly longhaul: Longhaul;
  /**
   * The path the dashboard is mounted at, e.g. `/jobs`. Default: the root, or the mount path an
   * express/connect `app.use('/jobs', handler)` strips from `req.url` (read from `req.originalUrl`).
   */
  readonly basePath?: string;
  /**
   * Requires every request to present it, as `Authorization: Bearer <token>` or the session cookie that
   * visiting `<base>/?token=<token>` sets. At least 16 characters. Without one, the dashboard answers
   * only requests whose Host is a loopback name (against DNS rebinding).
   */
  readonly token?: string;
  /** How often live updates check for changes, 100–60 000 ms. Default 1 000. */
  readonly liveIntervalMs?: number;
  /** Where server errors are reported (their details never reach the client). Default: stderr. */
  readonly log?: (line: string) => void;
}

/** A Node.js request handler; `next` is express/connect's, called for paths outside the dashboard. */
export type DashboardHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (err?: unknown) => void,
) => void;

/** Defaults of the dashboard's options. */
export const dashboardDefaults = { liveIntervalMs: 1_000, host: '127.0.0.1', port: 8080 } as const;

/** The handler together with what `serveDashboard` needs to shut it down. */
export interface DashboardInternals {
  readonly handler: DashboardHandler;
  readonly live: LiveUpdates;
}

/** Builds the handler; {@link createDashboardHandler} is the public face. */
export function buildDashboard(options: DashboardHandlerOptions): DashboardInternals {
  const { longhaul, token } = options;
  const problems: string[] = [];
  // Duck-typed rather than instanceof: two copies of the package (source and dist) must still work.
  if (typeof (longhaul as Partial<Longhaul> | undefined)?.stats !== 'function') {
    problems.push('Expected `longhaul` to be a `Longhaul` client');
  }
  try {
    checkToken(token);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const liveIntervalMs = options.liveIntervalMs ?? dashboardDefaults.liveIntervalMs;
  if (!Number.isInteger(liveIntervalMs) || liveIntervalMs < 100 || liveIntervalMs > 60_000) {
    problems.push(
      `Expected \`liveIntervalMs\` to be an integer from 100 to 60000, got \`${liveIntervalMs}\``,
    );
  }
  let basePath: string | undefined;
  if (options.basePath !== undefined) {
    basePath = options.basePath.replace(/\/+$/, '');
    if (basePath !== '' && !/^(\/[A-Za-z0-9._~-]+)+$/.test(basePath)) {
      problems.push(
        `Expected \`basePath\` to be a path such as "/jobs" (letters, digits, ".", "_", "~", "-"), got ${JSON.stringify(options.basePath)}`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid dashboard options: ${problems.join('; ')}`);

  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const reportError = (error: unknown) => {
    log(`longhaul dashboard: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  };
  const csrfToken = randomToken();
  const api = new DashboardApi(longhaul);
  const live = new LiveUpdates(api, liveIntervalMs, reportError);
  // Read (or, from source, bundle) the page's script and styles now rather than on the first visit; a
  // failure here is reported when an asset is asked for.
  loadBrowserBundle().catch(() => {});

  const handle = async (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => {
    const place = locate(req, basePath);
    if (!place) {
      if (next) next();
      else sendText(res, 404, 'text/plain; charset=utf-8', 'Not found\n', req.method ?? 'GET');
      return;
    }
    const { base, path, query } = place;
    const method = req.method ?? 'GET';
    const isApi = path === '/api' || path.startsWith('/api/');
    applySecurityHeaders(res);
    const refuse = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      if (isApi) sendError(res, status, code, message, headers);
      else {
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        res.setHeader('Cache-Control', 'no-store');
        sendText(res, status, 'text/plain; charset=utf-8', `${message}\n`, method);
      }
    };

    // 1. Who may ask: a token holder, or (without a token) only this machine by a loopback name.
    if (token === undefined) {
      const host = req.headers.host;
      if (host === undefined || !isLoopbackHostname(hostnameOf(host))) {
        refuse(
          403,
          'host_not_allowed',
          `Host ${JSON.stringify(host ?? '')} refused: without a token the dashboard answers only loopback names such as localhost and 127.0.0.1`,
        );
        return;
      }
    } else if (path === '/' && query.has('token') && (method === 'GET' || method === 'HEAD')) {
      if (!constantTimeEqual(query.get('token') ?? '', token)) {
        refuse(401, 'unauthorized', 'Wrong token');
        return;
      }
      query.delete('token');
      const secure = (req.socket as { encrypted?: boolean }).encrypted ? '; Secure' : '';
      res.setHeader(
        'Set-Cookie',
        `${sessionCookieName}=${sessionValue(token, Date.now())}; Path=${base || '/'}; HttpOnly; SameSite=Strict; Max-Age=${sessionMaxAgeSeconds}${secure}`,
      );
      res.setHeader('Cache-Control', 'no-store');
      const rest = query.toString();
      res.setHeader('Location', `${base}/${rest ? `?${rest}` : ''}`);
      res.statusCode = 303;
      res.end();
      return;
    } else if (!isAuthenticated(req, token)) {
      if (isApi) {
        refuse(401, 'unauthorized', 'Missing or wrong token: send `Authorization: Bearer <token>`', {
          'WWW-Authenticate': 'Bearer realm="longhaul-dashboard"',
        });
      } else {
        res.statusCode = 401;
        res.setHeader('WWW-Authenticate', 'Bearer realm="longhaul-dashboard"');
        res.setHeader('Cache-Control', 'no-store');
        sendText(res, 401, 'text/html; charset=utf-8', loginPage(base), method);
      }
      return;
    }

    // 2. The page and its assets.
    if (!isApi) {
      if (method !== 'GET' && method !== 'HEAD') {
        refuse(405, 'method_not_allowed', 'Method not allowed', { Allow: 'GET, HEAD' });
        return;
      }
      const asset = assets.get(path);
      if (path === '/') {
        res.setHeader('Cache-Control', 'no-store');
        sendText(res, 200, 'text/html; charset=utf-8', pageHtml({ base, csrfToken, liveIntervalMs }), method);
      } else if (asset) {
        const body = await asset.body();
        res.setHeader('Cache-Control', 'no-cache');
        sendText(res, 200, asset.type, body, method);
      } else {
        refuse(404, 'not_found', 'Not found');
      }
      return;
    }

    // 3. The API. Actions are POSTs that must come from the dashboard's own page.
    const route = matchApi(path.slice('/api'.length), method);
    if (route.kind === 'not_found') throw new HttpError(404, 'not_found', `No API route ${method} ${path}`);
    if (route.kind === 'method') {
      throw new HttpError(405, 'method_not_allowed', `Use ${route.allow} for ${path}`, {
        Allow: route.allow,
      });
    }
    if (method === 'POST') {
      const problem = csrfProblem(req, csrfToken);
      if (problem) throw new HttpError(problem.status, problem.code, problem.message);
    }
    switch (route.kind) {
      case 'stats':
        return sendJson(res, 200, await api.stats());
      case 'jobs':
        return sendJson(res, 200, await api.jobs(parseListParams(query)));
      case 'job':
        return sendJson(res, 200, await api.job(route.id));
      case 'dlq':
        return sendJson(res, 200, await api.deadLetters(parseLimit(query.get('limit'), deadLetterLimits)));
      case 'cancel':
        await readJsonObject(req);
        return sendJson(res, 200, await api.cancel(route.id));
      case 'retry':
        await readJsonObject(req);
        return sendJson(res, 200, await api.retry(route.id));
      case 'redrive':
        return sendJson(res, 200, await api.redrive(parseRedriveBody(await readJsonObject(req))));
      case 'events':
        return live.open(req, res, parseView(query));
    }
  };

  const handler: DashboardHandler = (req, res, next) => {
    handle(req, res, next).catch((error: unknown) => {
      const response = errorResponse(error);
      if (response.internal) reportError(error);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      applySecurityHeaders(res);
      sendError(res, response.status, response.code, response.message, response.headers);
    });
  };
  return { handler, live };
}

/**
 * Creates the dashboard as a request handler to mount in your own Node.js server: plain
 * `http.createServer(handler)`, or express/connect `app.use('/jobs', handler)`.
 *
 * @example
 * import { createServer } from 'node:http';
 * import { createDashboardHandler } from 'longhaul/dashboard';
 * const dashboard = createDashboardHandler({ longhaul, basePath: '/jobs', token: process.env.DASHBOARD_TOKEN });
 * createServer((req, res) => (req.url?.startsWith('/jobs') ? dashboard(req, res) : app(req, res))).listen(3000);
 */
export function createDashboardHandler(options: DashboardHandlerOptions): DashboardHandler {
  return buildDashboard(options).handler;
}

const fromBundle = (part: keyof BrowserBundle) => async () => (await loadBrowserBundle())[part];

/** The page's assets by path: the browser bundle's script and stylesheet, and the icon. */
const assets = new Map<string, { type: string; body: () => Promise<string> }>([
  ['/assets/app.js', { type: 'text/javascript; charset=utf-8', body: fromBundle('script') }],
  ['/assets/app.css', { type: 'text/css; charset=utf-8', body: fromBundle('styles') }],
  ['/assets/favicon.svg', { type: 'image/svg+xml', body: async () => faviconSvg }],
]);

/**
 * Where the request falls: the dashboard's base path, the path inside it and the query; undefined when
 * it is outside the dashboard.
 */
function locate(
  req: IncomingMessage,
  basePath: string | undefined,
): { base: string; path: string; query: URLSearchParams } | undefined {
  const originalUrl = (req as IncomingMessage & { originalUrl?: string }).originalUrl;
  const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
  if (basePath !== undefined) {
    const full = new URL(originalUrl ?? req.url ?? '/', 'http://dashboard.invalid');
    const path = full.pathname;
    if (path !== basePath && !path.startsWith(`${basePath}/`)) return undefined;
    return { base: basePath, path: path.slice(basePath.length) || '/', query: full.searchParams };
  }
  // Mounted by express/connect: `req.url` is the part after the mount path, `originalUrl` the whole.
  let base = '';
  if (originalUrl !== undefined) {
    const original = new URL(originalUrl, 'http://dashboard.invalid').pathname;
    if (url.pathname === '/') base = original.replace(/\/+$/, '');
    else if (original.endsWith(url.pathname)) base = original.slice(0, -url.pathname.length);
  }
  return { base, path: url.pathname, query: url.searchParams };
}

type ApiRoute =
  | { kind: 'stats' | 'jobs' | 'dlq' | 'redrive' | 'events' }
  | { kind: 'job' | 'cancel' | 'retry'; id: string }
  | { kind: 'not_found' }
  | { kind: 'method'; allow: string };

function matchApi(path: string, method: string): ApiRoute {
  const segments = path.split('/').slice(1);
  const want = (allow: 'GET' | 'POST', route: ApiRoute): ApiRoute =>
    method === allow ? route : { kind: 'method', allow };
  const [first, second, third, ...rest] = segments;
  if (rest.length > 0) return { kind: 'not_found' };
  if (first === 'stats' && second === undefined) return want('GET', { kind: 'stats' });
  if (first === 'events' && second === undefined) return want('GET', { kind: 'events' });
  if (first === 'dlq' && second === undefined) return want('GET', { kind: 'dlq' });
  if (first === 'dlq' && second === 'redrive' && third === undefined)
    return want('POST', { kind: 'redrive' });
  if (first === 'jobs' && second === undefined) return want('GET', { kind: 'jobs' });
  if (first === 'jobs' && second !== undefined && second !== '') {
    let id: string;
    try {
      id = decodeURIComponent(second);
    } catch {
      throw new HttpError(400, 'invalid_request', 'The job id in the path is not valid percent-encoding');
    }
    if (third === undefined) return want('GET', { kind: 'job', id });
    if (third === 'cancel') return want('POST', { kind: 'cancel', id });
    if (third === 'retry') return want('POST', { kind: 'retry', id });
  }
  return { kind: 'not_found' };
}
