/**
 * Copies of job records into and out of the embedded store. Strings and numbers are immutable, so a copy
 * shares them; only objects (arguments, results, errors, logs, history) are cloned. Into the store, an
 * object the stored record already holds is kept as it is: the store never changes a stored object in
 * place, and never hands one out.
 */
import type { JobRecord } from '../../core/job.js';
import { copyData } from './copy-data.js';

type Fields = Record<string, unknown>;

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
 * nothing a caller passed in stays shared with the store.
 */
export function copyIn(job: JobRecord, owned: JobRecord | undefined): JobRecord {
  const copy: Fields = { ...job };
  const before = owned as unknown as Fields | undefined;
  for (const key in copy) {
    const value = copy[key];
    if (typeof value !== 'object' || value === null) continue;
    const held = before?.[key];
    if (value === held) continue;
    copy[key] =
      Array.isArray(value) && Array.isArray(held)
        ? value.map((element, i) => (element === held[i] ? element : copyData(element)))
        : copyData(value);
  }
  return copy as unknown as JobRecord;
}
