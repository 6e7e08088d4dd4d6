import { createHmac } from 'node:crypto';
import { createJobToken, verifyJobToken } from 'longhaul/http';
import { describe, expect, it } from 'vitest';

const secret = 'a-test-secret-of-at-least-32-bytes!!';
const now = Date.UTC(2026, 11, 6, 12, 0, 0);

/** Re-encodes one part of a token, keeping the others. */
function withPart(token: string, index: number, part: string): string {
  const parts = token.split('.');
  parts[index] = part;
  return parts.join('.');
}

describe('job tokens', () => {
  it('allow the actions they name on their job until they expire', () => {
    const token = createJobToken({
      secret,
      jobId: 'job-a',
      actions: ['read', 'cancel'],
      ttlSeconds: 60,
      now,
    });
    expect(token).toMatch(/^lh1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const read = verifyJobToken(token, { secret, jobId: 'job-a', action: 'read', now: now + 59_000 });
    expect(read).toEqual({
      ok: true,
      claims: { job: 'job-a', act: ['read', 'cancel'], exp: now / 1000 + 60 },
    });
    expect(verifyJobToken(token, { secret, jobId: 'job-a', action: 'cancel', now }).ok).toBe(true);
  });

  it("refuse another job's token with 403", () => {
    const tokenForA = createJobToken({ secret, jobId: 'job-a', now });
    expect(verifyJobToken(tokenForA, { secret, jobId: 'job-b', action: 'read', now })).toEqual({
      ok: false,
      status: 403,
      code: 'token_wrong_job',
    });
  });

  it('refuse an action the token does not allow with 403', () => {
    const readOnly = createJobToken({ secret, jobId: 'job-a', now });
    expect(verifyJobToken(readOnly, { secret, jobId: 'job-a', action: 'cancel', now })).toMatchObject({
      status: 403,
      code: 'token_wrong_action',
    });
  });

  it('refuse an expired token with 401, from the second it expires', () => {
    const token = createJobToken({ secret, jobId: 'job-a', ttlSeconds: 60, now });
    expect(verifyJobToken(token, { secret, jobId: 'job-a', action: 'read', now: now + 60_000 })).toEqual({
      ok: false,
      status: 401,
      code: 'token_expired',
    });
  });

  it('refuse a missing, malformed, tampered or foreign-signed token with 401', () => {
    const token = createJobToken({ secret, jobId: 'job-a', ttlSeconds: 60, now });
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    const widened = Buffer.from(
      JSON.stringify({ ...payload, job: 'job-b', exp: payload.exp + 3600 }),
    ).toString('base64url');
    const signature = token.split('.')[2] ?? '';
    const refused = [
      withPart(token, 1, widened), // the payload changed, the signature kept
      withPart(token, 2, `${signature.slice(0, -2)}AA`), // the signature changed
      withPart(token, 2, ''), // no signature
      withPart(token, 0, 'lh2'), // another version
      `${token}.extra`,
      'not-a-token',
      createJobToken({ secret: 'another-secret-of-at-least-32-bytes!', jobId: 'job-a', now }),
      `lh1.${Buffer.from('not json').toString('base64url')}.${signature}`,
      'x'.repeat(5_000),
    ];
    for (const bad of refused) {
      expect(verifyJobToken(bad, { secret, jobId: 'job-a', action: 'read', now }), bad).toEqual({
        ok: false,
        status: 401,
        code: 'token_invalid',
      });
    }
    for (const missing of [undefined, null, '']) {
      expect(verifyJobToken(missing, { secret, jobId: 'job-a', action: 'read', now })).toMatchObject({
        status: 401,
        code: 'token_missing',
      });
    }
  });

  it('refuse a payload signed with the right key but not of this shape', () => {
    // What a bug minting tokens could produce: each field checked, not trusted for being signed.
    const forged = (claims: unknown) => {
      const part = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `lh1.${part}.${createHmac('sha256', secret).update(`lh1.${part}`).digest('base64url')}`;
    };
    expect(
      verifyJobToken(forged({ job: 'job-a', act: ['read'], exp: now / 1000 + 60 }), {
        secret,
        jobId: 'job-a',
        action: 'read',
        now,
      }).ok,
    ).toBe(true);
    for (const claims of [
      { job: 'job-a', act: ['admin'], exp: now / 1000 + 60 },
      { job: 'job-a', act: 'read', exp: now / 1000 + 60 },
      { job: 1, act: ['read'], exp: now / 1000 + 60 },
      { job: 'job-a', act: ['read'], exp: '9999999999' },
      ['job-a'],
    ]) {
      expect(verifyJobToken(forged(claims), { secret, jobId: 'job-a', action: 'read', now })).toMatchObject({
        code: 'token_invalid',
      });
    }
  });

  it('refuse a secret shorter than 32 bytes and bad minting input', () => {
    expect(() => createJobToken({ secret: 'short', jobId: 'job-a' })).toThrow(
      /at least 32 bytes, got 5 bytes/,
    );
    expect(() => verifyJobToken('x', { secret: new Uint8Array(31), jobId: 'a', action: 'read' })).toThrow(
      /at least 32 bytes/,
    );
    expect(() => createJobToken({ secret, jobId: '' })).toThrow(/jobId/);
    expect(() => createJobToken({ secret, jobId: 'a', ttlSeconds: 0 })).toThrow(/ttlSeconds.*got 0/);
    expect(() => createJobToken({ secret, jobId: 'a', actions: ['delete' as 'read'] })).toThrow(/"delete"/);
    expect(createJobToken({ secret: new Uint8Array(32).fill(7), jobId: 'a' })).toMatch(/^lh1\./);
  });
});
