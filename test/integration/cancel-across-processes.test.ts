import type { ChildProcess } from 'node:child_process';
import { defineTask, Longhaul } from 'longhaul';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aws, type TestBackend } from '../support/backends.js';
import { runTs } from '../support/processes.js';
import { eventually } from '../support/serve.js';

describe('cancelling a job that runs in another process', () => {
  let t: TestBackend;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    t = await aws('integration/cancel-across-processes').create();
  });
  afterEach(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await t.dispose();
  });

  it('aborts the task in the worker process; the job ends cancelled and its message is deleted', async () => {
    // The producer's view of the task: only its name matters here.
    const patient = defineTask({ name: 'patient', run: async () => undefined });
    const longhaul = new Longhaul({ backend: t.backend });
    const handle = await longhaul.enqueue(patient);
    const worker = runTs('test/integration/fixtures/cancellable-worker-process.ts', t.environment);
    children.push(worker.child);
    expect(await worker.waitFor(/^started /)).toBe(`started ${handle.id}`);

    expect(await longhaul.cancel(handle.id)).toMatchObject({ status: 'running' });
    expect(await worker.waitFor(/^aborted /)).toBe('aborted cancelled');
    const job = await eventually(async () => {
      const current = await longhaul.getJob(handle.id);
      return current.status === 'cancelled' && current;
    });
    expect(job).toMatchObject({ attempts: 1, error: { code: 'cancelled' }, deadLettered: false });

    worker.child.kill('SIGTERM');
    const stopped = await worker.done;
    expect(stopped.code, stopped.output).toBe(0);
    expect(stopped.output).toContain('stopped deleted=1 retried=0');
    expect(await t.backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
    expect(await t.deadLetters()).toEqual([]);
  });
});
