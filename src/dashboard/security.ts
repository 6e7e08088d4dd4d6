// The dashboard's security checks: tokens, session cookies, CSRF, Origin and Host, and the headers
// every response carries. Pure functions of the request, so each is tested on its own.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { ConfigError } from '../core/errors.js';

/** Headers sent with every response, page, asset, JSON or error alike. */
export const securityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Sets {@link securityHeaders} on a response. */
export function applySecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(securityHeaders)) res.setHeader(name, value);
}

/** The name of the session cookie set by `<base>/?token=...`. */
export const sessionCookieName = 'longhaul_dashboard';

/** The shortest dashboard token accepted. */
export const minTokenLength = 16;

/** Throws a {@link ConfigError} unless `token` is absent or a string of at least {@link minTokenLength}. */
export function checkToken(token: unknown): void {
  if (token === undefined) return;
  if (typeof token !== 'string' || token.length < minTokenLength || /\s/.test(token)) {
    throw new ConfigError(
      `Expected \`token\` to be a string of at least ${minTokenLength} characters without spaces (e.g. \`openssl rand -hex 24\`), got ${typeof token === 'string' ? `${token.length} characters` : `\`${String(token)}\``}`,
    );
  }
}

/** Compares two strings in time that depends on their lengths only, never on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // Compare equal-length buffers either way, so a length mismatch does not return faster than a miss.
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/** How long a session cookie opens the dashboard after sign-in; the server checks it on every request. */
export const sessionMaxAgeSeconds = 12 * 3600;

/** How far in the future an issue time may be (clocks of several dashboard processes disagree a little). */
const clockSkewSeconds = 60;

/**
 * The session cookie's value for `token`, signed in at `issuedAtMs`: `<issued seconds>.<HMAC keyed by the
 * token over the issue time>`. The cookie never holds the token itself, stays valid across restarts with
 * the same token, and expires on the server after {@link sessionMaxAgeSeconds} whatever the browser
 * keeps; rotating the token ends every session at once.
 */
export function sessionValue(token: string, issuedAtMs: number): string {
  const issued = Math.floor(issuedAtMs / 1000);
  return `${issued}.${sessionSignature(token, issued)}`;
}

function sessionSignature(token: string, issuedSeconds: number): string {
  return createHmac('sha256', token)
    .update(`longhaul-dashboard-session-v2.${issuedSeconds}`)
    .digest('base64url');
}

/** True when `cookie` was made by {@link sessionValue} with `token` and is not older than the session limit. */
function isLiveSession(cookie: string, token: string, nowMs: number): boolean {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]+)$/.exec(cookie);
  if (!match?.[1] || !match[2]) return false;
  const issued = Number(match[1]);
  const age = nowMs / 1000 - issued;
  // Verify the signature before reading the clock's verdict, so a forged cookie costs the same either way.
  const signed = constantTimeEqual(match[2], sessionSignature(token, issued));
  return signed && age <= sessionMaxAgeSeconds && age >= -clockSkewSeconds;
}

/** A fresh random token, e.g. the per-process CSRF token embedded in the page. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The request's cookies by name (the first of duplicates wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name !== '' && !cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** True when the request carries `Authorization: Bearer <token>` or a live session cookie made from it. */
export function isAuthenticated(req: IncomingMessage, token: string, nowMs = Date.now()): boolean {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1] !== undefined && constantTimeEqual(match[1], token);
  }
  const cookie = parseCookies(req.headers.cookie).get(sessionCookieName);
  return cookie !== undefined && isLiveSession(cookie, token, nowMs);
}

/** The hostname of a Host header (or an Origin's host): lower case, without port or IPv6 brackets. */
export function hostnameOf(host: string): string {
  const trimmed = host.trim().toLowerCase();
  if (trimmed.startsWith('[')) {
    const end = trimmed.indexOf(']');
    return end < 0 ? trimmed : trimmed.slice(1, end);
  }
  const colon = trimmed.indexOf(':');
  return colon < 0 ? trimmed : trimmed.slice(0, colon);
}

/**
 * True for names that always mean this machine: `localhost` (and `*.localhost`), 127.0.0.0/8, `::1`.
 * A DNS-rebinding attack needs a name the attacker controls, so a dashboard without a token answers
 * only requests whose Host is one of these.
 */
export function isLoopbackHostname(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * Checks a POST against cross-site requests: `Origin`, when present, must name the Host the request was
 * sent to; `Content-Type` must be JSON (a cross-site form cannot send that without a preflight); and
 * `X-CSRF-Token` must be the page's token. Returns what failed, or undefined.
 */
export function csrfProblem(
  req: IncomingMessage,
  csrfToken: string,
): { status: 403 | 415; code: string; message: string } | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined && !sameOrigin(origin, req.headers.host)) {
    return {
      status: 403,
      code: 'origin_mismatch',
      message: `Cross-origin request refused: Origin ${JSON.stringify(origin)} is not this dashboard`,
    };
  }
  const sent = req.headers['x-csrf-token'];
  if (typeof sent !== 'string' || !constantTimeEqual(sent, csrfToken)) {
    return {
      status: 403,
      code: 'csrf_failed',
      message: 'Missing or wrong X-CSRF-Token header; reload the dashboard and try again',
    };
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    return {
      status: 415,
      code: 'unsupported_media_type',
      message: `Expected Content-Type application/json, got ${JSON.stringify(req.headers['content-type'] ?? '')}`,
    };
  }
  return undefined;
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // `null` (sandboxed frames, some redirects) and garbage
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return url.host === normalizeHost(host, url.protocol);
}

/** The Host header as `URL.host` spells it: lower case, default port dropped. */
function normalizeHost(host: string, protocol: string): string {
  try {
    return new URL(`${protocol}//${host.trim()}`).host;
  } catch {
    return '';
  }
}
