// Small task factories for tests: each call makes fresh tasks with their own counters.

import { defineTask, UnrecoverableError } from 'longhaul';
import { z } from 'zod';

export function makeTasks() {
  const runs = { add: 0, flaky: 0, doomed: 0, slow: 0, stubborn: 0, huge: 0 };
  const add = defineTask({
    name: 'math.add',
    args: z.object({ a: z.number(), b: z.number() }),
    async run({ a, b }, ctx) {
      runs.add++;
      ctx.progress(0.5, 'adding');
      ctx.log(`adding ${a} and ${b}`);
      return { sum: a + b };
    },
  });
  /** Fails its first `failures` attempts, then succeeds. */
  const flaky = defineTask({
    name: 'flaky',
    args: z.object({ failures: z.number().int() }),
    retries: 3,
    backoff: { baseDelayMs: 1_000, maxDelayMs: 1_000 },
    async run({ failures }, ctx) {
      runs.flaky++;
      if (ctx.attempt <= failures) throw new Error(`attempt ${ctx.attempt} failed`);
      return `succeeded on attempt ${ctx.attempt}`;
    },
  });
  const doomed = defineTask({
    name: 'doomed',
    args: z.object({ unrecoverable: z.boolean().default(false) }),
    retries: 1,
    backoff: { baseDelayMs: 1_000, maxDelayMs: 1_000 },
    async run({ unrecoverable }) {
      runs.doomed++;
      if (unrecoverable) throw new UnrecoverableError('the account is gone');
      throw new Error('always fails');
    },
  });
  /** Runs for `ms`, honouring its signal, reporting progress. */
  const slow = defineTask({
    name: 'slow',
    args: z.object({ ms: z.number().int() }),
    retries: 2,
    backoff: { baseDelayMs: 1_000, maxDelayMs: 1_000 },
    async run({ ms }, ctx) {
      runs.slow++;
      const steps = 10;
      for (let i = 1; i <= steps; i++) {
        await new Promise((resolve) => setTimeout(resolve, ms / steps));
        ctx.signal.throwIfAborted();
        ctx.progress(i / steps, `step ${i}`);
      }
      return { waited: ms };
    },
  });
  /** Ignores its signal and never finishes in time. */
  const stubborn = defineTask({
    name: 'stubborn',
    retries: 0,
    timeoutMs: 300,
    timeoutGraceMs: 300,
    async run() {
      runs.stubborn++;
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      return 'too late';
    },
  });
  const huge = defineTask({
    name: 'huge',
    async run() {
      runs.huge++;
      return 'x'.repeat(300 * 1024);
    },
  });
  return {
    runs,
    tasks: { add, flaky, doomed, slow, stubborn, huge },
    all: [add, flaky, doomed, slow, stubborn, huge],
  };
}
