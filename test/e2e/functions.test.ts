// The container entrypoint in functions/ as ECS runs it: configured by environment variables, serving
// jobs, and stopping gracefully on SIGTERM.

import { Longhaul } from 'longhaul';
import { awsBackend, env } from 'longhaul/aws';
import { describe, expect, it } from 'vitest';
import { dashboardRefresh } from '../../examples/demo-tasks.js';
import { useJobResources } from '../support/backends.js';
import { runTs } from '../support/processes.js';
import { eventually } from '../support/serve.js';

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

  it('on SIGTERM stops at once, stays up until its long poll returns, and hands back what it brought', async () => {
    const hiddenForSeconds = 300;
    const worker = runTs('functions/worker.ts', {
      ...workerEnvironment(),
      [env.waitTimeSeconds]: '20',
      [env.visibilityTimeoutSeconds]: String(hiddenForSeconds),
    });
    await worker.waitFor(/worker started/);
    const backend = awsBackend({ ...scope.resources, ...scope.clients });
    const longhaul = new Longhaul({ backend });
    // Once a job has run, the worker is in its next long poll (it polls again as soon as it has received).
    await longhaul.waitForResult(await longhaul.enqueue(dashboardRefresh), { timeoutMs: 20_000 });

    worker.child.kill('SIGTERM');
    // stop() has resolved, and the 20 s poll has not answered: nothing was sent for it to take.
    await worker.waitFor(/jobs settled; the long poll under way/);
    expect(worker.output()).not.toContain('"message":"worker stopped"');
    // The process is still up: the poll under way keeps it alive. A job sent now is taken by that poll,
    // which hands it back before the process exits, rather than hiding it for 300 s.
    const late = await longhaul.enqueue(dashboardRefresh);
    const { code, output } = await worker.done;
    expect(code, output).toBe(0);
    expect(output).toContain('"message":"worker stopped"');
    // That poll took the job's message (its first receive) and made it visible again: the next receive
    // is its second, well within the 300 s it would otherwise have stayed hidden.
    const [again] = await eventually(
      async () => {
        const received = await backend.transport.receive({
          maxMessages: 1,
          waitTimeSeconds: 1,
          visibilityTimeoutSeconds: 30,
        });
        return received.length > 0 && received;
      },
      (hiddenForSeconds * 1000) / 10,
      'the handed-back message',
    );
    expect(JSON.parse(again?.body ?? '{}').id).toBe(late.id);
    expect(again?.receiveCount).toBe(2);
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
