// Bad input to `enqueue` and `defineSchedule` gets a typed error that says what was wrong and where,
// never a raw TypeError from deep inside, and never a job stored under a key Longhaul uses itself.
import type { StandardSchemaV1 } from '@standard-schema/spec';
import {
  ConfigError,
  checkSchedules,
  defineSchedule,
  defineTask,
  InvalidArgsError,
  InvalidJobIdError,
  Longhaul,
} from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const anything = defineTask({ name: 'anything', args: z.unknown(), run: () => 1 });
const limited = defineTask({
  name: 'lim',
  args: z.object({ n: z.number() }),
  limits: { concurrency: 1 },
  run: () => 1,
});

function client() {
  const backend = memoryBackend();
  return { backend, longhaul: new Longhaul({ backend }) };
}

describe('job ids and the key space of internal items', () => {
  it.each(['#limit#lim', '#key#lim#k', '#schedule#nightly', '#workflow#w', '#rate#lim@60', '#'])(
    'refuses the jobId %j with InvalidJobIdError naming the rule',
    async (jobId) => {
      const { backend, longhaul } = client();
      const attempt = longhaul.enqueue(limited, { n: 0 }, { jobId });
      await expect(attempt).rejects.toBeInstanceOf(InvalidJobIdError);
      await expect(attempt).rejects.toMatchObject({
        code: 'invalid_job_id',
        message: expect.stringMatching(/`jobId` must not begin with "#"/),
        context: { rule: 'reserved-prefix' },
      });
      expect(await backend.store.get(jobId)).toBeUndefined();
    },
  );

  it('still accepts a "#" inside an id', async () => {
    const { longhaul } = client();
    await expect(longhaul.enqueue(limited, { n: 0 }, { jobId: 'order#42' })).resolves.toMatchObject({
      id: 'order#42',
      created: true,
    });
  });

  it('types the length rule the same way', async () => {
    const { longhaul } = client();
    await expect(longhaul.enqueue(limited, { n: 0 }, { jobId: 'x'.repeat(129) })).rejects.toMatchObject({
      code: 'invalid_job_id',
      context: { rule: 'length' },
    });
  });

  it('refuses a jobId or a unique key that is not well-formed UTF-16', async () => {
    const { longhaul } = client();
    await expect(longhaul.enqueue(limited, { n: 0 }, { jobId: 'half \uD800' })).rejects.toMatchObject({
      code: 'invalid_job_id',
      context: { rule: 'utf16' },
    });
    await expect(longhaul.enqueue(limited, { n: 0 }, { key: 'half \uDC00' })).rejects.toMatchObject({
      code: 'invalid_key',
      message: expect.stringMatching(/UTF-16/),
    });
  });

  it('refuses a workflowId that would give its jobs reserved ids', async () => {
    const { longhaul } = client();
    await expect(
      longhaul.chain(limited, { n: 1 }).start({ workflowId: '#limit#lim#tenant' }),
    ).rejects.toBeInstanceOf(InvalidJobIdError);
  });
});

describe('enqueue given something that is not a task', () => {
  it.each([
    ['a task name', 'anything', /got the string "anything"/],
    ['undefined', undefined, /got undefined/],
    ['a plain object', { name: 'anything', run: () => 1 }, /got an object with keys name, run/],
  ])('refuses %s with a ConfigError saying what it was given', async (_, given, message) => {
    const { longhaul } = client();
    const attempt = longhaul.enqueue(given as never, {} as never);
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/Expected a task made by `defineTask`/);
    await expect(attempt).rejects.toThrow(message);
    await expect(longhaul.enqueueMany(given as never, [{}] as never)).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('arguments that are not portable JSON', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = { loop: cyclic };

  it.each([
    ['a BigInt', { order: { total: 10n } }, 'order.total', /BigInt/],
    ['a cycle', cyclic, 'self.loop', /cycle/],
    ['a lone surrogate in a string', { names: ['ok', 'bad \uD800 half'] }, 'names.1', /UTF-16/],
    ['a lone surrogate in a key', { ['k\uDC00']: 1 }, 'k\uDC00', /UTF-16/],
  ])('refuses %s with InvalidArgsError naming the path', async (_, args, path, message) => {
    const { longhaul } = client();
    const attempt = longhaul.enqueue(anything, args);
    await expect(attempt).rejects.toBeInstanceOf(InvalidArgsError);
    const error = (await attempt.catch((e: unknown) => e)) as InvalidArgsError;
    expect(error.issues[0]?.path.join('.')).toBe(path);
    expect(error.issues[0]?.message).toMatch(message);
    await expect(longhaul.enqueueMany(anything, [{ ok: 1 }, args])).rejects.toBeInstanceOf(InvalidArgsError);
  });

  it('accepts a well-formed surrogate pair and values with toJSON', async () => {
    const { longhaul } = client();
    await expect(
      longhaul.enqueue(anything, { emoji: '\uD83D\uDE00', at: new Date(0) }),
    ).resolves.toMatchObject({ created: true });
  });

  it('refuses them in a workflow step too', async () => {
    const { longhaul } = client();
    await expect(longhaul.chain(anything, { n: 1n }).start()).rejects.toBeInstanceOf(InvalidArgsError);
  });
});

describe('defineSchedule arguments', () => {
  const report = defineTask({ name: 'report', args: z.object({ day: z.string() }), run: () => 1 });

  it('refuses arguments that fail the task schema when the schedule is defined', () => {
    expect(() => defineSchedule(report, 'rate(1 day)', { args: { day: 3 } as never })).toThrow(ConfigError);
    expect(() => defineSchedule(report, 'rate(1 day)', { args: { day: 3 } as never })).toThrow(
      /`args` to satisfy the schema of task "report".*day:/,
    );
    expect(() => defineSchedule(report, 'rate(1 day)')).toThrow(/`args` to satisfy/);
    expect(defineSchedule(report, 'rate(1 day)', { args: { day: 'mon' } }).args).toEqual({ day: 'mon' });
  });

  it('refuses arguments for a task that takes none', () => {
    const plain = defineTask({ name: 'plain', run: () => 1 });
    expect(() => defineSchedule(plain, 'rate(1 day)', { args: { x: 1 } as never })).toThrow(
      /takes no arguments/,
    );
  });

  it('checkSchedules refuses a hand-built schedule whose arguments fail the schema', () => {
    const schedule = { ...defineSchedule(report, 'rate(1 day)', { args: { day: 'mon' } }), args: {} };
    expect(() => checkSchedules([schedule], [report])).toThrow(/schedule "report".*`args`/);
  });

  it('leaves a schema that validates asynchronously to each run', () => {
    const asyncSchema: StandardSchemaV1<{ day: string }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async () => ({ issues: [{ message: 'never valid' }] }),
      },
    };
    const asyncTask = defineTask({ name: 'async', args: asyncSchema, run: () => 1 });
    expect(() => defineSchedule(asyncTask, 'rate(1 day)', { args: { day: 'mon' } })).not.toThrow();
  });
});
