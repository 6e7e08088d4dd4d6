/**
 * The schedules the latest-result route serves, and how long each answer may be cached. A schedule given
 * by its definition tells when it fires next: no newer run can finish before the next firing after the
 * run's own, so until then the answer is fresh for as long as is left; past it (a newer run may finish
 * at any moment), or for a schedule given by name only, for a short while.
 */
import { nextFiringOf, type Schedule } from '../core/schedule.js';

/** How long a latest result stays fresh when its schedule's next change cannot be told. */
export const latestResultDefaults = {
  /** A newer run may finish at any moment (or the schedule is known by name only). */
  shortMaxAgeSeconds: 10,
  /** The longest a response may be cached, however far the next firing is. */
  maxMaxAgeSeconds: 86_400,
} as const;

/** The allow-list: schedule name → its definition (for cache lifetimes), or undefined when given by name. */
export type AllowedSchedules = ReadonlyMap<string, Schedule | undefined>;

/** Builds the allow-list from the handler's `schedules` option. */
export function allowedSchedules(schedules: ReadonlyArray<string | Schedule> = []): AllowedSchedules {
  return new Map(
    schedules.map((entry) => (typeof entry === 'string' ? [entry, undefined] : [entry.name, entry])),
  );
}

/**
 * Seconds until the schedule's next firing after the run's own, when that is still ahead (nothing newer
 * can have finished before it), capped at a day; else the short default.
 */
export function maxAgeSeconds(schedule: Schedule | undefined, scheduledFor: number, now: number): number {
  if (!schedule) return latestResultDefaults.shortMaxAgeSeconds;
  let next: number;
  try {
    next = nextFiringOf(schedule)(scheduledFor);
  } catch {
    return latestResultDefaults.shortMaxAgeSeconds;
  }
  if (!(next > now)) return latestResultDefaults.shortMaxAgeSeconds;
  return Math.min(Math.ceil((next - now) / 1000), latestResultDefaults.maxMaxAgeSeconds);
}
