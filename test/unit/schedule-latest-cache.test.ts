import { defineSchedule, defineTask, Longhaul } from 'longhaul';
import { createHttpHandler } from 'longhaul/http';
import { memoryBackend } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import { latestResultDefaults, maxAgeSeconds } from '../../src/http/allowed-schedules.js';

const refresh = defineTask({ name: 'figures.refresh', run: async () => 1 });
const at = (iso: string) => Date.parse(iso);

describe('the cache lifetime of a schedule’s latest result', () => {
  it('lasts until the rate schedule’s next firing after the run', () => {
    const every5 = defineSchedule(refresh, 'rate(5 minutes)');
    expect(maxAgeSeconds(every5, at('2026-12-06T12:00:00Z'), at('2026-12-06T12:01:30Z'))).toBe(210);
  });

  it('lasts until the cron schedule’s next firing, capped at a day', () => {
    const nightly = defineSchedule(refresh, 'cron(0 3 * * ? *)');
    expect(maxAgeSeconds(nightly, at('2026-12-06T03:00:00Z'), at('2026-12-06T15:00:00Z'))).toBe(12 * 3600);
    const weekly = defineSchedule(refresh, 'cron(0 3 ? * 1 *)');
    expect(maxAgeSeconds(weekly, at('2026-12-06T03:00:00Z'), at('2026-12-06T04:00:00Z'))).toBe(
      latestResultDefaults.maxMaxAgeSeconds,
    );
  });

  it('is short once a newer run has fired, or when only the name is known', () => {
    const every5 = defineSchedule(refresh, 'rate(5 minutes)');
    expect(maxAgeSeconds(every5, at('2026-12-06T12:00:00Z'), at('2026-12-06T12:07:00Z'))).toBe(
      latestResultDefaults.shortMaxAgeSeconds,
    );
    expect(maxAgeSeconds(undefined, at('2026-12-06T12:00:00Z'), at('2026-12-06T12:01:00Z'))).toBe(
      latestResultDefaults.shortMaxAgeSeconds,
    );
  });
});

describe('the `schedules` option of createHttpHandler', () => {
  it('takes schedule definitions and names, and refuses anything else naming the field', () => {
    const base = {
      longhaul: new Longhaul({ backend: memoryBackend() }),
      tasks: [refresh],
      secret: 'a test secret that is at least thirty-two bytes long',
    };
    const every5 = defineSchedule(refresh, 'rate(5 minutes)');
    expect(() => createHttpHandler({ ...base, schedules: [every5, 'by-name'] })).not.toThrow();
    expect(() => createHttpHandler({ ...base, schedules: [42 as unknown as string] })).toThrow(
      /Expected `schedules` to be an array of schedules/,
    );
  });
});
