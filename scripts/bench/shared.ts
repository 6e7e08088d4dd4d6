// Helpers shared by the cost, latency, memory and Lambda benchmarks: command-line flags, running a
// script on its own, and a moto-backed AWS backend that cleans up after itself.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type AwsBackend,
  awsBackend,
  createClients,
  createJobResources,
  deleteJobResources,
  type JobResources,
} from 'longhaul/aws';
import { startEmulator, stopEmulator } from '../emulator.mjs';
import type { BenchResult } from './results.js';

/** Options every benchmark's `run` takes. */
export interface RunOptions {
  /** Tiny sizes for a smoke run; figures are not meaningful. */
  readonly quick: boolean;
}

/** True when `moduleUrl` is the script node was started with (not imported by the orchestrator). */
export function isMain(moduleUrl: string): boolean {
  return moduleUrl === pathToFileURL(process.argv[1] ?? '').href;
}

/** Runs a benchmark as a script: `--quick` from argv, prints where the result went. */
export async function runAsScript(
  run: (options: RunOptions) => Promise<BenchResult>,
  write: (result: BenchResult) => string,
): Promise<void> {
  const quick = process.argv.includes('--quick');
  try {
    const result = await run({ quick });
    console.log(`wrote ${write(result)}`);
  } finally {
    await releaseMoto();
  }
}

let built = false;

/**
 * Node's arguments for a child that measures Longhaul: the bench script through tsx, Longhaul itself as
 * the built package (dist/, no `source` condition), which is how an installed package runs. On source,
 * tsx names every function Longhaul creates per job with a `__name` call, CPU and heap per job that no
 * user pays. dist/ is built (tsc, a few seconds) the first time, so a run never measures a stale build.
 */
export function benchChildArgs(): string[] {
  if (!built) {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const tsc = spawnSync(
      process.execPath,
      ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    if (tsc.status !== 0)
      throw new Error(`building dist/ for the benchmarks failed:\n${tsc.stdout}${tsc.stderr}`);
    built = true;
  }
  return ['--import', 'tsx'];
}

let moto: Promise<{ endpoint: string; startedHere: boolean }> | undefined;

/**
 * The moto endpoint, starting the emulator when none runs (and remembering to stop it in
 * {@link releaseMoto}). Sets the AWS_* variables the SDK reads, keeping any the caller set.
 */
export function useMoto(): Promise<{ endpoint: string }> {
  moto ??= startEmulator({ log: () => undefined }).then((state: { endpoint: string; reused: boolean }) => {
    process.env.AWS_ENDPOINT_URL ??= state.endpoint;
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    return { endpoint: state.endpoint, startedHere: !state.reused };
  });
  return moto;
}

/** Stops the emulator if {@link useMoto} started it. */
export async function releaseMoto(): Promise<void> {
  if (!moto) return;
  const state = await moto.catch(() => undefined);
  moto = undefined;
  if (state?.startedHere) await stopEmulator();
}

/** A fresh queue, dead-letter queue and table on moto, and a function that deletes them. */
export async function motoBackend(
  label: string,
  options: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number; stream?: boolean } = {},
): Promise<{
  backend: AwsBackend;
  resources: JobResources;
  clients: ReturnType<typeof createClients>;
  dispose: () => Promise<void>;
}> {
  await useMoto();
  const clients = createClients();
  const resources = await createJobResources({
    ...clients,
    prefix: `lh-bench-${label}-${Math.random().toString(36).slice(2, 8)}`,
    maxReceiveCount: options.maxReceiveCount ?? 10,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    ...(options.stream ? { stream: true } : {}),
  });
  const backend = awsBackend({ ...resources, ...clients });
  return {
    backend,
    resources,
    clients,
    async dispose() {
      await deleteJobResources(clients, resources);
      clients.sqsClient.destroy();
      clients.dynamoClient.destroy();
    },
  };
}

/** Polls until `check` is true, or throws after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/**
 * Runs `file` again in a fresh child process (this Node, tsx, the `source` condition) with `flag` and
 * `config` as JSON, and resolves with the JSON object its last stdout line holds: a measurement taken
 * in a process of its own, so one side's heap and JIT state never colour another's.
 */
export function measureInChildProcess<T>(
  file: string,
  flag: string,
  config: unknown,
  label: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...benchChildArgs(), file, flag, JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as T);
      else reject(new Error(`${label} child exited ${code}: ${out}`));
    });
  });
}
