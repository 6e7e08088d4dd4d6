/**
 * Large payloads: arguments and results too big for an SQS message or a DynamoDB item go to a payload
 * store (S3 on AWS), and the message and the job record carry a {@link PayloadRef} in their place.
 * This module is the pure part: the reference, its checks, the size limits and the object keys.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from './errors.js';
import { limits } from './limits.js';
import { withoutUndefined } from './without-undefined.js';

/** Where an offloaded payload lives, and what it must be when read back. */
export interface PayloadRef {
  /** The object's key in the payload store, relative to the store's prefix. */
  readonly key: string;
  /** UTF-8 bytes of the JSON. */
  readonly bytes: number;
  /** Hex SHA-256 of the JSON: a payload overwritten or truncated is detected on read, not run. */
  readonly sha256: string;
}

/** When a payload leaves the message and the record, and how large it may be. */
export interface PayloadLimits {
  /**
   * Arguments whose JSON is larger go to the payload store. Default 96 KiB (`limits.maxArgsBytes`), the
   * most that fits beside the rest of both the SQS message and the job record; lower it to keep records
   * small and cheap to read.
   */
  readonly offloadArgsOverBytes: number;
  /** Results whose JSON is larger go to the payload store. Default 160 KiB (`limits.maxResultBytes`). */
  readonly offloadResultOverBytes: number;
  /**
   * The largest arguments or result a job may have once offloading is on. Default 32 MiB: a payload is
   * held in memory as a string by the producer, the worker and every reader.
   */
  readonly maxPayloadBytes: number;
}

/** Options of a payload store's limits; each falls back to {@link payloadDefaults}. */
export type PayloadOptions = Partial<PayloadLimits>;

/** Every default of the payload limits, in one place. */
export const payloadDefaults: PayloadLimits = {
  offloadArgsOverBytes: limits.maxArgsBytes,
  offloadResultOverBytes: limits.maxResultBytes,
  maxPayloadBytes: 32 * 1024 * 1024,
};

/** V8 cannot hold a much longer string; 256 MiB leaves room for the copies JSON handling makes. */
const maxPayloadCeiling = 256 * 1024 * 1024;

/** Applies defaults and checks every limit at once, naming the field, its range and the value given. */
export function resolvePayloadLimits(options: PayloadOptions = {}): PayloadLimits {
  const o: PayloadLimits = { ...payloadDefaults, ...withoutUndefined(options) };
  const problems: string[] = [];
  const integer = (field: keyof PayloadLimits, min: number, max: number) => {
    const value = o[field];
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`\`${field}\` to be an integer from ${min} to ${max}, got \`${value}\``);
    }
  };
  integer('offloadArgsOverBytes', 0, limits.maxArgsBytes);
  integer('offloadResultOverBytes', 0, limits.maxResultBytes);
  integer('maxPayloadBytes', limits.maxResultBytes, maxPayloadCeiling);
  if (problems.length) throw new ConfigError(`Invalid payload options: expected ${problems.join('; ')}`);
  return o;
}

/** The reference of `body` stored under `key`. */
export function payloadRefOf(key: string, body: string): PayloadRef {
  return {
    key,
    bytes: Buffer.byteLength(body, 'utf8'),
    sha256: createHash('sha256').update(body, 'utf8').digest('hex'),
  };
}

/** True when `body` is what `ref` was made from. */
export function matchesRef(ref: PayloadRef, body: string): boolean {
  const actual = payloadRefOf(ref.key, body);
  return actual.bytes === ref.bytes && actual.sha256 === ref.sha256;
}

/**
 * The key of a job's arguments. Named by the content's hash as well as the job, so two producers racing
 * to enqueue the same `jobId` with different arguments never overwrite each other's object, and
 * retrying an enqueue writes the same object again.
 */
export function argsKey(jobId: string, sha256: string): string {
  return `${jobDirectory(jobId)}/args-${sha256.slice(0, 16)}.json`;
}

/**
 * The key of one attempt's result. The claim's token makes it unique to the attempt (attempt numbers
 * repeat after a retry), so a worker that lost its lock can never overwrite the object a newer attempt
 * points at.
 */
export function resultKey(jobId: string, attempt: number, token: string): string {
  return `${jobDirectory(jobId)}/result-${attempt}-${token}.json`;
}

/** One path segment per job, whatever characters its id has. */
function jobDirectory(jobId: string): string {
  return encodeURIComponent(jobId);
}

/** True for a well-formed reference (from a message, which anyone with send access can write). */
export function isPayloadRef(value: unknown): value is PayloadRef {
  if (typeof value !== 'object' || value === null) return false;
  const { key, bytes, sha256 } = value as Record<string, unknown>;
  return (
    typeof key === 'string' &&
    key.length > 0 &&
    key.length <= 900 &&
    !key.startsWith('/') &&
    !key.split('/').includes('..') &&
    Number.isInteger(bytes) &&
    (bytes as number) >= 0 &&
    typeof sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(sha256)
  );
}
