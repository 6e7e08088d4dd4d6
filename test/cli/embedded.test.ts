// The commands meant for the embedded backend: `run`, and `dashboard --backend memory --worker --demo`.
import type { JobRecord } from 'longhaul';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/serve.js';
import { cli, startCli } from './helpers.js';

describe('longhaul run', () => {
  it('runs a job in-process and prints its final record, exit 0', async () => {
    const out = await cli(['run', 'math.add', '{"a":4,"b":5}']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Status    succeeded');
    expect(out.stdout).toContain('Attempts  1 of 2');
    expect(out.stdout).toMatch(/Result\n {2}\{\n {4}"sum": 9\n {2}\}/);
    expect(out.stdout).toContain('info  adding 4 and 5');
  });

  it('prints the record with --json', async () => {
    const out = await cli(['run', 'math.add', '{"a":4,"b":5}', '--json']);
    expect(out.json<JobRecord>()).toMatchObject({
      task: 'math.add',
      status: 'succeeded',
      attempts: 1,
      result: { sum: 9 },
      progress: { fraction: 0.5, message: 'adding' },
      logs: [{ level: 'info', message: 'adding 4 and 5' }],
    });
  });

  it('exits 1 when the job fails, printing its error with the stack', async () => {
    const out = await cli(['run', 'doomed', '{"reason":"closed account"}']);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('Status    failed');
    expect(out.stdout).toMatch(
      /Error\n {2}unrecoverable: doomed: closed account\n {2}at .*fixtures\/tasks\.ts/,
    );
    const json = await cli(['run', 'doomed', '{"reason":"closed account"}', '--json']);
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({ status: 'failed', error: { code: 'unrecoverable' } });
  });

  it('exits 2 on invalid JSON, an unknown task or arguments failing the schema', async () => {
    expect((await cli(['run', 'math.add', 'nope'])).code).toBe(2);
    expect((await cli(['run', 'math.mul', '{}'])).code).toBe(2);
    const invalid = await cli(['run', 'users.signup', '{"user":{"email":"a@example.com","age":"x"}}']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/ {2}user\.age: /);
  });

  it("runs the demo's tasks, needing no AWS configuration", async () => {
    const out = await cli([
      'run',
      'crawl.wordCount',
      '{"path":"rivers.txt"}',
      '--tasks',
      'examples/demo-tasks.ts',
      '--json',
    ]);
    expect(out.code).toBe(0);
    expect(out.json<JobRecord<unknown, { words: number }>>().result?.words).toBeGreaterThan(0);
  });
});

describe('longhaul dashboard on the embedded backend', () => {
  it("runs a worker with --worker and enqueues the module's sampleJobs with --demo", async () => {
    const interrupt = new AbortController();
    const serving = startCli(['dashboard', '--backend', 'memory', '--worker', '--demo', '--port', '0'], {
      signal: interrupt.signal,
    });
    try {
      const url = await eventually(
        async () => /Dashboard: (\S+)/.exec(serving.stdout())?.[1],
        20_000,
        'the URL',
      );
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      await eventually(
        async () => {
          const stats = (await (await fetch(`${url}api/stats`)).json()) as {
            counts: { byStatus: { succeeded: number } };
          };
          return stats.counts.byStatus.succeeded === 2;
        },
        20_000,
        'the sample jobs to succeed',
      );
    } finally {
      interrupt.abort();
    }
    expect((await serving.done).code).toBe(0);
  });

  it('serves the demo tasks and jobs as the README shows, every job ending as the demo intends', async () => {
    const interrupt = new AbortController();
    const serving = startCli(
      [
        'dashboard',
        '--backend',
        'memory',
        '--tasks',
        'examples/demo-tasks.ts',
        '--worker',
        '--demo',
        '--port',
        '0',
      ],
      { signal: interrupt.signal },
    );
    try {
      const url = await eventually(
        async () => /Dashboard: (\S+)/.exec(serving.stdout())?.[1],
        20_000,
        'the URL',
      );
      const final = await eventually(
        async () => {
          const stats = (await (await fetch(`${url}api/stats`)).json()) as {
            counts: { byStatus: Record<string, number> };
          };
          const { succeeded = 0, failed = 0 } = stats.counts.byStatus;
          return succeeded + failed === 8 ? stats.counts.byStatus : undefined;
        },
        60_000,
        'the demo jobs to finish',
      );
      // report.broken fails for good by design; the other seven succeed.
      expect(final).toMatchObject({ succeeded: 7, failed: 1 });
    } finally {
      interrupt.abort();
    }
    expect((await serving.done).code).toBe(0);
  }, 90_000);

  it('says the queue starts empty when the module has no sampleJobs', async () => {
    const interrupt = new AbortController();
    const serving = startCli(
      [
        'dashboard',
        '--backend',
        'memory',
        '--demo',
        '--port',
        '0',
        '--tasks',
        'test/cli/fixtures/plain-tasks.ts',
      ],
      { signal: interrupt.signal },
    );
    await eventually(async () => serving.stdout().includes('Dashboard: '), 20_000, 'the URL');
    interrupt.abort();
    const out = await serving.done;
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('exports no sampleJobs(longhaul); the queue starts empty');
    expect(out.stderr).toContain('add --worker');
  });

  it('refuses a non-loopback host without a token (exit 2)', async () => {
    const out = await cli(['dashboard', '--backend', 'memory', '--host', '0.0.0.0', '--port', '0']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('Refusing to serve the dashboard on "0.0.0.0" without a token');
  });
});

describe('longhaul worker on the embedded backend', () => {
  it('starts, warns that it sees no job from elsewhere, and stops on Ctrl-C (exit 0)', async () => {
    const interrupt = new AbortController();
    const running = startCli(['worker', '--backend', 'memory'], { signal: interrupt.signal });
    await eventually(async () => running.stderr().includes('worker starting'), 20_000, 'the worker to start');
    interrupt.abort();
    const out = await running.done;
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('sees no job from elsewhere');
    expect(out.stderr).toContain('"message":"worker stopped"');
  });
});
