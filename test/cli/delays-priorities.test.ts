// `longhaul enqueue --delay | --at | --priority` and how `jobs show` reports them, in-process through
// runCli, on the embedded backend and on the emulator (with a delay scheduler and priority queues).
import { type Backend, Longhaul } from 'longhaul';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aws, type BackendFactory, memory, type TestBackend } from '../support/backends.js';
import { cli } from './helpers.js';

describe.each<BackendFactory>([memory, aws('cli delays and priorities')])(
  'delays and priorities in the CLI on the $name backend',
  (factory) => {
    let t: TestBackend;
    let backend: Backend;
    let longhaul: Longhaul;
    beforeEach(async () => {
      t = await factory.create({ delays: true, priorities: true });
      backend = t.backend;
      longhaul = new Longhaul({ backend });
    });
    afterEach(async () => {
      await t.dispose();
    });
    const run = (...argv: string[]) => cli(argv, { backend });

    it('schedules a job --delay 2h ahead, shows its run time, and cancels it', async () => {
      const before = Date.now();
      const out = await run('enqueue', 'math.add', '{"a":1,"b":2}', '--delay', '2h', '--json');
      expect(out.code).toBe(0);
      const { id, runAt } = out.json() as { id: string; runAt: string };
      const job = await longhaul.getJob(id);
      expect(job.status).toBe('scheduled');
      expect(Date.parse(runAt)).toBe(job.runAt);
      expect(job.runAt).toBeGreaterThanOrEqual(before + 2 * 3600 * 1000);
      expect(await t.fireDelayed(id)).toBeDefined();

      const human = await run('enqueue', 'math.add', '{"a":1,"b":2}', '--delay', '90');
      expect(human.stderr).toMatch(/scheduled to run at \d{4}-/);
      const shown = await run('status', human.stdout.trim());
      expect(shown.stdout).toMatch(/Status\s+scheduled/);
      expect(shown.stdout).toMatch(/Runs\s+at \d{4}-/);
      const cancelled = await run('cancel', human.stdout.trim());
      expect(cancelled.code).toBe(0);
      expect((await longhaul.getJob(human.stdout.trim())).status).toBe('cancelled');
    });

    it('schedules a job --at an ISO time', async () => {
      const at = '2031-06-01T09:30:00Z';
      const out = await run('enqueue', 'math.add', '{"a":1,"b":2}', '--at', at, '--json');
      expect(out.code).toBe(0);
      const job = await longhaul.getJob((out.json() as { id: string }).id);
      expect(job).toMatchObject({ status: 'scheduled', runAt: Date.parse(at) });
    });

    it('enqueues --priority high to the high queue, and shows it', async () => {
      const out = await run('enqueue', 'math.add', '{"a":1,"b":2}', '--priority', 'high');
      expect(out.code).toBe(0);
      const id = out.stdout.trim();
      expect((await longhaul.getJob(id)).priority).toBe('high');
      expect((await t.priorityQueues?.high.transport.depth())?.available).toBe(1);
      expect((await run('status', id)).stdout).toMatch(/Priority\s+high/);
    });

    it('exits 2 on a bad --delay, --at or --priority, or --delay with --at', async () => {
      for (const argv of [
        ['--delay', 'soon'],
        ['--delay', '1.5s'],
        ['--at', 'tomorrow'],
        ['--at', '2031-06-01T09:30:00'],
        ['--priority', 'urgent'],
        ['--delay', '60', '--at', '2031-06-01T09:30:00Z'],
      ]) {
        const out = await run('enqueue', 'math.add', '{"a":1,"b":2}', ...argv);
        expect(out.code, argv.join(' ')).toBe(2);
      }
      expect((await longhaul.list()).jobs).toHaveLength(0);
    });
  },
);
