/**
 * Size limits, chosen so that a job record (arguments, result, logs and history together) stays under
 * DynamoDB's 400 KB item limit and a job message under SQS's message limit. Larger payloads need
 * offloading to S3, which Longhaul does not do yet.
 */
export const limits = {
  /** Serialized arguments, stored in both the message and the job record. */
  maxArgsBytes: 96 * 1024,
  /** Serialized result, stored on the job record. */
  maxResultBytes: 192 * 1024,
  /** Log lines kept per job; later lines are dropped with one notice. */
  maxLogLines: 100,
  /** Characters kept per log line or progress message. */
  maxLogLineChars: 500,
} as const;

/** Bytes of a value's JSON serialization (`undefined` serializes as `null`). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}
