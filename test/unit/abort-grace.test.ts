import { ConfigError, defineTask, taskDefaults } from 'longhaul';
import { describe, expect, it } from 'vitest';
import { type Settled, SettleWithinGrace } from '../../src/runtime/settle-within-grace.js';

/** A watch whose every answer is kept, as a running attempt answers its end. */
class RecordedWatch extends SettleWithinGrace {
  readonly answers: Settled[] = [];
  readonly #first: Promise<Settled>;
  #resolve: (settled: Settled) => void = () => {};

  constructor(run: () => Promise<unknown>, signal: AbortSignal, graceMs: number) {
    super(signal, graceMs);
    this.#first = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    this.watch(run);
  }

  get first(): Promise<Settled> {
    return this.#first;
  }

  protected settled(settled: Settled): void {
    this.answers.push(settled);
    this.#resolve(settled);
  }
}

function settleWithinGrace(run: () => Promise<unknown>, signal: AbortSignal, graceMs: number) {
  return new RecordedWatch(run, signal, graceMs).first;
}

describe('SettleWithinGrace', () => {
  it('answers with what run settled to when nothing aborts', async () => {
    const signal = new AbortController().signal;
    await expect(settleWithinGrace(async () => 7, signal, 1_000)).resolves.toEqual({
      outcome: { ok: true, value: 7 },
      ignoredAbort: false,
    });
    const error = new Error('own failure');
    await expect(settleWithinGrace(() => Promise.reject(error), signal, 1_000)).resolves.toEqual({
      outcome: { ok: false, error },
      ignoredAbort: false,
    });
  });

  it('records the abort reason even when run resolves within its grace', async () => {
    const controller = new AbortController();
    const reason = new Error('timed out');
    const settled = settleWithinGrace(
      () =>
        new Promise((resolve) => {
          controller.signal.addEventListener('abort', () => setTimeout(() => resolve('late success'), 20));
        }),
      controller.signal,
      5_000,
    );
    controller.abort(reason);
    await expect(settled).resolves.toEqual({ outcome: { ok: false, error: reason }, ignoredAbort: false });
  });

  it('stops waiting after the grace and says the task ignored its signal', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    let release: () => void = () => {};
    const settled = settleWithinGrace(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      controller.signal,
      50,
    );
    controller.abort(reason);
    await expect(settled).resolves.toEqual({ outcome: { ok: false, error: reason }, ignoredAbort: true });
    release();
  });

  it('answers once: a run settling after its grace ran out changes nothing', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    let release: () => void = () => {};
    const watch = new RecordedWatch(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      controller.signal,
      10,
    );
    controller.abort(reason);
    await watch.first;
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(watch.answers).toEqual([{ outcome: { ok: false, error: reason }, ignoredAbort: true }]);
  });

  it('catches a run that throws synchronously', async () => {
    const error = new Error('sync');
    const settled = await settleWithinGrace(
      () => {
        throw error;
      },
      new AbortController().signal,
      10,
    );
    expect(settled.outcome).toEqual({ ok: false, error });
  });
});

describe('timeoutGraceMs', () => {
  it('defaults to 5 000 and accepts 0', () => {
    expect(defineTask({ name: 'a', run: () => 1 }).timeoutGraceMs).toBe(taskDefaults.timeoutGraceMs);
    expect(taskDefaults.timeoutGraceMs).toBe(5_000);
    expect(defineTask({ name: 'b', timeoutGraceMs: 0, run: () => 1 }).timeoutGraceMs).toBe(0);
  });

  it.each([-1, 1.5, 15 * 60_000 + 1])('refuses %s, naming the field, the limit and the value', (value) => {
    expect(() => defineTask({ name: 'c', timeoutGraceMs: value, run: () => 1 })).toThrow(ConfigError);
    expect(() => defineTask({ name: 'c', timeoutGraceMs: value, run: () => 1 })).toThrow(
      `Expected \`timeoutGraceMs\` of task "c" to be an integer from 0 to 900000, got \`${value}\``,
    );
  });
});
