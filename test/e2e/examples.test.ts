// The examples a user copies from: each is typechecked by `npm run typecheck` and run here as a process.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClients, createJobResources, deleteJobResources, env, type JobResources } from 'longhaul/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../support/backends.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function runExample(
  file: string,
  extraEnv: Record<string, string> = {},
): { child: ChildProcess; done: Promise<{ code: number | null; output: string }> } {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', `examples/${file}`], {
    cwd: root,
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const done = new Promise<{ code: number | null; output: string }>((resolve) => {
    child.on('close', (code) => resolve({ code, output }));
  });
  return { child, done };
}

describe('the examples', () => {
  it('runs the quickstart on the embedded backend', async () => {
    const { code, output } = await runExample('quickstart.ts').done;
    expect(code, output).toBe(0);
    expect(output).toContain('total for acme: 2100');
    expect(output).toContain('status succeeded after 1 attempt(s), progress month 6 of 6');
  });

  describe('against the emulator', () => {
    const clients = createClients();
    let resources: JobResources;
    let environment: Record<string, string>;

    beforeAll(async () => {
      resources = await createJobResources({ ...clients, prefix: uniquePrefix('e2e/examples') });
      environment = {
        [env.queueUrl]: resources.queueUrl,
        [env.deadLetterQueueUrl]: resources.deadLetterQueueUrl,
        [env.tableName]: resources.tableName,
      };
    });
    afterAll(async () => {
      await deleteJobResources(clients, resources);
    });

    it('serves the producer from a worker process that stops gracefully on SIGTERM', async () => {
      const worker = runExample('aws-worker.ts', environment);
      const producer = await runExample('aws-producer.ts', environment).done;
      expect(producer.code, producer.output).toBe(0);
      expect(producer.output).toContain('result {"accountId":"acme","total":600}');

      worker.child.kill('SIGTERM');
      const stopped = await worker.done;
      expect(stopped.code, stopped.output).toBe(0);
      expect(stopped.output).toMatch(/worker stopped .*deleted: 1/s);
    });
  });
});
