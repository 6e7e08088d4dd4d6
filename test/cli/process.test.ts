// The CLI as a real process against the emulator: `npm run longhaul -- ...` (the package's entry under
// tsx), its exit codes, `logs --follow` ending with the job, and a worker stopped by SIGTERM.
import { type Backend, Longhaul } from 'longhaul';
import { awsBackend } from 'longhaul/aws';
import { beforeAll, describe, expect, it } from 'vitest';
import { useJobResources } from '../support/backends.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';
import { add, allTasks, chatty } from './fixtures/tasks.js';
import { fixtureTasks, spawnCli } from './helpers.js';

describe('longhaul as a process', () => {
  const scope = useJobResources('cli process', { visibilityTimeoutSeconds: 2 });
  let env: Record<string, string>;
  let backend: Backend;
  let longhaul: Longhaul;
  beforeAll(() => {
    env = { ...scope.environment, LONGHAUL_TASKS: fixtureTasks };
    backend = awsBackend({ ...scope.resources, ...scope.clients });
    longhaul = new Longhaul({ backend });
  });

  it('enqueues with --json and reads the job back with status', async () => {
    const enqueued = await spawnCli(['enqueue', 'math.add', '{"a":20,"b":22}', '--json'], env).done;
    expect(enqueued.code).toBe(0);
    const { id, created } = JSON.parse(enqueued.stdout) as { id: string; created: boolean };
    expect(created).toBe(true);

    const status = await spawnCli(['status', id, '--json'], env).done;
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      id,
      task: 'math.add',
      status: 'queued',
      args: { a: 20, b: 22 },
    });

    const human = await spawnCli(['status', id], env).done;
    expect(human.stdout).toContain('Status    queued');
  });

  it('exits with the documented codes: 2 for bad input, 3 for an unknown job', async () => {
    const invalid = await spawnCli(['enqueue', 'math.add', '{"a":"x"}'], env).done;
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('a: ');
    const missing = await spawnCli(['status', 'no-such-job'], env).done;
    expect(missing.code).toBe(3);
  });

  it("follows a job's logs until it finishes, then exits 0", async () => {
    const { id } = await longhaul.enqueue(chatty, { lines: 3, ms: 400 });
    const following = spawnCli(['logs', id, '--follow'], env);
    await serveUntil(testWorker(backend, allTasks), async () => {
      const job = await longhaul.getJob(id);
      return job.status === 'succeeded';
    });
    const out = await following.done;
    expect(out.code).toBe(0);
    expect(out.stdout.match(/line \d of 3/g)).toEqual(['line 1 of 3', 'line 2 of 3', 'line 3 of 3']);
    expect(out.stderr).toContain(`job ${id} succeeded`);
  });

  it('runs a worker that stops gracefully on SIGTERM (exit 0)', async () => {
    const worker = spawnCli(['worker'], { ...env, LONGHAUL_WAIT_TIME_SECONDS: '1' }, 'node');
    await eventually(async () => worker.stderr().includes('worker starting'), 30_000, 'the worker to start');
    const { id } = await longhaul.enqueue(add, { a: 1, b: 2 });
    await eventually(
      async () => (await longhaul.getJob(id)).status === 'succeeded',
      30_000,
      'the job to finish',
    );
    worker.child.kill('SIGTERM');
    const out = await worker.done;
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('"message":"worker stopped"');
  });
});
