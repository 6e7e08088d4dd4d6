import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineTask, runIsolated } from 'longhaul';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';

const threadModule = new URL('../support/isolated/busy-thread.mjs', import.meta.url);
const processModule = new URL('../support/isolated/served.ts', import.meta.url);

describe.each(contractBackends('contract/isolated-timeouts'))(
  'timeouts that stop CPU-bound work on the $name backend',
  (factory) => {
    const s = useContractBackend(factory);

    const finished = (id: string) => async () => {
      const job = await s.longhaul.getJob(id);
      return ['succeeded', 'failed', 'cancelled'].includes(job.status) && job;
    };

    it('terminates a busy-looping thread at the timeout while the worker goes on serving', async () => {
      const beats = new SharedArrayBuffer(4);
      const counter = new Int32Array(beats);
      const spin = defineTask({
        name: 'spin',
        retries: 0,
        timeoutMs: 500,
        timeoutGraceMs: 2_000,
        run: (_args, ctx) => runIsolated(threadModule, { mode: 'busy', beats }, { signal: ctx.signal }),
      });
      const add = defineTask({
        name: 'add',
        args: z.object({ a: z.number(), b: z.number() }),
        run: ({ a, b }) => a + b,
      });
      const spinning = await s.longhaul.enqueue(spin);
      const warnings: string[] = [];
      const worker = testWorker(s.t.backend, [spin, add], {
        logger: { info() {}, error() {}, warn: (message) => warnings.push(message) },
      });
      let added = false;
      const job = await serveUntil(worker, async () => {
        // Enqueued once the thread spins: the worker must still run it.
        if (!added && Atomics.load(counter, 0) > 0) {
          added = true;
          await s.longhaul.enqueue(add, { a: 1, b: 2 });
        }
        const done = await finished(spinning.id)();
        return done && worker.stats.deleted + worker.stats.deadLettered === 2 && done;
      });
      expect(job).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'timeout' } });
      // The thread settled within the grace (it was terminated), so no warning about an ignored signal.
      expect(warnings).not.toContain('task ignored its abort signal');
      const after = Atomics.load(counter, 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(Atomics.load(counter, 0)).toBe(after);
      expect(worker.stats.deleted).toBe(1);
    });

    it('kills a busy-looping child process at the timeout', async () => {
      const pidFile = join(mkdtempSync(join(tmpdir(), 'longhaul-isolated-')), 'pid');
      const spin = defineTask({
        name: 'spin-process',
        retries: 0,
        timeoutMs: 1_500,
        run: (_args, ctx) =>
          runIsolated(
            processModule,
            { mode: 'busy', pidFile },
            {
              signal: ctx.signal,
              isolation: 'process',
              killGraceMs: 200,
              execArgv: ['--import', 'tsx', '--conditions=source'],
            },
          ),
      });
      const handle = await s.longhaul.enqueue(spin);
      const job = await serveUntil(testWorker(s.t.backend, [spin]), finished(handle.id));
      expect(job).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'timeout' } });
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(pid).toBeGreaterThan(0);
      await eventually(async () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      });
    });
  },
);
