// Configuration (flags, environment, config file), the embedded backend's limits, and the error paths
// that never reach a job: usage errors, bad config, an unreachable or unconfigured backend.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Longhaul } from 'longhaul';
import { awsBackend } from 'longhaul/aws';
import { memoryBackend } from 'longhaul/memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useJobResources } from '../support/backends.js';
import { add } from './fixtures/tasks.js';
import { cli, emulatorEnv, fixtureTasks, noTasksModule } from './helpers.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 9;
}

const sharedCommands: string[][] = [
  ['enqueue', 'math.add', '{"a":1,"b":2}'],
  ['status', 'some-id'],
  ['ls'],
  ['logs', 'some-id'],
  ['cancel', 'some-id'],
  ['retry', 'some-id'],
  ['dlq', 'ls'],
  ['dlq', 'redrive'],
  ['purge', '--status', 'failed', '--older-than', '7d'],
  ['stats'],
];

describe('the embedded backend', () => {
  it.each(sharedCommands)('refuses `%s` with exit 2, explaining why', async (...argv) => {
    const out = await cli([...argv, '--backend', 'memory']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(
      'cannot use the embedded backend (--backend memory): it lives inside one process',
    );
    expect(out.stderr).toContain('hint: Use `longhaul run TASK ARGS`');
  });

  it('is chosen by LONGHAUL_BACKEND and by the config file too', async () => {
    expect((await cli(['stats'], { env: { LONGHAUL_BACKEND: 'memory' } })).code).toBe(2);
    const dir = await mkdtemp(join(tmpdir(), 'longhaul-cli-'));
    try {
      await writeFile(join(dir, 'longhaul.config.json'), JSON.stringify({ backend: 'memory' }));
      const out = await cli(['stats'], { cwd: dir });
      expect(out.code).toBe(2);
      expect(out.stderr).toContain('embedded backend');
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('usage errors', () => {
  it('exits 2 on an unknown command, an unknown flag, a missing argument or no command', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const flag = await cli(['ls', '--colour']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--colour'");
    expect((await cli(['status'])).code).toBe(2);
    expect((await cli([])).code).toBe(2);
    expect((await cli(['enqueue', 'math.add', '{}', '--delay', 'soon'])).code).toBe(2);
  });

  it('exits 0 for --help, which lists the exit codes', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: longhaul');
    expect(help.stdout).toContain('4 backend unreachable or not configured');
    expect((await cli(['dlq', 'redrive', '--help'])).stdout).toContain('--job-id <id>');
  });
});

describe('the tasks module', () => {
  const backend = memoryBackend();

  it('is required to enqueue, with a hint naming the flag and the variable', async () => {
    const out = await cli(['enqueue', 'math.add', '{}'], { backend, env: { LONGHAUL_TASKS: undefined } });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("needs the tasks module to validate the job's arguments");
    expect(out.stderr).toContain('pass --tasks, set LONGHAUL_TASKS');
  });

  it('exits 2 for a missing file or a module that exports no task', async () => {
    const missing = await cli(['enqueue', 'math.add', '{}', '--tasks', './nope/tasks.ts'], { backend });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/The tasks module \S+nope\/tasks\.ts does not exist/);
    const empty = await cli(['enqueue', 'math.add', '{}', '--tasks', noTasksModule], { backend });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('exports no tasks');
  });

  it("collects the demo's tasks from its exports (demoTasks and each task)", async () => {
    const out = await cli(
      ['enqueue', 'crawl.wordCount', '{"path":"../../etc/passwd"}', '--tasks', 'examples/demo-tasks.ts'],
      {
        backend,
      },
    );
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/path: expected a file name/);
    const unknown = await cli(['enqueue', 'nope', '{}', '--tasks', 'examples/demo-tasks.ts'], { backend });
    expect(unknown.stderr).toContain('crawl.wordCount, portfolio.analyze, report.flaky, report.broken');
    const ok = await cli(
      ['enqueue', 'crawl.wordCount', '{"path":"rivers.txt"}', '--tasks', 'examples/demo-tasks.ts'],
      {
        backend,
      },
    );
    expect(ok.code).toBe(0);
  });
});

describe('colour', () => {
  it('paints statuses on a terminal, unless NO_COLOR is set', async () => {
    const backend = memoryBackend();
    const { id } = await new Longhaul({ backend }).enqueue(add, { a: 1, b: 1 });
    const { runCli } = await import('../../src/cli/main.js');
    const { capture } = await import('./helpers.js');
    const tty = capture(true);
    await runCli(['status', id], { stdout: tty, stderr: capture(), env: {}, cwd: '.', backend });
    expect(tty.text()).toContain('\u001b[1m');
    const noColor = capture(true);
    await runCli(['status', id], {
      stdout: noColor,
      stderr: capture(),
      env: { NO_COLOR: '1' },
      cwd: '.',
      backend,
    });
    expect(noColor.text()).not.toContain('\u001b[');
  });
});

describe('the AWS backend', () => {
  it('exits 4 when the queue and table are not configured, saying how to set each', async () => {
    const out = await cli(['stats']);
    expect(out.code).toBe(4);
    expect(out.stderr).toContain('missing the queue URL, dead-letter queue URL, table name');
    expect(out.stderr).toContain(
      'pass --queue-url, set LONGHAUL_QUEUE_URL, or add "queueUrl" to longhaul.config.json',
    );
    expect(out.stderr).toContain('pass --table, set LONGHAUL_TABLE_NAME');
  });

  it('exits 4 when the endpoint is unreachable, suggesting to start the emulator', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const out = await cli(
      [
        'status',
        'some-id',
        '--queue-url',
        `${endpoint}/000000000000/q`,
        '--dlq-url',
        `${endpoint}/000000000000/d`,
        '--table',
        't',
        '--endpoint',
        endpoint,
      ],
      { env: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } },
    );
    expect(out.code).toBe(4);
    expect(out.stderr).toContain(`Cannot reach ${endpoint}: ECONNREFUSED`);
    expect(out.stderr).toContain('`npm run emulator start`');
    const json = await cli(
      [
        'stats',
        '--json',
        '--endpoint',
        endpoint,
        '--queue-url',
        `${endpoint}/0/q`,
        '--dlq-url',
        `${endpoint}/0/d`,
        '--table',
        't',
      ],
      {
        env: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
      },
    );
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'backend_unreachable' } });
  });

  describe('on the emulator', () => {
    const scope = useJobResources('cli config');
    let dir: string;
    let id: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'longhaul-cli-'));
      const longhaul = new Longhaul({ backend: awsBackend({ ...scope.resources, ...scope.clients }) });
      ({ id } = await longhaul.enqueue(add, { a: 1, b: 2 }));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true });
    });

    it('reads the queue and table from the environment', async () => {
      const out = await cli(['status', id, '--json'], { env: { ...emulatorEnv(), ...scope.environment } });
      expect(out.code).toBe(0);
      expect(out.json()).toMatchObject({ id, status: 'queued' });
    });

    it('reads them from longhaul.config.json, with tasks relative to the file; env and flags take precedence', async () => {
      const { queueUrl, deadLetterQueueUrl, tableName } = scope.resources;
      const config = {
        queueUrl,
        deadLetterQueueUrl,
        tableName,
        endpoint: process.env.AWS_ENDPOINT_URL,
        region: process.env.AWS_REGION ?? 'us-east-1',
        tasks: relative(dir, fixtureTasks),
      };
      await writeFile(join(dir, 'longhaul.config.json'), JSON.stringify(config));
      const creds = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', LONGHAUL_TASKS: undefined };
      const fromFile = await cli(['enqueue', 'math.add', '{"a":2,"b":2}', '--json'], {
        cwd: dir,
        env: creds,
      });
      expect(fromFile.code).toBe(0);
      const status = await cli(['status', fromFile.json<{ id: string }>().id, '--json'], {
        cwd: dir,
        env: creds,
      });
      expect(status.json()).toMatchObject({ status: 'queued', args: { a: 2, b: 2 } });

      // The environment beats the file: a wrong table name from LONGHAUL_TABLE_NAME is used, and fails.
      const env = { ...creds, LONGHAUL_TABLE_NAME: 'no-such-table' };
      const fromEnv = await cli(['status', id], { cwd: dir, env });
      expect(fromEnv.code).toBe(4);
      expect(fromEnv.stderr).toContain('The job table does not exist');
      // A flag beats the environment.
      const fromFlag = await cli(['status', id, '--table', tableName], { cwd: dir, env });
      expect(fromFlag.code).toBe(0);
    });

    it('reads --config FILE', async () => {
      const file = join(dir, 'other.json');
      await writeFile(
        file,
        JSON.stringify({ ...scope.resources, endpoint: process.env.AWS_ENDPOINT_URL, region: 'us-east-1' }),
      );
      const out = await cli(['status', id, '--config', file], {
        env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
      });
      expect(out.code).toBe(0);
      expect(out.stdout).toContain('Status    queued');
    });
  });
});

describe('the config file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'longhaul-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true });
  });

  const withConfig = async (text: string) => {
    await writeFile(join(dir, 'longhaul.config.json'), text);
    return cli(['stats'], { cwd: dir });
  };

  it('must be a JSON object', async () => {
    const out = await withConfig('{ "queueUrl": ');
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/The config file \S+longhaul\.config\.json is not valid JSON/);
    expect((await withConfig('[]')).stderr).toContain('must hold a JSON object');
  });

  it('names each unknown or invalid field', async () => {
    const out = await withConfig(JSON.stringify({ queue: 'x', tableName: 42, region: '' }));
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('unknown field "queue" (expected backend, queueUrl, deadLetterQueueUrl');
    expect(out.stderr).toContain('"tableName" must be a non-empty string, got 42');
    expect(out.stderr).toContain('"region" must be a non-empty string, got ""');
  });

  it('must name a known backend', async () => {
    const out = await withConfig(JSON.stringify({ backend: 'gcp' }));
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('Expected "backend" in');
    expect(out.stderr).toContain('to be aws or memory, got "gcp"');
  });

  it('must exist when named with --config', async () => {
    const out = await cli(['stats', '--config', join(dir, 'missing.json')]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('Cannot read the config file');
  });
});
