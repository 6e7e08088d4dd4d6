import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** 32 attempts at once in a plain Node process: every one of them listens to the worker's stop signal. */
const script = `
import { createWorker, defineTask, Longhaul, silentLogger } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
const backend = memoryBackend();
let release;
const gate = new Promise((resolve) => { release = resolve; });
let started = 0;
const wait = defineTask({ name: 'wait', run: async () => { started++; await gate; } });
await new Longhaul({ backend }).enqueueMany(wait, Array.from({ length: 32 }, () => undefined));
const worker = createWorker({ backend, tasks: [wait], concurrency: 32, logger: silentLogger, metrics: false });
worker.start();
while (started < 32) await new Promise((resolve) => setTimeout(resolve, 5));
await new Promise((resolve) => setTimeout(resolve, 20));
release();
await worker.stop();
console.log('started', started);
`;

describe('Worker stop signal', () => {
  // The test runner lifts Node's listener limits in its own processes, so this runs in a fresh one.
  // Node 20 warns past 10 listeners on an AbortSignal; Node 22 no longer limits AbortSignals.
  it('takes more attempts at once than Node allows listeners by default, with no leak warning', () => {
    const run = spawnSync(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', '--input-type=module', '--eval', script],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.stdout.trim()).toBe('started 32');
    expect(run.stderr).not.toContain('MaxListenersExceededWarning');
  });
});
