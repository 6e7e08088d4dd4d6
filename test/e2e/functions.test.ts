// The container entrypoint in functions/ as ECS runs it: configured by environment variables, serving
// jobs, and stopping gracefully on SIGTERM.

import { Longhaul } from 'longhaul';
import { awsBackend, env } from 'longhaul/aws';
import { describe, expect, it } from 'vitest';
import { dashboardRefresh } from '../../examples/demo-tasks.js';
import { useJobResources } from '../support/backends.js';
import { runTs } from '../support/processes.js';

describe('functions/worker.ts', () => {
  const scope = useJobResources('e2e/functions');
  const workerEnvironment = () => ({
    ...scope.environment,
    [env.concurrency]: '2',
    [env.waitTimeSeconds]: '1',
    [env.workerId]: 'e2e-container',
  });

  it('serves jobs with its environment configuration and exits cleanly on SIGTERM', async () => {
    const worker = runTs('functions/worker.ts', workerEnvironment());
    await worker.waitFor(/worker started/);
    const longhaul = new Longhaul({ backend: awsBackend({ ...scope.resources, ...scope.clients }) });
    const handle = await longhaul.enqueue(dashboardRefresh);
    await longhaul.waitForResult(handle, { timeoutMs: 20_000 });
    expect(await longhaul.getJob(handle.id)).toMatchObject({
      status: 'succeeded',
      workerId: 'e2e-container',
    });

    worker.child.kill('SIGTERM');
    const { code, output } = await worker.done;
    expect(code, output).toBe(0);
    expect(output).toMatch(/"message":"worker stopped".*"deleted":1/);
  });

  it('refuses to start with a malformed setting, naming the variable', async () => {
    const { code, output } = await runTs('functions/worker.ts', {
      ...workerEnvironment(),
      [env.concurrency]: 'lots',
    }).done;
    expect(code).not.toBe(0);
    expect(output).toContain('LONGHAUL_CONCURRENCY to be an integer, got "lots"');
  });
});
