/**
 * EventBridge cron expressions (`cron(minutes hours day-of-month month day-of-week year)`, UTC, weekdays
 * 1–7 from Sunday, Quartz's `L`, `W` and `#`), parsed by croner. One parser serves `defineSchedule`
 * (refuse at definition what EventBridge would refuse at deploy time, or what could never fire) and the
 * in-process scheduler (the next firing).
 */
import { Cron } from 'croner';

/** Each field's name and range as EventBridge documents it: minutes, hours, day of month, month, weekday, year. */
const fieldRanges = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12],
  ['day of week', 1, 7],
  ['year', 1970, 2199],
] as const;

/** A parsed cron expression: its next firing strictly after a time, or undefined when none is left. */
export interface CronExpression {
  nextAfter(epochMs: number): number | undefined;
}

/**
 * Parses the six fields of an EventBridge cron expression. Throws an `Error` naming the bad field when
 * croner or EventBridge's ranges refuse it.
 */
export function parseCron(fields: string): CronExpression {
  const parts = fields.trim().split(/\s+/);
  parts.forEach((field, i) => {
    const [name, min, max] = fieldRanges[i] ?? ['field', 0, 0];
    // The values a field names: numbers, except a step after `/` and an nth weekday after `#`.
    for (const value of field.replace(/[/#]\d+/g, '').match(/\d+/g) ?? []) {
      const n = Number(value);
      if (n < min || n > max) {
        throw new Error(`Invalid value for ${name}: ${value} (EventBridge allows ${min}–${max})`);
      }
    }
  });
  // EventBridge's fields are minutes..year; croner's seven-field form starts with seconds.
  const cron = new Cron(`0 ${toCronerFields(parts)}`, {
    timezone: 'UTC',
    alternativeWeekdays: true,
    mode: '7-part',
  });
  return { nextAfter: (epochMs) => cron.nextRun(new Date(epochMs))?.getTime() };
}

/**
 * EventBridge allows Quartz's `start/step` (`0/10`: from 0 every 10); croner wants a range there, so it
 * becomes `start-max/step`. Everything else croner reads as EventBridge means it.
 */
function toCronerFields(parts: readonly string[]): string {
  return parts
    .map((field, i) =>
      field
        .split(',')
        .map((part) => part.replace(/^(\d+)\/(\d+)$/, `$1-${fieldRanges[i]?.[2]}/$2`))
        .join(','),
    )
    .join(' ');
}
