import type { ChildProcess } from 'node:child_process';
import { defineTask, Longhaul } from 'longhaul';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aws, type TestBackend } from '../support/backends.js';
import { runTs } from '../support/processes.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('a worker process killed with SIGKILL', () => {
  let t: TestBackend;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    t = await aws('integration/killed-worker').create();
  });
  afterEach(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await t.dispose();
  });

  it('loses no job: the next worker takes over, and a crash loop ends failed in the dead-letter queue', async () => {
    const hang = defineTask({ name: 'hang', retries: 1, run: async () => 'never' });
    const longhaul = new Longhaul({ backend: t.backend });
    const handle = await longhaul.enqueue(hang);
    for (const attempt of [1, 2]) {
      const worker = runTs('test/integration/fixtures/worker-process.ts', t.environment);
      children.push(worker.child);
      expect(await worker.waitFor(/^started /)).toBe(`started ${handle.id} attempt ${attempt}`);
      await killHard(worker.child);
    }

    // Both attempts died with their workers; the next worker sees the second lost too and gives up.
    const survivor = testWorker(t.backend, [hang]);
    const job = await serveUntil(survivor, async () => {
      const current = await longhaul.getJob(handle.id);
      return current.status === 'failed' && current;
    });
    expect(job).toMatchObject({ attempts: 2, deadLettered: true, error: { code: 'worker_lost' } });
    expect(job.history.filter((e) => e.error?.code === 'worker_lost').map((e) => e.attempt)).toEqual([1, 2]);
    await eventually(async () => (await t.deadLetters()).length === 1);
  });
});
