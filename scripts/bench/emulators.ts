// Emulators the benchmarks run against, started on free loopback ports and stopped afterwards:
//
// - `dynalite+fauxqs`: dynalite (DynamoDB on in-memory LevelDB) and fauxqs (SQS; needs Node 22's
//   built-in sqlite, so it runs under the `node` package's Node 22), each in its own child process so
//   neither shares an event loop or a CPU account with the benchmark.
// - `moto`: moto's server through scripts/emulator.mjs (slow; for semantics, not for throughput).
//
// Which semantics each benchmark relies on, and whether each emulator honours them, is in emulators.md.
//
//   tsx --conditions=source scripts/bench/emulators.ts            start dynalite+fauxqs, print the env, wait
//   tsx --conditions=source scripts/bench/emulators.ts --contract  the same, then run the contract suite on them
//
// With BENCH_EMULATOR_PROFILE=<dir> set, each emulator process a benchmark starts writes a V8 CPU profile
// into <dir> when it stops (where dynalite's time per request goes: parsing expressions, validation).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsBackend, awsBackend, createJobResources, type JobResources } from 'longhaul/aws';
import { startEmulator, stopEmulator } from '../emulator.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Node 22 from the `node` package: fauxqs needs its built-in `node:sqlite`. */
export const node22 = `${root}node_modules/node/bin/node`;

export type EmulatorName = 'dynalite+fauxqs' | 'moto';

/** A running emulator: where its services answer, and how to stop it. */
export interface Emulator {
  readonly name: EmulatorName;
  readonly sqsEndpoint: string;
  readonly dynamoEndpoint: string;
  /** Process ids of the servers (to read their CPU time, or to stop them). */
  readonly pids: readonly number[];
  /** Variables that point the AWS SDK (and a child process) at it. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

const credentials = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

/** Starts a child that prints one JSON line `{ "port": n }` once it listens; resolves with the port. */
async function startServer(
  command: string,
  script: string,
  label: string,
): Promise<{ child: ChildProcess; port: number }> {
  // BENCH_EMULATOR_PROFILE=dir: each emulator writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_EMULATOR_PROFILE;
  const profiling = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(command, [...profiling, '--no-warnings', '--input-type=module', '-e', script], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`${label} exited (${String(code)}) before listening:\n${stderr}`);
  });
  const first = once(lines, 'line').then(([line]) => JSON.parse(String(line)) as { port: number });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`${label} did not start within 20 s:\n${stderr}`)), 20_000).unref(),
  );
  const { port } = await Promise.race([first, exited, timeout]);
  lines.close();
  child.stdout?.resume();
  return { child, port };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Code that makes an emulator's HTTP server hold every request `roundTripMs` before handling it: a
 * stand-in for the network round trip to AWS (a few milliseconds within a region), which loopback does
 * not have. The wait is a timer, not CPU, so it shows what a design pays in round trips apart from what
 * this machine's two cores pay in CPU. Nothing when `roundTripMs` is 0.
 */
function roundTripScript(roundTripMs: number): string {
  if (roundTripMs <= 0) return '';
  return `
    import http from 'node:http';
    const emit = http.Server.prototype.emit;
    http.Server.prototype.emit = function (event, ...args) {
      if (event !== 'request') return emit.call(this, event, ...args);
      setTimeout(() => emit.call(this, event, ...args), ${roundTripMs});
      return true;
    };`;
}

/**
 * The round trip the benchmarks' second runs add to every request: the short end of one within an AWS
 * region. The longer it is, the smaller a design's extra CPU per request weighs against it.
 */
export const regionRoundTripMs = 5;

/** How figures measured with {@link regionRoundTripMs} name their source. */
export const roundTripSource = `dynalite+fauxqs, ${regionRoundTripMs} ms round trip` as const;

/** Options of {@link startDynaliteFauxqs}. */
export interface DynaliteFauxqsOptions {
  /** Milliseconds each request waits before either emulator handles it (see `roundTripScript`). Default 0. */
  readonly roundTripMs?: number;
}

