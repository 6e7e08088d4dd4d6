/**
 * Copies of job records into and out of the embedded store, and what a stored record weighs. Strings and
 * numbers are immutable, so a copy shares them; only objects (arguments, results, errors, logs, history)
 * are cloned. Into the store, an object the stored record already holds is kept as it is: the store
 * never changes a stored object in place, and never hands one out.
 */
import type { JobLogLine, JobRecord } from '../../core/job.js';
import type { Completion } from '../../core/ports.js';
import { copyData } from './copy-data.js';

type Fields = Record<string, unknown>;
type MutableRecord = { -readonly [K in keyof JobRecord]: JobRecord[K] };

/** A copy the caller may change freely: every object in it is its own. */
export function copyOut(job: JobRecord): JobRecord {
  const copy: Fields = { ...job };
  for (const key in copy) {
    const value = copy[key];
    if (typeof value === 'object' && value !== null) copy[key] = copyData(value);
  }
  return copy as unknown as JobRecord;
}

/**
 * The record to store for `job`, given the record stored now (`owned`): objects `owned` holds (whole,
 * or as elements of an array that grew, such as `history`) are kept; any other object is cloned, so
 * nothing a caller passed in stays shared with the store. A new object, in V8's fast mode even when `job`
 * lost fields to `delete` (a transition's result): the stored records are read and copied the most.
 */
export function copyIn(job: JobRecord, owned: JobRecord | undefined): JobRecord {
  return adopt({ ...job } as unknown as Fields, owned, false);
}

/**
 * As {@link copyIn}, but `job` itself becomes the stored record: only for a record the store has just
 * built (a claim's, a completion's) that no caller holds and that is not a V8 dictionary (see
 * `completedRecord`), which spares copying its every field once more. Its arrays that grew (`history`,
 * `logs`) were built with it, so they are kept too, with the elements a caller passed in (log lines)
 * replaced by copies; its new `history` events were built by the store as well and are kept as they are.
 */
export function adoptIn(job: JobRecord, owned: JobRecord | undefined): JobRecord {
  return adopt(job as unknown as Fields, owned, true);
}

/**
 * Replaces, in `record` (a completion's record the store has just built from the stored one, see
 * `completedRecord`), the objects `completion` brought (its result, progress, error, result reference
 * and log lines) with copies, so that record holds only objects of the store's: the stored record's
 * own, and what the store built (its history event). Spares walking every field of the record as
 * {@link adoptIn} does: those are the only objects a completion sets.
 */
export function ownCompletion(record: JobRecord, completion: Completion, storedLines: number): JobRecord {
  const next = record as MutableRecord;
  if (completion.progress !== undefined && next.progress === completion.progress) {
    next.progress = copyData(completion.progress);
  }
  if (completion.status === 'succeeded') {
    if (typeof next.result === 'object' && next.result !== null) next.result = copyData(next.result);
    if (next.resultRef !== undefined && next.resultRef === completion.resultRef) {
      next.resultRef = copyData(next.resultRef);
    }
  } else if (next.error === completion.error) {
    next.error = copyData(completion.error);
  }
  const logs = next.logs as JobLogLine[];
  for (let i = storedLines; i < logs.length; i++) logs[i] = copyData(logs[i] as JobLogLine);
  return record;
}

function adopt(copy: Fields, owned: JobRecord | undefined, built: boolean): JobRecord {
  const before = owned as unknown as Fields | undefined;
  for (const key in copy) {
    const value = copy[key];
    if (typeof value !== 'object' || value === null) continue;
    const held = before?.[key];
    if (value === held) continue;
    if (!Array.isArray(value) || !Array.isArray(held)) {
      copy[key] = copyData(value);
    } else if (!built) {
      copy[key] = value.map((element, i) => (element === held[i] ? element : copyData(element)));
    } else if (key !== 'history') {
      for (let i = held.length; i < value.length; i++) value[i] = copyData(value[i]);
      for (let i = 0; i < held.length && i < value.length; i++) {
        if (value[i] !== held[i]) value[i] = copyData(value[i]);
      }
    }
  }
  return copy as unknown as JobRecord;
}

/** Objects and arrays a walk visits at most, and how deep: past either, the value is serialized. */
const maxVisits = 10_000;
const maxDepth = 64;
/** Visits left to the walk under way. */
let visitsLeft = 0;
const tooBig = Symbol('serialize instead');

/**
 * At most the UTF-8 bytes of `value`'s JSON, from a walk that builds nothing: a UTF-16 unit of a short
 * string counts six bytes (the most it can take, as `\u001f`), a long string is measured exactly, and a
 * number counts 24. So the bound is a few times the size of a record of short strings, exact for long
 * ones: well under DynamoDB's item limit for the records of ordinary jobs, which then need no serializing
 * at all. A value with many or deeply nested parts, or anything JSON does not hold as plain data (a
 * `toJSON`, a BigInt, a cycle), is serialized instead: `JSON.stringify` measures it, or throws as it would.
 */
export function jsonBytesBound(value: unknown): number {
  // A `toJSON` every plain object inherits: each would serialize as it says, so serialize them all.
  if ('toJSON' in Object.prototype) return textBytes(JSON.stringify(value));
  visitsLeft = maxVisits;
  try {
    return walk(value, 0);
  } catch (error) {
    if (error !== tooBig) throw error;
    return textBytes(JSON.stringify(value));
  }
}

function walk(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return value.length <= 1024 ? 6 * value.length + 2 : textBytes(JSON.stringify(value));
    case 'number':
      return 24;
    case 'boolean':
      return 5;
    case 'undefined':
      return 4;
    case 'object':
      break;
    default:
      return textBytes(JSON.stringify(value));
  }
  if (value === null) return 4;
  if (--visitsLeft < 0 || depth > maxDepth) throw tooBig;
  if (Array.isArray(value)) {
    let bytes = 2;
    for (let i = 0; i < value.length; i++) bytes += walk(value[i], depth + 1) + 1;
    return bytes;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw tooBig;
  let bytes = 2;
  for (const key in value) {
    // Its own `toJSON` (an inherited one was looked for once, above): not a lookup up the chain per object.
    if (key === 'toJSON') throw tooBig;
    // A field JSON leaves out (undefined, a function) still counts: a bound may be high.
    bytes += 6 * key.length + 4 + walk((value as Fields)[key], depth + 1);
  }
  return bytes;
}

/** At most the UTF-8 bytes of a JSON text: three per UTF-16 unit, or exactly when that is a lot. */
function textBytes(text: string | undefined): number {
  if (text === undefined) return 4;
  return text.length <= 4096 ? 3 * text.length : Buffer.byteLength(text, 'utf8');
}
