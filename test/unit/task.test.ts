import {
  ConfigError,
  defineTask,
  InvalidArgsError,
  type JobHandle,
  Longhaul,
  type TaskArgs,
  type TaskContext,
  TaskRegistry,
  type TaskResult,
} from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

const noop = () => undefined;

function task(name: string, retries?: number) {
  return defineTask({ name, ...(retries === undefined ? {} : { retries }), run: noop });
}

function configError(define: () => unknown): ConfigError {
  try {
    define();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const ctx: TaskContext = {
  jobId: 'job-1',
  taskName: 't',
  attempt: 1,
  maxAttempts: 1,
  signal: new AbortController().signal,
  progress: noop,
  log: noop,
};

describe('defineTask', () => {
  it.each(['a', '7', 'images.resize', 'billing:invoice_v2-retry', 'x'.repeat(128)])(
    'accepts the name %j',
    (name) => {
      expect(task(name).name).toBe(name);
    },
  );

  it.each(['', '-leading-dash', '.leading-dot', 'has space', 'slash/name', 'émoji', 'x'.repeat(129)])(
    'rejects the name %j, quoting it',
    (name) => {
      const error = configError(() => task(name));

      expect(error.code).toBe('invalid_config');
      expect(error.message).toContain('task `name`');
      expect(error.message).toContain(JSON.stringify(name));
    },
  );

  it.each([0, -5, 1.5, Number.NaN])('rejects timeoutMs %s, naming the field, task and value', (timeoutMs) => {
    const error = configError(() => defineTask({ name: 'slow', timeoutMs, run: noop }));

    expect(error.message).toContain('`timeoutMs`');
    expect(error.message).toContain('"slow"');
    expect(error.message).toContain(`got \`${timeoutMs}\``);
  });

  it('keeps a valid timeoutMs and leaves it undefined when omitted', () => {
    expect(defineTask({ name: 'slow', timeoutMs: 1, run: noop }).timeoutMs).toBe(1);
    expect(task('fast').timeoutMs).toBeUndefined();
  });

  it.each([-1, 1.5, 101])('rejects retries %s, naming the field, task and value', (retries) => {
    const error = configError(() => task('flaky', retries));

    expect(error.message).toContain('Task "flaky"');
    expect(error.message).toContain('`retries` to be an integer from 0 to 100');
    expect(error.message).toContain(`got \`${retries}\``);
  });

  it('rejects a negative backoff.baseDelayMs', () => {
    const error = configError(() => defineTask({ name: 't', backoff: { baseDelayMs: -1 }, run: noop }));

    expect(error.message).toContain('`backoff.baseDelayMs`');
    expect(error.message).toContain('got `-1`');
  });

  it('rejects a backoff.maxDelayMs below the base delay', () => {
    const backoff = { baseDelayMs: 5_000, maxDelayMs: 1_000 };
    const error = configError(() => defineTask({ name: 't', backoff, run: noop }));

    expect(error.message).toContain('`backoff.maxDelayMs`');
    expect(error.message).toContain('from baseDelayMs (5000)');
    expect(error.message).toContain('got `1000`');
  });

  it('rejects a backoff.maxDelayMs above 12 hours', () => {
    const error = configError(() =>
      defineTask({ name: 't', backoff: { maxDelayMs: 43_200_001 }, run: noop }),
    );

    expect(error.message).toContain('43200000 (12 h)');
    expect(error.message).toContain('got `43200001`');
  });

  it('reports every retry problem at once', () => {
    const error = configError(() =>
      defineTask({ name: 't', retries: -2, backoff: { baseDelayMs: -3 }, run: noop }),
    );

    expect(error.message).toContain('got `-2`');
    expect(error.message).toContain('got `-3`');
  });

  it('turns retries into an attempt budget and applies the backoff defaults', () => {
    expect(task('t').retry).toEqual({ maxAttempts: 4, baseDelayMs: 2_000, maxDelayMs: 900_000 });
    expect(task('t', 0).retry.maxAttempts).toBe(1);
    expect(task('t', 100).retry.maxAttempts).toBe(101);
  });
});

describe('Task.parseArgs with a schema', () => {
  const signup = defineTask({
    name: 'users.signup',
    args: z.object({
      email: z.string().trim().toLowerCase(),
      plan: z.enum(['free', 'pro']).default('free'),
    }),
    run: (args) => args,
  });

  it('returns the parsed value with transforms and defaults applied', async () => {
    await expect(signup.parseArgs({ email: '  Ada@Example.COM ' })).resolves.toEqual({
      email: 'ada@example.com',
      plan: 'free',
    });
  });

  it('runs on what parseArgs returned', async () => {
    const parsed = await signup.parseArgs({ email: 'B@x.io', plan: 'pro' });

    await expect(signup.execute(parsed, ctx)).resolves.toEqual({ email: 'b@x.io', plan: 'pro' });
  });

  it('throws InvalidArgsError with every issue and its path', async () => {
    const error = await signup.parseArgs({ email: 7, plan: 'gold' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidArgsError);
    expect(error).toMatchObject({ code: 'invalid_args', context: { task: 'users.signup' } });
    const issues = (error as InvalidArgsError).issues;
    expect(issues.map((i) => i.path)).toEqual([['email'], ['plan']]);
    expect(issues.every((i) => i.message.length > 0)).toBe(true);
    expect((error as Error).message).toMatch(/^Arguments for task "users.signup" failed validation: email: /);
  });

  it('reports array indexes in paths as numbers', async () => {
    const order = defineTask({
      name: 'orders.place',
      args: z.object({ lines: z.array(z.object({ qty: z.number().int() })) }),
      run: noop,
    });

    const error = await order.parseArgs({ lines: [{ qty: 1 }, { qty: 'two' }] }).catch((e: unknown) => e);

    expect((error as InvalidArgsError).issues[0]?.path).toEqual(['lines', 1, 'qty']);
  });

  it('reports a root-level issue with an empty path', async () => {
    const error = await signup.parseArgs('not an object').catch((e: unknown) => e);

    expect((error as InvalidArgsError).issues).toEqual([expect.objectContaining({ path: [] })]);
  });
});

describe('Task.parseArgs without a schema', () => {
  const ping = task('ping');

  it.each([undefined, null])('accepts %s as no arguments', async (raw) => {
    await expect(ping.parseArgs(raw)).resolves.toBeUndefined();
  });

  it.each([{ a: 1 }, 0, '', false, []])('refuses the argument %j', async (raw) => {
    const error = await ping.parseArgs(raw).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidArgsError);
    expect((error as InvalidArgsError).issues).toEqual([
      { message: 'this task takes no arguments', path: [] },
    ]);
  });
});

describe('TaskRegistry', () => {
  it('looks tasks up by name', () => {
    const a = task('a');
    const b = task('b');
    const registry = new TaskRegistry([a, b]);

    expect(registry.get('b')).toBe(b);
    expect(registry.get('c')).toBeUndefined();
    expect(registry.names).toEqual(['a', 'b']);
  });

  it('does not resolve inherited property names as tasks', () => {
    expect(new TaskRegistry([task('a')]).get('constructor')).toBeUndefined();
  });

  it('rejects two tasks with the same name', () => {
    const error = configError(() => new TaskRegistry([task('dup'), task('other'), task('dup')]));

    expect(error.message).toBe('Task name "dup" is registered twice; task names must be unique');
  });

  it('reports the largest attempt budget of its tasks as maxAttempts', () => {
    expect(new TaskRegistry([task('a', 0), task('b', 7), task('c', 2)]).maxAttempts).toBe(8);
  });

  it('reports at least one attempt when it holds no tasks', () => {
    expect(new TaskRegistry([]).maxAttempts).toBe(1);
  });
});

describe('task types', () => {
  const add = defineTask({
    name: 'math.add',
    args: z.object({ a: z.number(), b: z.number().default(0) }),
    async run(args) {
      expectTypeOf(args).toEqualTypeOf<{ a: number; b: number }>();
      return { sum: args.a + args.b };
    },
  });
  const ping = defineTask({ name: 'ping', run: () => 'pong' as const });

  it('infers the enqueue argument type from the schema input', () => {
    expectTypeOf<TaskArgs<typeof add>>().toEqualTypeOf<{ a: number; b?: number | undefined }>();
    expectTypeOf<TaskArgs<typeof ping>>().toEqualTypeOf<undefined>();
  });

  it('infers the result type from run, unwrapping promises', () => {
    expectTypeOf<TaskResult<typeof add>>().toEqualTypeOf<{ sum: number }>();
    expectTypeOf<TaskResult<typeof ping>>().toEqualTypeOf<'pong'>();
  });

  it('types enqueue by the task and refuses arguments that do not fit', async () => {
    const longhaul = new Longhaul({ backend: memoryBackend() });

    const handle = await longhaul.enqueue(add, { a: 1 });
    expectTypeOf(handle).toEqualTypeOf<JobHandle<{ sum: number }>>();
    await longhaul.enqueue(ping);

    // @ts-expect-error `a` must be a number
    await expect(longhaul.enqueue(add, { a: 'one' })).rejects.toBeInstanceOf(InvalidArgsError);
    // @ts-expect-error a task with a schema needs its arguments
    await expect(longhaul.enqueue(add)).rejects.toBeInstanceOf(InvalidArgsError);
    // @ts-expect-error a task without a schema takes no arguments
    await expect(longhaul.enqueue(ping, { a: 1 })).rejects.toBeInstanceOf(InvalidArgsError);
  });
});
