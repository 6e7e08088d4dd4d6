// End to end: `npm run demo` as a user runs it, as a child process whose output is not a terminal (so it
// prints one line per change rather than redrawing a table). The demo exits 1 unless every job ended as
// intended, so exit code 0 plus its key lines is the check.
//
// The --local run uses AWS_ENDPOINT_URL from the environment (the emulator global setup sets it); without
// it the demo starts moto itself and stops it afterwards.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const runTimeoutMs = 110_000;

interface DemoRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `npm run demo -- ...args` in its own process group, interrupting it (then killing it) if it hangs. */
function runDemo(args: readonly string[]): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'demo', ...(args.length ? ['--', ...args] : [])], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    // SIGINT first: the demo then stops its workers and deletes what it created.
    const interrupt = setTimeout(() => signalGroup('SIGINT'), runTimeoutMs);
    const kill = setTimeout(() => signalGroup('SIGKILL'), runTimeoutMs + 8_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(interrupt);
      clearTimeout(kill);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function expectCompleteRun(run: DemoRun): void {
  const output = `--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
  expect(run.code, output).toBe(0);
  const { stdout } = run;
  // Not a terminal: plain lines, no escape codes, and live progress lines along the way.
  expect(stdout.includes('\x1b['), 'ANSI escape codes in non-TTY output').toBe(false);
  expect(stdout).toMatch(/portfolio\.analyze .* running .*pricing [A-Z]+/);
  // 12 enqueued jobs plus the runs of the dashboard refresh schedule (2 or more, by the clock).
  const total = Number(/All (\d+) jobs final after [\d.]+ s/.exec(stdout)?.[1]);
  expect(total).toBeGreaterThanOrEqual(14);
  expect(stdout).toMatch(/Schedule: dashboard\.refresh rate\(1 minute\), on a clock running 20x fast/);
  expect(stdout).toMatch(/dashboard\.refresh \(scheduled \d\d:\d\d\) .*succeeded/);
  const runs =
    stdout.match(/^ {2}dashboard\.refresh@\d{4}-\d\d-\d\dT\d\d:\d\d:00Z +\d+ active users$/gm) ?? [];
  expect(runs).toHaveLength(total - 12);
  expect(stdout).toContain(`Requests: ${backendOf(stdout)}, ${total} jobs`);
  expect(stdout).toContain(`Demo OK: ${total - 1} jobs succeeded`);
  expect(stdout).toContain('Results');
  expect(stdout).toMatch(/Word counts: 8 documents, [\d,]+ words in all/);
  expect(stdout).toMatch(/top words across docs: [a-z]+ \d+/);
  expect(stdout).toMatch(/growth-fund +12 positions +value \$[\d,]+ +volatility [\d.]+%/);
  expect(stdout).toContain('Retry: report.flaky succeeded on attempt 2 of 3');
  expect(stdout).toContain('history: queued → running → retrying → running → succeeded');
  expect(stdout).toContain('attempt 1 failed: upstream timed out');
  expect(stdout).toContain('Dead letter: report.broken failed after 2 of 2 attempts');
  expect(stdout).toContain('dead-letter queue: 1 message; job marked deadLettered: true');
  expect(stdout).toMatch(/SQS requests per job: \d+\.\d/);
  expect(stdout).toMatch(/DynamoDB writes per job: \d+\.\d/);
  expect(stdout).toMatch(/demo-worker-1: received \d+/);
}

function backendOf(stdout: string): string {
  return stdout.includes('Backend: embedded backend') ? 'embedded backend' : 'AWS backend';
}

describe('npm run demo', () => {
  it('runs every demo job to its intended end on the embedded backend', async () => {
    const run = await runDemo([]);
    expectCompleteRun(run);
    expect(run.stdout).toContain('Backend: embedded backend');
  }, 120_000);

  it('runs every demo job to its intended end on the AWS backend against the emulator (--local)', async () => {
    const run = await runDemo(['--local']);
    expectCompleteRun(run);
    expect(run.stdout).toMatch(
      /Backend: AWS backend on http:\/\/\S+ \(queue and table longhaul-demo-[0-9a-f]{8}-jobs\)/,
    );
  }, 120_000);
});