/** Starts dynalite (under this Node) and fauxqs (under Node 22), each in its own process. */
export async function startDynaliteFauxqs(options: DynaliteFauxqsOptions = {}): Promise<Emulator> {
  const delay = roundTripScript(options.roundTripMs ?? 0);
  const dynaliteScript = `${delay}
    import { createRequire } from 'node:module';
    const dynalite = createRequire(process.cwd() + '/')('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    dynalite.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: dynalite.address().port })));
    process.on('SIGTERM', () => dynalite.close(() => process.exit(0)));`;
  const fauxqsScript = `${delay}
    import { startFauxqs } from 'fauxqs';
    const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
    console.log(JSON.stringify({ port: server.port }));
    process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));`;
  const [dynalite, fauxqs] = await Promise.all([
    startServer(process.execPath, dynaliteScript, 'dynalite'),
    startServer(node22, fauxqsScript, 'fauxqs'),
  ]);
  const sqsEndpoint = `http://127.0.0.1:${fauxqs.port}`;
  const dynamoEndpoint = `http://127.0.0.1:${dynalite.port}`;
  return {
    name: 'dynalite+fauxqs',
    sqsEndpoint,
    dynamoEndpoint,
    pids: [dynalite.child.pid ?? 0, fauxqs.child.pid ?? 0],
    env: {
      ...credentials,
      AWS_ENDPOINT_URL: sqsEndpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    },
    async stop() {
      await Promise.all([stopChild(dynalite.child), stopChild(fauxqs.child)]);
    },
  };
}

/** Starts moto's server (or reuses the running one, which it then leaves running). */
export async function startMoto(): Promise<Emulator> {
  const moto = await startEmulator({ log: () => {} });
  return {
    name: 'moto',
    sqsEndpoint: moto.endpoint,
    dynamoEndpoint: moto.endpoint,
    pids: [moto.pid],
    env: { ...credentials, AWS_ENDPOINT_URL: moto.endpoint },
    async stop() {
      if (!moto.reused) await stopEmulator();
    },
  };
}

export function startNamedEmulator(name: EmulatorName): Promise<Emulator> {
  return name === 'moto' ? startMoto() : startDynaliteFauxqs();
}

/** Where a child process's clients should point: what `clientsFor` needs, as plain data. */
export interface Endpoints {
  readonly sqsEndpoint: string;
  readonly dynamoEndpoint: string;
}

const silent = (): void => undefined;
/** As Longhaul's (src/backends/aws/sdk-logger.ts): silent, and no `info`, so the SDK copies no request for it. */
const sdkLogger = { trace: silent, debug: silent, warn: silent, error: silent } as unknown as NonNullable<
  DynamoDBClientConfig['logger']
>;

/**
 * SDK clients for an emulator, configured as `createClients()` configures them (the queue URL's host
 * never overrides the endpoint, the SDK logger makes no log copies), with the endpoints and dummy
 * credentials given explicitly so nothing depends on the environment. Longhaul and every baseline get
 * the same configuration.
 */
export function clientsFor(endpoints: Endpoints): { sqsClient: SQSClient; dynamoClient: DynamoDBClient } {
  const common = {
    logger: sdkLogger,
    region: credentials.AWS_REGION,
    credentials: {
      accessKeyId: credentials.AWS_ACCESS_KEY_ID,
      secretAccessKey: credentials.AWS_SECRET_ACCESS_KEY,
    },
  };
  return {
    sqsClient: new SQSClient({ ...common, endpoint: endpoints.sqsEndpoint, useQueueUrlAsEndpoint: false }),
    dynamoClient: new DynamoDBClient({ ...common, endpoint: endpoints.dynamoEndpoint }),
  };
}

/** A fresh queue pair and table on the emulator, and the Longhaul backend over them. */
export async function benchResources(
  endpoints: Endpoints,
  prefix: string,
): Promise<{ resources: JobResources; backend: AwsBackend; destroy(): void }> {
  const clients = clientsFor(endpoints);
  const resources = await createJobResources({
    ...clients,
    prefix: `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    maxReceiveCount: 10,
    visibilityTimeoutSeconds: 60,
  });
  return {
    resources,
    backend: awsBackend({ ...resources, ...clients }),
    destroy() {
      clients.sqsClient.destroy();
      clients.dynamoClient.destroy();
    },
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 when unreadable. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).stdout;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const emulator = await startDynaliteFauxqs();
  const exports = Object.entries(emulator.env).map(([name, value]) => `export ${name}=${value}`);
  console.log(exports.join('\n'));
  if (process.argv.includes('--contract')) {
    const run = spawnSync(
      'npx',
      ['vitest', 'run', '--project', 'contract', ...process.argv.slice(3).filter((a) => a !== '--contract')],
      {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, ...emulator.env },
      },
    );
    await emulator.stop();
    process.exit(run.status ?? 1);
  }
  console.error('dynalite+fauxqs running; Ctrl-C stops them');
  const stop = () => void emulator.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
