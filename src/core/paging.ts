import { ConfigError } from './errors.js';

/** The position after which the next page starts: listing is newest first by `enqueuedAt`, then id. */
export interface PageCursor {
  readonly enqueuedAt: number;
  readonly id: string;
  /** Store-specific continuation (e.g. DynamoDB's LastEvaluatedKey), opaque to callers. */
  readonly key?: Record<string, unknown>;
}

/** Jobs per page when `limit` is not given. */
export const defaultPageSize = 50;
/** The largest `limit` a listing accepts. */
export const maxPageSize = 1000;

/** Applies the default page size and checks a given one. */
export function resolvePageSize(limit: number | undefined): number {
  const size = limit ?? defaultPageSize;
  if (!Number.isInteger(size) || size < 1 || size > maxPageSize) {
    throw new ConfigError(`Expected \`limit\` to be an integer from 1 to ${maxPageSize}, got \`${limit}\``);
  }
  return size;
}

/** Turns a position into the opaque `nextCursor` string. */
export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** Reads a `nextCursor` back, refusing strings that are not one. */
export function decodeCursor(cursor: string): PageCursor {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as PageCursor;
    if (typeof parsed.enqueuedAt === 'number' && typeof parsed.id === 'string') return parsed;
  } catch {
    // fall through to the error below
  }
  throw new ConfigError(
    `Expected \`cursor\` to be a \`nextCursor\` from a previous page, got ${JSON.stringify(cursor)}`,
  );
}
