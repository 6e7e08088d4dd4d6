/**
 * Job tokens: what a browser presents to read or cancel one job. A token names the job, the actions it
 * allows and when it expires, signed with HMAC-SHA256 under a secret only the app holds. Nothing is
 * stored: any process with the secret checks a token on its own, in constant time.
 *
 * Format: `lh1.<base64url(JSON { job, act, exp })>.<base64url(HMAC-SHA256(secret, "lh1." + payload part))>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../core/errors.js';

/** What a token may allow on its job. */
export const JobTokenAction = { read: 'read', cancel: 'cancel' } as const;
/** One of the actions in {@link JobTokenAction}. */
export type JobTokenAction = (typeof JobTokenAction)[keyof typeof JobTokenAction];

/** The HMAC key: at least 32 bytes (a string counts its UTF-8 bytes). */
export type JobTokenSecret = string | Uint8Array;

/** What a token says, once its signature checked out. */
export interface JobTokenClaims {
  /** The one job the token is for. */
  readonly job: string;
  /** The actions it allows. */
  readonly act: readonly JobTokenAction[];
  /** Expiry, in Unix seconds. */
  readonly exp: number;
}

/** Why a token was refused: 401 for a token that proves nothing, 403 for a good token for something else. */
export type JobTokenProblem =
  | { readonly status: 401; readonly code: 'token_missing' | 'token_invalid' | 'token_expired' }
  | { readonly status: 403; readonly code: 'token_wrong_job' | 'token_wrong_action' };

/** The outcome of {@link verifyJobToken}. */
export type JobTokenCheck =
  | { readonly ok: true; readonly claims: JobTokenClaims }
  | ({ readonly ok: false } & JobTokenProblem);

const version = 'lh1';
/** The shortest key HMAC-SHA256 gets its full strength from: the hash's output size. */
export const minSecretBytes = 32;
/** A token longer than this is refused before any decoding: no legitimate token comes near it. */
const maxTokenChars = 2_048;
const actions: ReadonlySet<string> = new Set(Object.values(JobTokenAction));

/** The secret as key bytes; throws {@link ConfigError} for one shorter than {@link minSecretBytes}. */
export function secretKey(secret: JobTokenSecret, field = 'secret'): Buffer {
  const key =
    typeof secret === 'string'
      ? Buffer.from(secret, 'utf8')
      : secret instanceof Uint8Array
        ? Buffer.from(secret)
        : undefined;
  if (!key || key.length < minSecretBytes) {
    throw new ConfigError(
      `Expected \`${field}\` to be a string or Uint8Array of at least ${minSecretBytes} bytes, got ${key ? `${key.length} bytes` : typeof secret}; generate one with \`openssl rand -base64 32\``,
    );
  }
  return key;
}

function sign(key: Buffer, payloadPart: string): Buffer {
  return createHmac('sha256', key).update(`${version}.${payloadPart}`).digest();
}

/**
 * Mints a token for one job: the server calls this (the HTTP handler does on enqueue) and hands the token
 * to the browser, which sends it as `Authorization: Bearer <token>`.
 *
 * @example
 * const token = createJobToken({ secret: process.env.LONGHAUL_HTTP_SECRET!, jobId: job.id, actions: ['read'] });
 */
export function createJobToken(options: {
  readonly secret: JobTokenSecret;
  readonly jobId: string;
  /** Default: `['read']`. */
  readonly actions?: readonly JobTokenAction[];
  /** Default 3 600. */
  readonly ttlSeconds?: number;
  /** Epoch milliseconds to count the expiry from. Default: now. */
  readonly now?: number;
}): string {
  const key = secretKey(options.secret);
  const ttlSeconds = options.ttlSeconds ?? 3_600;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new ConfigError(`Expected \`ttlSeconds\` to be a whole number from 1 up, got ${ttlSeconds}`);
  }
  if (typeof options.jobId !== 'string' || options.jobId.length === 0) {
    throw new ConfigError(`Expected \`jobId\` to be a non-empty string, got ${String(options.jobId)}`);
  }
  const act = [...new Set(options.actions ?? [JobTokenAction.read])];
  for (const action of act) {
    if (!actions.has(action)) {
      throw new ConfigError(
        `Expected \`actions\` to hold only read and cancel, got ${JSON.stringify(action)}`,
      );
    }
  }
  const exp = Math.floor((options.now ?? Date.now()) / 1_000) + ttlSeconds;
  const claims: JobTokenClaims = { job: options.jobId, act, exp };
  const payloadPart = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${version}.${payloadPart}.${sign(key, payloadPart).toString('base64url')}`;
}

/**
 * Checks a token for `action` on job `jobId`: its signature (in constant time), its expiry, its job and
 * its actions, in that order, so a forged or expired token learns nothing about what it names.
 *
 * @example
 * const check = verifyJobToken(bearer, { secret, jobId: id, action: 'read' });
 * if (!check.ok) return new Response(null, { status: check.status });
 */
export function verifyJobToken(
  token: string | null | undefined,
  options: {
    readonly secret: JobTokenSecret;
    readonly jobId: string;
    readonly action: JobTokenAction;
    /** Epoch milliseconds. Default: now. */
    readonly now?: number;
  },
): JobTokenCheck {
  const key = secretKey(options.secret);
  if (!token) return { ok: false, status: 401, code: 'token_missing' };
  const invalid = { ok: false, status: 401, code: 'token_invalid' } as const;
  if (token.length > maxTokenChars) return invalid;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== version) return invalid;
  const [, payloadPart = '', signaturePart = ''] = parts;
  const given = Buffer.from(signaturePart, 'base64url');
  const expected = sign(key, payloadPart);
  // Equal lengths first: timingSafeEqual throws otherwise, and the length of a digest is no secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return invalid;
  const claims = parseClaims(payloadPart);
  if (!claims) return invalid;
  if (claims.exp * 1_000 <= (options.now ?? Date.now())) {
    return { ok: false, status: 401, code: 'token_expired' };
  }
  if (claims.job !== options.jobId) return { ok: false, status: 403, code: 'token_wrong_job' };
  if (!claims.act.includes(options.action)) return { ok: false, status: 403, code: 'token_wrong_action' };
  return { ok: true, claims };
}

/** The claims of a signed payload; undefined for anything this version never minted. */
function parseClaims(payloadPart: string): JobTokenClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { job, act, exp } = value as Record<string, unknown>;
  if (typeof job !== 'string' || typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
  if (!Array.isArray(act) || !act.every((a) => typeof a === 'string' && actions.has(a))) return undefined;
  return { job, act: act as JobTokenAction[], exp };
}
