// Every command of the CLI, in-process through runCli, on the embedded backend and on the emulator.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Backend, type JobRecord, Longhaul } from 'longhaul';
import { env, jobTable } from 'longhaul/aws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aws, type BackendFactory, memory, type TestBackend } from '../support/backends.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';
import { add, allTasks, chatty, doomed } from './fixtures/tasks.js';
import { cli, startCli } from './helpers.js';

describe.each<BackendFactory>([memory, aws('cli commands')])('the CLI on the $name backend', (factory) => {
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
  const finished = (id: string) => async () => {
    const job = await longhaul.getJob(id);
    return ['succeeded', 'failed', 'cancelled'].includes(job.status) && job;
  };
  /** Runs the jobs on a real worker until `id` is final. */
  const work = (id: string) => serveUntil(testWorker(backend, allTasks), finished(id));

  describe('enqueue', () => {
    it('validates the arguments, enqueues the job and prints its id', async () => {
      const out = await run('enqueue', 'math.add', '{"a":1,"b":2}');
      expect(out.code).toBe(0);
      const id = out.stdout.trim();
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const job = await longhaul.getJob(id);
      expect(job).toMatchObject({ task: 'math.add', status: 'queued', args: { a: 1, b: 2 } });
    });

    it('prints { id, task, created } with --json, and created: false for an existing --job-id', async () => {
      const first = await run('enqueue', 'math.add', '{"a":1,"b":2}', '--job-id', 'order-42', '--json');
      expect(first.code).toBe(0);
      expect(first.json()).toEqual({ id: 'order-42', task: 'math.add', created: true });
      const again = await run('enqueue', 'math.add', '{"a":1,"b":2}', '--job-id', 'order-42', '--json');
      expect(again.json()).toEqual({ id: 'order-42', task: 'math.add', created: false, matched: 'jobId' });
      const human = await run('enqueue', 'math.add', '{"a":1,"b":2}', '--job-id', 'order-42');
      expect(human.stdout.trim()).toBe('order-42');
      expect(human.stderr).toContain('already existed');
    });

    it('returns the job holding a unique --key instead of enqueueing another', async () => {
      const first = await run('enqueue', 'math.add', '{"a":1,"b":2}', '--key', 'invoice-7', '--json');
      expect(first.json()).toMatchObject({ task: 'math.add', created: true });
      const id = first.json().id as string;
      const again = await run('enqueue', 'math.add', '{"a":5,"b":5}', '--key', 'invoice-7', '--json');
      expect(again.json()).toEqual({ id, task: 'math.add', created: false, matched: 'key' });
      const human = await run(
        'enqueue',
        'math.add',
        '{"a":1,"b":2}',
        '--key',
        'invoice-7',
        '--key-window',
        '10m',
      );
      expect(human.stdout.trim()).toBe(id);
      expect(human.stderr).toContain('holds key "invoice-7"');
      expect(await longhaul.getJob(id)).toMatchObject({ key: 'invoice-7' });
      expect((await run('status', id)).stdout).toMatch(/Key\s+invoice-7/);
      const bad = await run('enqueue', 'math.add', '{"a":1,"b":2}', '--key-window', 'soon');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--key-window');
    });

    it('delays the first attempt with --delay', async () => {
      const out = await run('enqueue', 'math.add', '{"a":1,"b":2}', '--delay', '60', '--json');
      expect(out.code).toBe(0);
      const depth = await backend.transport.depth();
      expect(depth.delayed).toBe(1);
    });

    it('waits with --wait and prints the result, exit 0', async () => {
      const worker = testWorker(backend, allTasks).start();
      try {
        const out = await run('enqueue', 'math.add', '{"a":2,"b":3}', '--wait');
        expect(out.code).toBe(0);
        expect(JSON.parse(out.stdout)).toEqual({ sum: 5 });
        const json = await run('enqueue', 'math.add', '{"a":2,"b":3}', '--wait', '--json');
        expect(json.json()).toMatchObject({ task: 'math.add', status: 'succeeded', result: { sum: 5 } });
      } finally {
        await worker.stop();
      }
    });

    it('exits 1 with --wait when the job fails, printing its error', async () => {
      const worker = testWorker(backend, allTasks).start();
      try {
        const out = await run('enqueue', 'doomed', '{"reason":"no account"}', '--wait');
        expect(out.code).toBe(1);
        expect(out.stderr).toContain('failed');
        expect(out.stderr).toContain('unrecoverable: doomed: no account');
        const json = await run('enqueue', 'doomed', '{"reason":"no account"}', '--wait', '--json');
        expect(json.code).toBe(1);
        expect(json.json()).toMatchObject({ status: 'failed', error: { code: 'unrecoverable' } });
      } finally {
        await worker.stop();
      }
    });

    it('exits 2 on invalid JSON, an unknown task, or arguments failing the schema (with their paths)', async () => {
      const badJson = await run('enqueue', 'math.add', '{a:1}');
      expect(badJson.code).toBe(2);
      expect(badJson.stderr).toContain('not valid JSON');

      const unknown = await run('enqueue', 'math.sub', '{}');
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('Unknown task "math.sub"');
      expect(unknown.stderr).toContain('math.add');

      const invalid = await run('enqueue', 'users.signup', '{"user":{"email":"nope","age":3}}');
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toContain('failed validation');
      expect(invalid.stderr).toMatch(/user\.email: /);
      expect(invalid.stderr).toMatch(/user\.age: /);

      const json = await run('enqueue', 'users.signup', '{"user":{}}', '--json');
      expect(json.code).toBe(2);
      const { error } = JSON.parse(json.stderr) as { error: { code: string; issues: { path: string[] }[] } };
      expect(error.code).toBe('invalid_args');
      expect(error.issues.map((i) => i.path.join('.'))).toEqual(['user.email', 'user.age']);

      expect((await longhaul.list()).jobs).toHaveLength(0);
    });

    it("exits 2 on a --job-id reserved for internal items, or one that is another task's job", async () => {
      const reserved = await run('enqueue', 'math.add', '{"a":1,"b":2}', '--job-id', '#limit#math.add');
      expect(reserved.code).toBe(2);
      expect(reserved.stderr).toContain('must not begin with "#"');

      expect((await run('enqueue', 'math.add', '{"a":1,"b":2}', '--job-id', 'mine')).code).toBe(0);
      const other = await run(
        'enqueue',
        'users.signup',
        '{"user":{"email":"ada@example.com","age":30}}',
        '--job-id',
        'mine',
      );
      expect(other.code).toBe(1);
      expect(other.stderr).toContain('a job of task "math.add"');
    });
  });

  describe('status', () => {
    it('shows a finished job: status, attempts, progress, timing, history, result and logs', async () => {
      const { id } = await longhaul.enqueue(add, { a: 1, b: 2 });
      await work(id);
      const out = await run('status', id);
      expect(out.code).toBe(0);
      expect(out.stdout).toContain(`Job       ${id}`);
      expect(out.stdout).toContain('Status    succeeded');
      expect(out.stdout).toContain('Attempts  1 of 2');
      expect(out.stdout).toMatch(/Progress {2}\[#+-*\] +50% adding/);
      expect(out.stdout).toMatch(/Finished {2}\S+ \(ran \S+, total \S+\)/);
      // The worker's default retention for a succeeded job.
      expect(out.stdout).toMatch(/Expires {3}\S+ \(in (6d 23h|7d)/);
      expect(out.stdout).toMatch(/History\n.*queued.*\n.*running.*\n.*succeeded/);
      expect(out.stdout).toContain('"sum": 3');
      expect(out.stdout).toContain('info  adding 1 and 2');
      expect(out.stdout).not.toContain('\u001b[');
    });

    it('shows a failed job with its error and stack', async () => {
      const { id } = await longhaul.enqueue(doomed, { reason: 'gone' });
      await work(id);
      const out = await run('status', id);
      expect(out.stdout).toContain('Status    failed (dead-lettered)');
      expect(out.stdout).toMatch(/Error\n {2}unrecoverable: doomed: gone\n {2}at /);
    });

    it('shows how often a stopping worker interrupted the job beside its attempts', async () => {
      const { id } = await longhaul.enqueue(add, { a: 1, b: 2 });
      const queued = await longhaul.getJob(id);
      const id2 = `${id}-interrupted`;
      await backend.store.create({ ...queued, id: id2, attempts: 1, interruptions: 2, status: 'succeeded' });
      expect((await run('status', id2)).stdout).toContain('Attempts  1 of 2 (2 interrupted)');
      expect((await run('status', id)).stdout).not.toContain('interrupted');
    });

    it('prints the record with --json', async () => {
      const { id } = await longhaul.enqueue(add, { a: 1, b: 2 });
      const out = await run('status', id, '--json');
      expect(out.json<JobRecord>()).toEqual(await longhaul.getJob(id));
    });

    it('exits 3 for an unknown job id', async () => {
      const out = await run('status', 'no-such-job');
      expect(out.code).toBe(3);
      expect(out.stderr).toContain('No job with id "no-such-job"');
      const json = await run('status', 'no-such-job', '--json');
      expect(json.code).toBe(3);
      expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'job_not_found' } });
    });
  });

  describe('ls', () => {
    it('lists jobs newest first, filters, and pages with the cursor it prints', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push((await longhaul.enqueue(add, { a: i, b: i }, { jobId: `job-${i}` })).id);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await longhaul.enqueue(doomed, { reason: 'x' }, { jobId: 'job-doomed' });
      const all = await run('ls', '--task', 'math.add');
      expect(all.code).toBe(0);
      const lines = all.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^ID\s+TASK\s+STATUS\s+ATTEMPTS\s+PROGRESS\s+ENQUEUED\s+RAN\s+ERROR$/);
      expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(['job-2', 'job-1', 'job-0']);
      expect(lines[1]).toMatch(/job-2\s+math\.add\s+queued\s+0\/2\s+\S+ ago/);

      const byStatus = await run('ls', '--status', 'queued', '--json');
      expect(byStatus.json<{ jobs: JobRecord[] }>().jobs).toHaveLength(4);

      const pages: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 10; i++) {
        const page = await run(
          'ls',
          '--task',
          'math.add',
          '--limit',
          '1',
          ...(cursor ? ['--cursor', cursor] : []),
          '--json',
        );
        const body = page.json<{ jobs: JobRecord[]; nextCursor?: string }>();
        pages.push(...body.jobs.map((job) => job.id));
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      expect(pages).toEqual(['job-2', 'job-1', 'job-0']);
      const human = await run('ls', '--task', 'math.add', '--limit', '1');
      expect(human.stdout).toMatch(/Next page: --cursor \S+/);
    });

    it('says so when nothing matches, and refuses a bad --status or --limit (exit 2)', async () => {
      expect((await run('ls')).stdout).toContain('No jobs.');
      const status = await run('ls', '--status', 'done');
      expect(status.code).toBe(2);
      expect(status.stderr).toContain('Expected one of scheduled, queued, running');
      expect((await run('ls', '--limit', '5000')).code).toBe(2);
    });

    it('prints an empty page that reached the read bound with the cursor of the next one', async () => {
      const now = Date.now();
      // One queued job older than more finished ones than one listing call reads.
      const record = (id: string, status: 'queued' | 'succeeded', enqueuedAt: number): JobRecord => ({
        id,
        task: 'math.add',
        status,
        args: { a: 1, b: 1 },
        attempts: 0,
        maxAttempts: 2,
        enqueuedAt,
        logs: [],
        history: [],
      });
      await backend.store.create(record('waiting', 'queued', now - 1_000_000));
      for (let i = 0; i < 210; i += 10) {
        await Promise.all(
          Array.from({ length: 10 }, (_, j) =>
            backend.store.create(record(`done-${i + j}`, 'succeeded', now - i - j)),
          ),
        );
      }
      const first = await run('ls', '--status', 'queued');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('No jobs on this page.');
      const cursor = /Next page: --cursor (\S+)/.exec(first.stdout)?.[1] as string;
      const second = await run('ls', '--status', 'queued', '--cursor', cursor);
      expect(second.stdout).toMatch(/^waiting\s+math\.add\s+queued/m);
      expect(second.stdout).not.toContain('Next page');
    });
  });

  describe('logs', () => {
    it("prints a job's log lines, as JSON lines with --json", async () => {
      const { id } = await longhaul.enqueue(chatty, { lines: 3, ms: 0 });
      await work(id);
      const out = await run('logs', id);
      expect(out.code).toBe(0);
      expect(
        out.stdout
          .trim()
          .split('\n')
          .map((line) => line.replace(/^\S+ /, '')),
      ).toEqual(['info  line 1 of 3', 'info  line 2 of 3', 'info  line 3 of 3']);
      const json = await run('logs', id, '--json');
      const lines = json.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.map((line) => line.message)).toEqual(['line 1 of 3', 'line 2 of 3', 'line 3 of 3']);
      expect(lines[0]).toHaveProperty('at');
      expect((await run('logs', 'nope')).code).toBe(3);
    });

    it('follows the lines with --follow until the job is final', async () => {
      const { id } = await longhaul.enqueue(chatty, { lines: 4, ms: 300 });
      const following = run('logs', id, '--follow');
      await work(id);
      const out = await following;
      expect(out.code).toBe(0);
      expect(out.stdout.match(/line \d of 4/g)).toEqual([
        'line 1 of 4',
        'line 2 of 4',
        'line 3 of 4',
        'line 4 of 4',
      ]);
      expect(out.stderr).toContain(`job ${id} succeeded`);
    });

    it('stops following on Ctrl-C with exit 130', async () => {
      const { id } = await longhaul.enqueue(chatty, { lines: 1, ms: 0 });
      const interrupt = new AbortController();
      const following = cli(['logs', id, '--follow'], { backend, signal: interrupt.signal });
      interrupt.abort();
      expect((await following).code).toBe(130);
    });
  });

  describe('cancel and retry', () => {
    it('cancels a queued job, refuses to cancel it again (exit 1), and retries it', async () => {
      const { id } = await longhaul.enqueue(add, { a: 1, b: 1 });
      const cancelled = await run('cancel', id);
      expect(cancelled.code).toBe(0);
      expect(cancelled.stdout).toContain(`Cancelled job ${id}`);
      expect((await longhaul.getJob(id)).status).toBe('cancelled');

      const again = await run('cancel', id, '--json');
      expect(again.code).toBe(1);
      expect(JSON.parse(again.stderr)).toMatchObject({ error: { code: 'job_conflict' } });

      const retried = await run('retry', id, '--json');
      expect(retried.code).toBe(0);
      expect(retried.json()).toMatchObject({ id, status: 'queued' });
      await work(id);
      expect((await longhaul.getJob(id)).status).toBe('succeeded');

      expect((await run('retry', 'nope')).code).toBe(3);
      expect((await run('cancel', 'nope')).code).toBe(3);
    });
  });

  describe('cancel a running job', () => {
    it('requests the cancel, and with --wait waits until the worker has stopped the job', async () => {
      const { id } = await longhaul.enqueue(chatty, { lines: 50, ms: 1_000 });
      const worker = testWorker(backend, allTasks).start();
      try {
        await eventually(async () => (await longhaul.getJob(id)).status === 'running');
        const requested = await run('cancel', id);
        expect(requested.code).toBe(0);
        expect(requested.stdout).toContain(`Cancel requested for running job ${id}`);

        const waited = await run('cancel', id, '--wait', '--json');
        expect(waited.code).toBe(0);
        expect(waited.json()).toMatchObject({ id, status: 'cancelled', error: { code: 'cancelled' } });
      } finally {
        await worker.stop();
      }
      expect(await backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
    });
  });

  describe('dlq', () => {
    it('lists dead letters and redrives one job by id', async () => {
      const first = await longhaul.enqueue(doomed, { reason: 'one' }, { jobId: 'dead-1' });
      const second = await longhaul.enqueue(doomed, { reason: 'two' }, { jobId: 'dead-2' });
      await serveUntil(testWorker(backend, allTasks), async () => {
        const a = await finished(first.id)();
        const b = await finished(second.id)();
        return a && b;
      });

      const list = await run('dlq', 'ls');
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/^JOB ID\s+TASK\s+CODE\s+MESSAGE\s+AGE$/m);
      expect(list.stdout).toMatch(/dead-1\s+doomed\s+unrecoverable\s+doomed: one\s+\S+ ago/);
      expect(list.stdout).toMatch(/dead-2\s+doomed\s+unrecoverable\s+doomed: two/);
      const json = await run('dlq', 'ls', '--json');
      expect(
        json
          .json<Array<{ jobId: string; code: string }>>()
          .map((l) => [l.jobId, l.code])
          .sort(),
      ).toEqual([
        ['dead-1', 'unrecoverable'],
        ['dead-2', 'unrecoverable'],
      ]);

      const redrive = await run('dlq', 'redrive', '--job-id', 'dead-1');
      expect(redrive.code).toBe(0);
      expect(redrive.stdout).toContain('Redrove 1 job: dead-1; 1 dead letter left.');
      expect((await longhaul.getJob('dead-1')).status).toBe('queued');
      expect((await longhaul.getJob('dead-2')).status).toBe('failed');

      const rest = await run('dlq', 'redrive', '--task', 'doomed', '--json');
      expect(rest.json()).toEqual({ redriven: ['dead-2'], left: 0 });
      expect((await run('dlq', 'ls')).stdout).toContain('The dead-letter queue is empty.');
    });
  });

  describe('purge', () => {
    it('counts with --dry-run, deletes finished jobs, and keeps the others', async () => {
      const done = await longhaul.enqueue(add, { a: 1, b: 1 }, { jobId: 'done-1' });
      await work(done.id);
      await longhaul.enqueue(add, { a: 1, b: 1 }, { jobId: 'waiting-1' });
      await new Promise((resolve) => setTimeout(resolve, 20));

      const dry = await run('purge', '--status', 'succeeded', '--older-than', '1ms', '--dry-run');
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/^Would delete 1 succeeded job enqueued before \S+\.$/m);
      expect(
        (await run('purge', '--status', 'succeeded', '--older-than', '1ms', '--dry-run', '--json')).json(),
      ).toMatchObject({
        wouldDelete: 1,
      });
      expect(
        (await run('purge', '--status', 'succeeded', '--older-than', '7d', '--dry-run', '--json')).json(),
      ).toMatchObject({
        wouldDelete: 0,
      });

      const purged = await run('purge', '--status', 'succeeded', '--older-than', '1ms', '--task', 'math.add');
      expect(purged.code).toBe(0);
      expect(purged.stdout).toMatch(/^Deleted 1 succeeded math\.add job enqueued before/m);
      expect((await run('status', 'done-1')).code).toBe(3);
      expect((await run('status', 'waiting-1')).code).toBe(0);
    });

    it('refuses statuses that are not final and bad durations (exit 2)', async () => {
      const running = await run('purge', '--status', 'queued', '--older-than', '7d');
      expect(running.code).toBe(2);
      expect(running.stderr).toContain('Refusing to purge queued jobs');
      const badDuration = await run('purge', '--status', 'failed', '--older-than', 'a week');
      expect(badDuration.code).toBe(2);
      expect(badDuration.stderr).toContain('--older-than');
      expect((await run('purge', '--older-than', '7d')).code).toBe(2);
    });
  });

  describe('stats', () => {
    it('shows counts by status and task, queue depth, dead letters and the oldest queued job', async () => {
      const done = await longhaul.enqueue(add, { a: 1, b: 1 });
      const dead = await longhaul.enqueue(doomed, { reason: 'x' });
      await serveUntil(
        testWorker(backend, allTasks),
        async () => (await finished(done.id)()) && finished(dead.id)(),
      );
      const waiting = await longhaul.enqueue(add, { a: 2, b: 2 }, { jobId: 'oldest-waiting' });

      const out = await run('stats');
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(
        /Jobs by status\nSCHEDULED\s+QUEUED\s+RUNNING\s+RETRYING\s+SUCCEEDED\s+FAILED\s+CANCELLED\s+TOTAL\n0\s+1\s+0\s+0\s+1\s+1\s+0\s+3/,
      );
      expect(out.stdout).toMatch(/^doomed\s+0\s+0\s+0\s+0\s+0\s+1\s+0$/m);
      expect(out.stdout).toMatch(/^math\.add\s+0\s+1\s+0\s+0\s+1\s+0\s+0$/m);
      // A stopped worker's abandoned long poll may still take the message on SQS's side: in flight.
      const queue = /Queue\s+(\d+) available, (\d+) in flight, 0 delayed/.exec(out.stdout);
      expect(Number(queue?.[1]) + Number(queue?.[2])).toBe(1);
      expect(out.stdout).toMatch(/Dead-letter queue\s+1 message\n/);
      expect(out.stdout).toContain(`Oldest queued      ${waiting.id}, enqueued`);

      const json = await run('stats', '--json');
      expect(json.json()).toMatchObject({
        counts: { byStatus: { queued: 1, succeeded: 1, failed: 1 }, byTask: { doomed: { failed: 1 } } },
        depth: { delayed: 0, deadLettered: 1 },
        oldestQueued: { id: 'oldest-waiting' },
      });
    });
  });

  describe('stats --rebuild', () => {
    it('recounts the jobs from their records, then shows the stats with the new counts', async () => {
      await longhaul.enqueue(add, { a: 1, b: 1 });
      await longhaul.enqueue(add, { a: 2, b: 2 });
      if (factory.name === 'aws') {
        // Counters that drifted from the records (on memory the counts are always exact).
        await DynamoDBDocumentClient.from(new DynamoDBClient({})).send(
          new PutCommand({
            TableName: t.environment[env.tableName] as string,
            Item: { [jobTable.partitionKey]: '#counts', 'n:queued': 9, 't:queued:math.add': 9 },
          }),
        );
        expect((await run('stats', '--json')).json()).toMatchObject({ counts: { byStatus: { queued: 9 } } });
      }

      const out = await run('stats', '--rebuild');
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/^Counts rebuilt from the job records\.$/m);
      expect(out.stdout).toMatch(/^math\.add\s+0\s+2\s+0\s+0\s+0\s+0\s+0$/m);
      const json = await run('stats', '--json');
      expect(json.json()).toMatchObject({
        counts: { byStatus: { queued: 2 }, byTask: { 'math.add': { queued: 2 } } },
      });
      const rebuilt = await run('stats', '--rebuild', '--json');
      expect(rebuilt.code).toBe(0);
      expect(rebuilt.json()).toMatchObject({ counts: { byStatus: { queued: 2 } } });
    });
  });

  describe('migrate-indexes', () => {
    it('moves job items of the earlier index layout to the current one on DynamoDB, and refuses elsewhere', async () => {
      const { id } = await longhaul.enqueue(add, { a: 1, b: 1 });
      if (factory.name !== 'aws') {
        const out = await run('migrate-indexes');
        expect(out.code).toBe(2);
        expect(out.stderr).toContain('Only a DynamoDB job table has indexes to migrate.');
        return;
      }
      // A job as the earlier release stored it: failed, with the legacy status and task shards.
      const job = await longhaul.getJob(id);
      await DynamoDBDocumentClient.from(new DynamoDBClient({})).send(
        new PutCommand({
          TableName: t.environment[env.tableName] as string,
          Item: { ...job, status: 'failed', statusShard: 'failed#03', taskShard: 'math.add#03' },
        }),
      );
      const out = await run('migrate-indexes', '--json');
      expect(out.code).toBe(0);
      expect(out.json()).toEqual({ scanned: 1, updated: 1, changedMeanwhile: 0 });
      expect((await longhaul.list({ status: 'failed' })).jobs.map((j) => j.id)).toEqual([id]);
      const again = await run('migrate-indexes');
      expect(again.stdout.trim()).toBe('Scanned 1 jobs, updated 0, 0 changed meanwhile.');
    });
  });

  describe('worker', () => {
    it('runs jobs until interrupted, then stops gracefully (exit 0) with JSON log lines', async () => {
      const interrupt = new AbortController();
      const worker = cli(['worker', '--concurrency', '2'], {
        backend,
        signal: interrupt.signal,
        env: { LONGHAUL_WAIT_TIME_SECONDS: '1', LONGHAUL_WORKER_ID: 'cli-test-worker' },
      });
      const { id } = await longhaul.enqueue(add, { a: 20, b: 22 });
      const job = await eventually(finished(id), 30_000, 'the job to finish');
      interrupt.abort();
      const out = await worker;
      expect(out.code).toBe(0);
      expect(job).toMatchObject({ status: 'succeeded', result: { sum: 42 }, workerId: 'cli-test-worker' });
      const lines = out.stderr
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines[0]).toMatchObject({
        level: 'info',
        message: 'worker starting',
        workerId: 'cli-test-worker',
        concurrency: 2,
        tasks: ['math.add', 'doomed', 'chatty', 'users.signup'],
      });
      expect(lines.at(-1)).toMatchObject({ level: 'info', message: 'worker stopped', deleted: 1 });
    });
  });

  describe('dashboard', () => {
    it('serves the dashboard on the backend until interrupted (exit 0)', async () => {
      await longhaul.enqueue(add, { a: 1, b: 2 }, { jobId: 'shown-on-dashboard' });
      const interrupt = new AbortController();
      const serving = startCli(['dashboard', '--port', '0'], { backend, signal: interrupt.signal });
      try {
        const url = await eventually(
          async () => /Dashboard: (\S+)/.exec(serving.stdout())?.[1],
          20_000,
          'the dashboard URL',
        );
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
        const response = await fetch(`${url}api/stats`);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ counts: { byStatus: { queued: 1 } } });
      } finally {
        interrupt.abort();
      }
      expect((await serving.done).code).toBe(0);
    });
  });
});
