import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, runIsolated, serveIsolated, UnrecoverableError } from 'longhaul';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/serve.js';

const threadModule = new URL('../support/isolated/busy-thread.mjs', import.meta.url);
const processModule = new URL('../support/isolated/served.ts', import.meta.url);
/** A child process loads the TypeScript fixture (and `longhaul` from its sources) through tsx. */
const tsx = ['--import', 'tsx', '--conditions=source'] as const;
const inProcess = { isolation: 'process', execArgv: tsx } as const;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runIsolated in a worker thread', () => {
  it('resolves with what the thread sends back', async () => {
    await expect(runIsolated(threadModule, { mode: 'double', n: 21 })).resolves.toEqual({ doubled: 42 });
  });

  it('terminates a thread that never yields when its signal aborts, and rejects with the reason', async () => {
    const beats = new SharedArrayBuffer(4);
    const counter = new Int32Array(beats);
    const controller = new AbortController();
    const running = runIsolated(threadModule, { mode: 'busy', beats }, { signal: controller.signal });
    await eventually(async () => Atomics.load(counter, 0) > 0);
    const reason = new Error('stop now');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    // Terminated: the loop no longer counts.
    const after = Atomics.load(counter, 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(Atomics.load(counter, 0)).toBe(after);
  });

  it('rejects with isolate_exited when the thread exits without answering', async () => {
    await expect(runIsolated(threadModule, { mode: 'crash' })).rejects.toMatchObject({
      code: 'isolate_exited',
      context: { isolation: 'thread', exit: 'exit code 3' },
    });
  });

  it('rejects at once when the signal is already aborted', async () => {
    const reason = new Error('too late');
    await expect(
      runIsolated(threadModule, { mode: 'double', n: 1 }, { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
  });
});

describe('runIsolated in a child process', () => {
  it('runs a function served with serveIsolated and resolves with its result', async () => {
    await expect(runIsolated(processModule, { mode: 'double', n: 4 }, inProcess)).resolves.toEqual({
      doubled: 8,
    });
  });

  it('kills a process that never yields when its signal aborts', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'longhaul-isolate-')), 'pid');
    const controller = new AbortController();
    const running = runIsolated(
      processModule,
      { mode: 'busy', pidFile },
      { ...inProcess, signal: controller.signal, killGraceMs: 200 },
    );
    const pid = await eventually(async () => {
      try {
        return Number(readFileSync(pidFile, 'utf8')) || undefined;
      } catch {
        return undefined;
      }
    });
    expect(isAlive(pid)).toBe(true);
    controller.abort(new Error('stop'));
    await expect(running).rejects.toThrow('stop');
    expect(isAlive(pid)).toBe(false);
  });

  it('brings errors back with their name, message, stack and code; UnrecoverableError stays one', async () => {
    const unrecoverable = await runIsolated(processModule, { mode: 'unrecoverable' }, inProcess).catch(
      (e: unknown) => e,
    );
    expect(unrecoverable).toBeInstanceOf(UnrecoverableError);
    expect(unrecoverable).toMatchObject({ message: 'the input can never work', code: 'unrecoverable' });

    const typed = await runIsolated(processModule, { mode: 'throw' }, inProcess).catch((e: unknown) => e);
    expect(typed).toMatchObject({ name: 'TypeError', message: 'bad shape', code: 'bad_shape' });
    expect((typed as Error).stack).toContain('served.ts');
  });

  it('rejects a result that cannot be sent back', async () => {
    await expect(runIsolated(processModule, { mode: 'unsendable' }, inProcess)).rejects.toThrow(
      /cannot be sent back/,
    );
  });
});

describe('isolate options', () => {
  it('refuses a module that is not a file URL and an unknown isolation', () => {
    expect(() => runIsolated(new URL('https://example.com/x.js'), {})).toThrow(ConfigError);
    expect(() => runIsolated(threadModule, {}, { isolation: 'fiber' as unknown as 'thread' })).toThrow(
      /Expected `isolation` to be "thread" or "process", got "fiber"/,
    );
    expect(() => runIsolated(threadModule, {}, { killGraceMs: -1 })).toThrow(/`killGraceMs`/);
  });

  it('refuses serveIsolated outside a thread or process started by runIsolated', () => {
    expect(() => serveIsolated(() => 1)).toThrow(/must run in a module started by runIsolated/);
  });
});
