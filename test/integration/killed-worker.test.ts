import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defineTask, Longhaul } from 'longhaul';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aws, type TestBackend } from '../support/backends.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';

const fixture = fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url));

/** Starts the fixture worker as a real process and resolves once it has started the job's attempt. */
function startWorkerProcess(resources: Record<string, string>): {
  child: ChildProcess;
  started: Promise<string>;
} {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', fixture], {
    env: { ...process.env, ...resources },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started = new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('started '));
      if (line) resolve(line);
    });
    child.once('exit', (code) =>
      reject(new Error(`worker process exited with ${code} before starting the job`)),
    );
  });
  return { child, started };
}

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
      const worker = startWorkerProcess(t.environment);
      children.push(worker.child);
      expect(await worker.started).toBe(`started ${handle.id} attempt ${attempt}`);
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
