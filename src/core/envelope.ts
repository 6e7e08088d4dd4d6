import { MalformedMessageError } from './errors.js';

/** The envelope format version this code writes. Readers reject versions they do not know. */
export const envelopeVersion = 1;

/**
 * The body of a job's queue message: data only, nothing executable. The task name is looked up in
 * the worker's registry; an unknown name is an error, never an import.
 */
export interface Envelope {
  readonly v: typeof envelopeVersion;
  readonly id: string;
  readonly task: string;
  readonly args: unknown;
  /** Epoch milliseconds. */
  readonly enqueuedAt: number;
}

/** Serializes a job's message body, stamping the current envelope version. */
export function encodeEnvelope(envelope: Omit<Envelope, 'v'>): string {
  const body: Envelope = { v: envelopeVersion, ...envelope };
  return JSON.stringify(body);
}

/** What could be read from a message that is not a valid envelope: the job id, when there is one. */
export interface EnvelopeSalvage {
  readonly id?: string;
  readonly task?: string;
}

/**
 * Parses a message body. Throws {@link MalformedMessageError} whose context holds whatever job id and
 * task could be salvaged, so the failure can still be recorded on the job.
 */
export function decodeEnvelope(body: string): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (cause) {
    throw new MalformedMessageError('body is not JSON', { cause, context: { bodyBytes: body.length } });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MalformedMessageError('body is not a JSON object');
  }
  const record = parsed as Record<string, unknown>;
  const salvage: EnvelopeSalvage = {
    ...(isId(record.id) ? { id: record.id } : {}),
    ...(typeof record.task === 'string' && record.task.length > 0 ? { task: record.task } : {}),
  };
  const fail = (reason: string): never => {
    throw new MalformedMessageError(reason, { context: { ...salvage } });
  };
  if (record.v !== envelopeVersion) fail(`unsupported envelope version ${JSON.stringify(record.v)}`);
  if (!isId(record.id)) fail('"id" must be a non-empty string of at most 128 characters');
  if (typeof record.task !== 'string' || record.task.length === 0) fail('"task" must be a non-empty string');
  if (typeof record.enqueuedAt !== 'number' || !Number.isFinite(record.enqueuedAt)) {
    fail('"enqueuedAt" must be a number (epoch milliseconds)');
  }
  return {
    v: envelopeVersion,
    id: record.id as string,
    task: record.task as string,
    args: record.args,
    enqueuedAt: record.enqueuedAt as number,
  };
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 128;
}

/** The job id and task a malformed message still carried, if any. */
export function salvageFrom(error: MalformedMessageError): EnvelopeSalvage {
  const { id, task } = error.context as { id?: unknown; task?: unknown };
  return {
    ...(typeof id === 'string' ? { id } : {}),
    ...(typeof task === 'string' ? { task } : {}),
  };
}
