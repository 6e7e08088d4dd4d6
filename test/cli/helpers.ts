// Runs the CLI in-process with captured output, and as a real process.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Backend } from 'longhaul';
import { type CliIo, type CliStream, runCli } from '../../src/cli/main.js';

export const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
export const fixtureTasks = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
export const noTasksModule = fileURLToPath(new URL('./fixtures/no-tasks.ts', import.meta.url));

/** A stream that keeps what is written to it. */
export function capture(isTTY = false): CliStream & { text(): string } {
  let text = '';
  return {
    isTTY,
    write(chunk: string) {
      text += chunk;
      return true;
    },
    text: () => text,
  };
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON. */
  json<T = Record<string, unknown>>(): T;
}

export interface CliOptions {
  readonly backend?: Backend;
  /** The environment; LONGHAUL_TASKS defaults to the fixture module. Nothing of process.env leaks in. */
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  readonly signal?: AbortSignal;
}

/** A CLI run still going: its output so far, and its end. */
export interface RunningCli {
  stdout(): string;
  stderr(): string;
  readonly done: Promise<CliRun>;
}

/** Runs `longhaul ...argv` in this process. */
export function cli(argv: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return startCli(argv, options).done;
}

/** Starts `longhaul ...argv` in this process; read its output while it runs. */
export function startCli(argv: readonly string[], options: CliOptions = {}): RunningCli {
  const stdout = capture();
  const stderr = capture();
  const io: CliIo = {
    stdout,
    stderr,
    env: { LONGHAUL_TASKS: fixtureTasks, ...options.env },
    cwd: options.cwd ?? repositoryRoot,
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const done = runCli(argv, io).then((code) => ({
    code,
    stdout: stdout.text(),
    stderr: stderr.text(),
    json: <T>() => JSON.parse(stdout.text()) as T,
  }));
  return { stdout: stdout.text, stderr: stderr.text, done };
}

/** The AWS SDK settings a CLI run needs to reach the emulator, passed in its environment. */
export function emulatorEnv(): Record<string, string> {
  const names = ['AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
  return Object.fromEntries(names.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  stdout(): string;
  stderr(): string;
}

/** Runs `longhaul ...argv` as a real process: `npm run longhaul -- ...`, or node + tsx on the entry. */
export function spawnCli(
  argv: readonly string[],
  env: Record<string, string>,
  how: 'npm' | 'node' = 'npm',
): CliProcess {
  const [command, args] =
    how === 'npm'
      ? ['npm', ['run', '--silent', 'longhaul', '--', ...argv]]
      : [process.execPath, ['--conditions=source', '--import', 'tsx', 'src/cli/main.ts', ...argv]];
  const child = spawn(command, args, {
    cwd: repositoryRoot,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}
