import {
  ConfigError,
  checkCronExpressions,
  checkSchedules,
  decodeEnvelope,
  defineSchedule,
  defineTask,
  scheduledEnvelope,
  startScheduler,
} from 'longhaul';
import { MemoryTransport } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const refresh = defineTask({ name: 'figures:refresh', args: z.object({ region: z.string() }), run: () => 1 });
const plain = defineTask({ name: 'plain', run: () => 1 });

describe('defineSchedule', () => {
  it('takes a rate or a cron expression, args and an overlap policy, defaulting the name from the task', () => {
    expect(defineSchedule(refresh, 'rate(5 minutes)', { args: { region: 'eu' }, overlap: 'skip' })).toEqual({
      name: 'figures-refresh',
      task: 'figures:refresh',
      expression: 'rate(5 minutes)',
      args: { region: 'eu' },
      overlap: 'skip',
    });
    expect(defineSchedule(plain, 'cron(0 6 * * ? *)', { name: 'morning' })).toMatchObject({
      name: 'morning',
      args: null,
      overlap: 'allow',
    });
    expect(defineSchedule(plain, 'rate(1 day)').expression).toBe('rate(1 day)');
  });

  it.each([
    ['rate(5 minute)', /plural unit/],
    ['rate(1 hours)', /singular unit/],
    ['rate(0 minutes)', /at least 1/],
    ['every 5 minutes', /"rate\(N unit\)" or "cron\(fields\)"/],
    ['cron(0 6 * * *)', /6 fields .* got 5/],
    ['cron(0 6 * * MON *)', /"\?" in the day-of-month or the day-of-week/],
    ['cron(61 * * * ? *)', /EventBridge's ranges.*minute: 61 \(EventBridge allows 0–59\)/],
    ['cron(0 24 * * ? *)', /EventBridge's ranges.*hour: 24/],
    ['cron(0 0 32 * ? *)', /EventBridge's ranges.*day of month: 32/],
    ['cron(0 0 1 13 ? *)', /EventBridge's ranges.*month: 13/],
    ['cron(0 0 ? * 8 *)', /EventBridge's ranges.*day of week: 8/],
    ['cron(0 0 ? * 0 *)', /EventBridge's ranges.*day of week: 0/],
    ['cron(0 0 ? * MON#6 *)', /EventBridge's ranges.*nth weekday/],
    ['cron(0 0 1 1 ? 2200)', /EventBridge's ranges.*year: 2200/],
    ['cron(0 0 31 2 ? *)', /can still fire.*no date from now on/],
    ['cron(0 0 1 1 ? 1999)', /can still fire/],
  ])('refuses the expression %s, saying why', (expression, message) => {
    expect(() => defineSchedule(plain, expression)).toThrow(ConfigError);
    expect(() => defineSchedule(plain, expression)).toThrow(message);
  });

  it('refuses a name EventBridge cannot hold and an unknown overlap policy, naming both', () => {
    const attempt = () =>
      defineSchedule(plain, 'rate(1 hour)', { name: 'has spaces', overlap: 'sometimes' as never });
    expect(attempt).toThrow(
      /`name` to be 1–64 .*"has spaces".*`overlap` to be "allow" or "skip", got "sometimes"/,
    );
  });

  it('checks that schedule names are unique and name a known task', () => {
    const a = defineSchedule(plain, 'rate(1 hour)');
    const b = defineSchedule(refresh, 'rate(1 hour)', { name: 'plain', args: { region: 'x' } });
    expect(() => checkSchedules([a, b], [plain])).toThrow(
      /schedule name "plain" is used twice; schedule "plain" runs task "figures:refresh", which is not among the tasks/,
    );
    expect(() => checkSchedules([a], [plain])).not.toThrow();
  });
});

describe('scheduledEnvelope', () => {
  it('decodes as a job envelope whose id is the schedule and the firing time', () => {
    const schedule = defineSchedule(refresh, 'rate(5 minutes)', { args: { region: 'eu' }, overlap: 'skip' });
    const body = JSON.stringify(scheduledEnvelope(schedule, '2026-11-23T13:05:00Z'));
    expect(decodeEnvelope(body)).toEqual({
      v: 1,
      id: 'figures-refresh@2026-11-23T13:05:00Z',
      task: 'figures:refresh',
      args: { region: 'eu' },
      enqueuedAt: Date.parse('2026-11-23T13:05:00Z'),
      schedule: { name: 'figures-refresh', overlap: 'skip' },
      // No producer writes a scheduled run's record: the worker's first claim puts it.
      workerRecord: true,
    });
  });

  it('refuses a message whose time or schedule is not well formed', () => {
    const base = { v: 1, id: 'x', task: 'plain', args: null };
    expect(() => decodeEnvelope(JSON.stringify({ ...base, enqueuedAt: 'yesterday' }))).toThrow(/ISO 8601/);
    expect(() =>
      decodeEnvelope(JSON.stringify({ ...base, enqueuedAt: 1, schedule: { name: 'a', overlap: 'maybe' } })),
    ).toThrow(/"schedule" must be/);
  });
});

describe('the in-process scheduler', () => {
  it('refuses a cron expression its parser rejects, naming the schedule', () => {
    // Plain data, as a schedule built without defineSchedule (which refuses it) would be.
    const bad = {
      ...defineSchedule(plain, 'cron(0 9 * * ? *)', { name: 'bad-hour' }),
      expression: 'cron(0 99 * * ? *)',
    };
    expect(() => checkCronExpressions([bad])).toThrow(/schedule "bad-hour".*hour/);
    expect(() => startScheduler({ schedules: [bad], transport: new MemoryTransport() })).toThrow(ConfigError);
  });

  it('fires a cron schedule on the minutes its fields name, in UTC', async () => {
    const everyTenMinutes = defineSchedule(plain, 'cron(0/10 * * * ? *)', { name: 'ten' });
    const transport = new MemoryTransport();
    const fired: string[] = [];
    // 6000x: ten minutes of schedule time pass every 100 ms.
    const scheduler = startScheduler({
      schedules: [everyTenMinutes],
      transport,
      timeScale: 6000,
      onFire: (run) => fired.push(run.firedAt),
    });
    try {
      await expect.poll(() => fired.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    } finally {
      await scheduler.stop();
    }
    for (const at of fired) expect(new Date(at).getUTCMinutes() % 10).toBe(0);
    expect(Date.parse(fired[1] as string) - Date.parse(fired[0] as string)).toBe(600_000);
    const received = await transport.receive({
      maxMessages: 10,
      waitTimeSeconds: 0,
      visibilityTimeoutSeconds: 30,
    });
    expect(received.map((m) => JSON.parse(m.body).id)).toEqual(
      fired.slice(0, received.length).map((at) => `ten@${at}`),
    );
  });
});
