// `longhaul workflow <id>` on the embedded backend and on the emulator.
import { type Backend, defineTask, Longhaul, step } from 'longhaul';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { aws, type BackendFactory, memory, type TestBackend } from '../support/backends.js';
import { serveUntil, testWorker } from '../support/serve.js';
import { add, allTasks, doomed } from './fixtures/tasks.js';
import { cli } from './helpers.js';

describe.each<BackendFactory>([memory, aws('cli workflow')])('`workflow` on the $name backend', (factory) => {
  let t: TestBackend;
  let backend: Backend;
  let longhaul: Longhaul;
  beforeEach(async () => {
    t = await factory.create();
    backend = t.backend;
    longhaul = new Longhaul({ backend });
  });
  afterEach(async () => {
    await t.dispose();
  });
  const run = (...argv: string[]) => cli(argv, { backend });

  it('shows a group’s members, their statuses and done/total, and the same as JSON', async () => {
    const fan = await longhaul
      .group([step(add, { a: 1, b: 2 }), step(doomed, { reason: 'no disk' })])
      .start({ workflowId: 'nightly-1' });
    const queued = await run('workflow', 'nightly-1');
    expect(queued.code).toBe(0);
    expect(queued.stdout).toMatch(/Kind\s+group/);
    expect(queued.stdout).toMatch(/Status\s+running/);
    expect(queued.stdout).toMatch(/Done\s+0\/2/);
    expect(queued.stdout).toContain(`math.add  queued  ${fan.members[0]}`);

    await serveUntil(testWorker(backend, allTasks), async () => {
      return (await longhaul.getWorkflow(fan.id)).status !== 'running';
    });
    const out = await run('workflow', 'nightly-1', '--json');
    expect(out.code).toBe(0);
    expect(out.json()).toMatchObject({
      id: 'nightly-1',
      kind: 'group',
      status: 'failed',
      done: 1,
      total: 2,
      steps: [
        { task: 'math.add', status: 'succeeded', jobId: 'nightly-1:0' },
        { task: 'doomed', status: 'failed', jobId: 'nightly-1:1' },
      ],
    });
  });

  it('shows a chain’s pending steps, and exits 3 for an unknown workflow', async () => {
    const report = defineTask({ name: 'report', args: z.object({ sum: z.number() }), run: () => 'ok' });
    const flow = await longhaul.chain(add, { a: 1, b: 2 }).andThen(report).start();
    const out = await run('workflow', flow.id);
    expect(out.stdout).toMatch(/Kind\s+chain/);
    expect(out.stdout).toContain(`report  pending  ${flow.id}:1`);
    const missing = await run('workflow', 'nope');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('No workflow with id "nope"');
  });
});
