/**
 * Size limits, chosen so that a job record (arguments, result, logs, error and history together) stays
 * under DynamoDB's 400 KB item limit and a job message under SQS's message limit. Larger arguments and
 * results go to the backend's payload store when it has one (see `core/payload.ts`), and are refused
 * otherwise. A record that still grows too large (a very long history of manual retries) is refused by
 * the store with `PayloadTooLargeError`.
 */
export const limits = {
  /** Serialized arguments, stored in both the message and the job record. */
  maxArgsBytes: 96 * 1024,
  /** Serialized result, stored on the job record. */
  maxResultBytes: 160 * 1024,
  /** Log lines kept per job; later lines are dropped with one notice. */
  maxLogLines: 100,
  /** UTF-8 bytes kept per log line, progress message or error message in the history. */
  maxLineBytes: 500,
  /** Characters kept of an error's message. */
  maxErrorMessageChars: 2_000,
  /** DynamoDB's item limit, which the memory store enforces too. */
  maxRecordBytes: 400 * 1024,
} as const;

/** Bytes of a value's JSON serialization (`undefined` serializes as `null`). Throws for cyclic values. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number = limits.maxLineBytes): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
