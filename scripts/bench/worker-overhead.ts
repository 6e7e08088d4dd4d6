// Issue #5, item 1: worker overhead. N no-op jobs, pre-enqueued with enqueueMany (full tracking), are
// drained by Longhaul's worker and by the hand-written SDK loop (baseline-worker.ts) making the same
// requests, at the same concurrency, on the same emulator. Each side runs in its own child process, so
// `process.cpuUsage()` there is that worker's CPU and nothing else's (the emulators and this process
// are elsewhere). The primary figure is client CPU ms per job, which does not depend on the emulator's
// speed; jobs/s is reported too. Rounds alternate which side goes first; the median is reported.
//
//   tsx --conditions=source scripts/bench/worker-overhead.ts [--quick]
//
// The same child harness (`measureInChild`) serves vs-sqs-consumer.ts and scaling.ts.

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createWorker, defineTask, Longhaul, type Tracking } from 'longhaul';
import { awsBackend, type JobResources } from 'longhaul/aws';
import { memoryBackend } from 'longhaul/memory';
import { Consumer } from 'sqs-consumer';
import { runBaselineWorker, runMinimalLoop, runPortLoop } from './baseline-worker.js';
import {
  benchResources,
  clientsFor,
  type Emulator,
  type Endpoints,
  processCpuSeconds,
  regionRoundTripMs as roundTripMs,
  roundTripSource,
  startDynaliteFauxqs,
} from './emulators.js';
import {
  type BenchResult,
  type Figure,
  figure,
  machineInfo,
  median,
  printFigures,
  roundsNote,
  writeResult,
} from './results.js';
import { measureInChildProcess, runAsScript } from './shared.js';

/** The no-op task every side runs. No argument schema, so no validation cost on Longhaul's side. */
export const noop = defineTask({ name: 'bench.noop', retries: 0, run: () => null });

const silent = { debug() {}, info() {}, warn() {}, error: (m: string, f?: object) => console.error(m, f) };

/** Which worker a child runs. */
/** `longhaul-untracked`: Longhaul's worker with `tracking: 'off'` (no DynamoDB at all). */
/** `longhaul-traced`: Longhaul's worker with an OpenTelemetry tracer provider registered (tracing-overhead.ts). */
/** `longhaul-nometrics`: Longhaul's worker with `metrics: false` (no job metrics, issue #14). */
export type Side =
  | 'longhaul'
  | 'longhaul-lean'
  | 'longhaul-untracked'
  | 'longhaul-traced'
  | 'longhaul-nometrics'
  | 'baseline'
  | 'baseline-none'
  | 'minimal'
  | 'sqs-consumer';

/** `longhaul-lean`: Longhaul's worker on jobs enqueued with lean tracking (no record: the claim creates it). */
/** `minimal`: the leanest hand-written loop with the same guarantees (`runMinimalLoop`). */

/** What tracking the queue of each side is filled with: the producer's records the side expects. */
export const prefillTracking: Partial<Record<Side, Tracking>> = {
  'longhaul-lean': 'lean',
  'longhaul-untracked': 'lean',
  'sqs-consumer': 'lean',
};

/**
 * The job metrics every Longhaul side keeps (the default), with their lines dropped rather than written
 * to stdout, which carries the child's result.
 */
const benchMetrics = { sink: () => {} };

export interface ChildConfig {
  readonly side: Side;
  readonly endpoints: Endpoints;
  readonly resources: JobResources;
  readonly concurrency: number;
  /** Jobs in the queue; the first `warmup` are not measured. */
  readonly total: number;
  readonly warmup: number;
  /** Profile the measured window with the inspector's sampling profiler; the summary comes back. */
  readonly profile?: boolean;
}

export interface SideMeasurement {
  readonly side: Side;
  readonly jobs: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly jobsPerSecond: number;
  readonly cpuMsPerJob: number;
  /** Requests over the whole run (warm-up included), by service and operation. */
  readonly requests: Record<string, Record<string, number>>;
  readonly total: number;
  /** With `profile`: self time in the measured window by bucket, microseconds per job. */
  readonly profile?: ProfileSummary;
}

/** CPU by where the code lives (the profile's self-time shares of the measured CPU), microseconds per job. */
export type ProfileSummary = Record<ProfileBucket, number>;
export type ProfileBucket = 'longhaul' | 'sdk' | 'node' | 'gc' | 'native' | 'other';
export const profileBuckets: readonly ProfileBucket[] = ['longhaul', 'sdk', 'node', 'gc', 'native', 'other'];

/** Which bucket a profile node's self time goes to, by its script's URL. */
function bucketOf(url: string, functionName: string): ProfileBucket | undefined {
  if (functionName === '(idle)') return undefined;
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(program)' || (url === '' && functionName.startsWith('('))) return 'native';
  if (url.includes('/node_modules/@aws-sdk/') || url.includes('/node_modules/@smithy/')) return 'sdk';
  if (url.startsWith('node:') || url === '') return 'node';
  if (!url.includes('/node_modules/') && url.includes('/src/')) return 'longhaul';
  return 'other';
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { url: string; functionName: string } }>;
  samples?: number[];
  timeDeltas?: number[];
}

/** Apportions `cpuUs` by the profile's self time per bucket, per job. */
function summarize(profile: CpuProfile, cpuUs: number, jobs: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, bucketOf(n.callFrame.url, n.callFrame.functionName)]));
  const summary = Object.fromEntries(profileBuckets.map((b) => [b, 0])) as ProfileSummary;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample's time delta is the time since the previous sample: charge it to the node sampled now.
    const bucket = byId.get(samples[i] as number);
    if (bucket) summary[bucket] += deltas[i] ?? 0;
  }
  if (process.env.BENCH_PROFILE_TOP) printTopFunctions(profile, byId, Number(process.env.BENCH_PROFILE_TOP));
  const busy = profileBuckets.reduce((sum, b) => sum + summary[b], 0);
  for (const b of profileBuckets) summary[b] = busy > 0 ? (summary[b] / busy) * (cpuUs / jobs) : 0;
  return summary;
}

/**
 * BENCH_PROFILE_TOP=n: prints the n functions with the most self time to stderr (a diagnostic);
 * BENCH_PROFILE_GREP=text keeps only functions whose name or file contains it (`src/`: Longhaul's own).
 */
function printTopFunctions(
  profile: CpuProfile,
  byId: Map<number, ProfileBucket | undefined>,
  n: number,
): void {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const grep = process.env.BENCH_PROFILE_GREP;
  let busy = 0;
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    if (!byId.get(id)) continue;
    const frame = frames.get(id);
    const key = `${frame?.functionName || '(anonymous)'} ${frame?.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/src\//, 'src/')}`;
    const delta = profile.timeDeltas?.[i] ?? 0;
    busy += delta;
    if (grep && !key.includes(grep)) continue;
    self.set(key, (self.get(key) ?? 0) + delta);
  }
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.error(`  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`);
  }
}

/** Starts the inspector's sampling profiler; resolves with a function that stops it and returns the profile. */
async function startProfiler(): Promise<() => Promise<CpuProfile>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    session.disconnect();
    return profile;
  };
}

/** Runs one side in this process: waits for `warmup` jobs, measures until `total` are finished. */
async function childMain(config: ChildConfig): Promise<SideMeasurement> {
  const clients = clientsFor(config.endpoints);
  // BENCH_LATENCY=1: print each command's count and mean latency to stderr (a diagnostic).
  const latency = new Map<string, { n: number; ms: number }>();
  if (process.env.BENCH_LATENCY) {
    const timed: Parameters<typeof clients.sqsClient.middlewareStack.add>[0] =
      (next, context) => async (args) => {
        const at = performance.now();
        try {
          return await next(args);
        } finally {
          const entry = latency.get(context.commandName ?? '?') ?? { n: 0, ms: 0 };
          entry.n++;
          entry.ms += performance.now() - at;
          latency.set(context.commandName ?? '?', entry);
        }
      };
    clients.sqsClient.middlewareStack.add(timed as never, { step: 'initialize' });
    clients.dynamoClient.middlewareStack.add(timed as never, { step: 'initialize' });
  }
  let started = 0;
  let mark: { cpu: NodeJS.CpuUsage; at: number } | undefined;
  let stopProfiler: Promise<() => Promise<CpuProfile>> | undefined;
  const onMark = () => {
    if (config.profile) stopProfiler = startProfiler();
    mark = { cpu: process.cpuUsage(), at: performance.now() };
  };
  const onTask = () => {
    started++;
    if (started === config.warmup + 1) onMark();
  };
  if (config.warmup === 0) onMark();
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (done()) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });

  let requests: Record<string, Record<string, number>>;
  // The run ends when the last job has finished; stopping (which lets an idle long poll run out, up to
  // 20 s for Longhaul's worker) is outside the measured window on every side.
  let end: { cpu: NodeJS.CpuUsage; at: number } | undefined;
  let profiled: Promise<CpuProfile> | undefined;
  const finished = () => {
    end = { cpu: process.cpuUsage(), at: performance.now() };
    profiled = stopProfiler?.then((stop) => stop());
  };
  if (
    config.side === 'longhaul' ||
    config.side === 'longhaul-lean' ||
    config.side === 'longhaul-untracked' ||
    config.side === 'longhaul-traced' ||
    config.side === 'longhaul-nometrics'
  ) {
    if (config.side === 'longhaul-traced') registerDiscardingTracer();
    const backend = awsBackend({ ...config.resources, ...clients });
    const task = defineTask({
      name: noop.name,
      retries: 0,
      run: () => {
        onTask();
        return null;
      },
    });
    const worker = createWorker({
      backend,
      tasks: [task],
      concurrency: config.concurrency,
      logger: silent,
      // Lean tracking is the producer's choice (no record at enqueue); the worker tracks as with full.
      tracking: config.side === 'longhaul-untracked' ? 'off' : 'full',
      metrics: config.side === 'longhaul-nometrics' ? false : benchMetrics,
    });
    worker.start();
    await until(() => worker.stats.deleted >= config.total);
    finished();
    // Not awaited: a graceful stop lets the idle long poll run out (up to 20 s). The last partial
    // delete batch (at most one request) is left out of the request count.
    void worker.stop();
    requests = backend.requests.snapshot();
  } else if (config.side === 'sqs-consumer') {
    let done = 0;
    const consumer = Consumer.create({
      queueUrl: config.resources.queueUrl,
      sqs: clients.sqsClient,
      // sqs-consumer runs the messages of one receive at once and polls again when all are done: its
      // concurrency is its batch size, at most 10.
      batchSize: Math.min(10, config.concurrency),
      waitTimeSeconds: 20,
      visibilityTimeout: 60,
      handleMessage: async (message) => {
        onTask();
        done++;
        return message;
      },
    });
    let receives = 0;
    let deletes = 0;
    clients.sqsClient.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'ReceiveMessageCommand') receives++;
        else deletes++;
        return next(args);
      },
      { step: 'initialize' },
    );
    consumer.start();
    await until(() => done >= config.total);
    finished();
    consumer.stop({ abort: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    requests = { sqs: { ReceiveMessage: receives, 'DeleteMessage(Batch)': deletes } };
  } else if (config.side === 'minimal') {
    const loop = runMinimalLoop({
      sqs: clients.sqsClient,
      dynamo: DynamoDBDocumentClient.from(clients.dynamoClient),
      queueUrl: config.resources.queueUrl,
      tableName: config.resources.tableName,
      concurrency: config.concurrency,
      task: () => {
        onTask();
        return null;
      },
    });
    await until(() => loop.counts.completed >= config.total);
    finished();
    await loop.stop();
    const { ReceiveMessage, DeleteMessageBatch, UpdateItem } = loop.counts;
    requests = { sqs: { ReceiveMessage, DeleteMessageBatch }, dynamodb: { UpdateItem } };
  } else {
    const baseline = runBaselineWorker({
      sqs: clients.sqsClient,
      dynamo: DynamoDBDocumentClient.from(clients.dynamoClient),
      queueUrl: config.resources.queueUrl,
      tableName: config.resources.tableName,
      concurrency: config.concurrency,
      completeReturnValues: config.side === 'baseline-none' ? 'NONE' : 'ALL_NEW',
      task: () => {
        onTask();
        return null;
      },
    });
    await until(() => baseline.counts.completed >= config.total);
    finished();
    await baseline.stop();
    const { ReceiveMessage, DeleteMessageBatch, UpdateItem } = baseline.counts;
    requests = { sqs: { ReceiveMessage, DeleteMessageBatch }, dynamodb: { UpdateItem } };
  }
  const stop = end ?? { cpu: process.cpuUsage(), at: performance.now() };
  const start = mark ?? stop;
  const cpuMs = (stop.cpu.user - start.cpu.user + stop.cpu.system - start.cpu.system) / 1000;
  const wallMs = stop.at - start.at;
  const jobs = config.total - config.warmup;
  // The profiler's samples are wall time (on a loaded machine, a descheduled thread's time is charged to
  // the code it was running): their shares apportion the measured CPU.
  const profile = profiled ? summarize(await profiled, cpuMs * 1000, jobs) : undefined;
  clients.sqsClient.destroy();
  clients.dynamoClient.destroy();
  for (const [command, { n, ms }] of latency) {
    console.error(`  ${config.side} ${command}: ${n} requests, mean ${(ms / n).toFixed(1)} ms`);
  }
  return {
    side: config.side,
    jobs,
    wallMs,
    cpuMs,
    jobsPerSecond: (jobs / wallMs) * 1000,
    cpuMsPerJob: cpuMs / jobs,
    requests,
    total: config.total,
    ...(profile ? { profile } : {}),
  };
}

/**
 * Registers what an app's OpenTelemetry setup registers (a tracer provider with a batch span processor,
 * the AsyncLocalStorage context manager), exporting to nowhere: every span is recorded, batched and
 * handed to an exporter, so the figure is Longhaul's tracing cost without any network.
 */
export function registerDiscardingTracer(): void {
  const discard: SpanExporter = {
    export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
    shutdown: async () => {},
  };
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] }),
  );
}

/** Runs one side in a fresh child process (this Node, tsx, the `source` condition). */
export function measureInChild(config: ChildConfig): Promise<SideMeasurement> {
  return measureInChildProcess(fileURLToPath(import.meta.url), '--child', config, config.side);
}

/** A fresh queue and table with `total` no-op jobs enqueued by enqueueMany. */
export async function prefilledQueue(
  emulator: Endpoints,
  total: number,
  tracking: Tracking = 'full',
): Promise<JobResources> {
  const { resources, backend, destroy } = await benchResources(emulator, 'bench');
  const longhaul = new Longhaul({ backend, tracking });
  for (let i = 0; i < total; i += 500) {
    await longhaul.enqueueMany(
      noop,
      Array.from({ length: Math.min(500, total - i) }, () => undefined),
    );
  }
  destroy();
  return resources;
}

/** Sums a request snapshot, per job: SQS requests, DynamoDB writes. */
export function perJob(m: SideMeasurement): { sqs: number; dynamoWrites: number } {
  const sum = (service: string, only?: (op: string) => boolean) =>
    Object.entries(m.requests[service] ?? {})
      .filter(([op]) => !only || only(op))
      .reduce((s, [, n]) => s + n, 0);
  return {
    sqs: sum('sqs') / m.total,
    dynamoWrites: sum('dynamodb', (op) => /Put|Update|Delete|Write/.test(op)) / m.total,
  };
}

/**
 * Alternates the sides over `rounds` (each round reverses the order of the last), each on a fresh
 * pre-filled queue; returns every measurement by side, plus the emulator servers' CPU per job.
 */
export async function alternate(
  emulator: Emulator,
  sides: readonly Side[],
  rounds: number,
  shape: {
    concurrency: number;
    total: number;
    warmup: number;
    tracking?: Tracking | ((side: Side) => Tracking);
    queued?: number;
    profile?: boolean;
  },
  log: (line: string) => void,
): Promise<Map<Side, SideMeasurement[]>> {
  const bySide = new Map<Side, SideMeasurement[]>(sides.map((side) => [side, []]));
  for (let round = 0; round < rounds; round++) {
    // Rounds rotate the order, so every side goes first once in every `sides.length` rounds.
    const rotated = sides.map((_, i) => sides[(i + round) % sides.length] as Side);
    for (const side of rotated) {
      const tracking = typeof shape.tracking === 'function' ? shape.tracking(side) : shape.tracking;
      const resources = await prefilledQueue(emulator, shape.queued ?? shape.total, tracking);
      const serverCpu = emulator.pids.map(processCpuSeconds);
      const { concurrency, total, warmup } = shape;
      const m = await measureInChild({
        side,
        endpoints: emulator,
        resources,
        concurrency,
        total,
        warmup,
        ...(shape.profile ? { profile: true } : {}),
      });
      const serverMs =
        emulator.pids.map(processCpuSeconds).reduce((s, v, i) => s + v - (serverCpu[i] ?? 0), 0) * 1000;
      bySide.get(side)?.push(m);
      log(
        `  round ${round + 1} ${side.padEnd(13)} ${m.jobsPerSecond.toFixed(0).padStart(6)} jobs/s  ${m.cpuMsPerJob.toFixed(3)} ms CPU/job  (emulators ${(serverMs / m.total).toFixed(2)} ms CPU/job)`,
      );
    }
  }
  return bySide;
}

/**
 * Embedded backend: Longhaul's worker against the port loop, in this process, alternating. `queued` jobs
 * are enqueued (default `total`); the first `total` to finish are measured.
 */
export async function embedded(
  total: number,
  concurrency: number,
  rounds: number,
  log: (line: string) => void,
  queued = total,
) {
  const results = { longhaul: [] as SideMeasurement[], baseline: [] as SideMeasurement[] };
  for (let round = 0; round < rounds; round++) {
    const order: Array<'longhaul' | 'baseline'> =
      round % 2 === 0 ? ['longhaul', 'baseline'] : ['baseline', 'longhaul'];
    for (const side of order) {
      const backend = memoryBackend();
      await new Longhaul({ backend }).enqueueMany(
        noop,
        Array.from({ length: queued }, () => undefined),
      );
      backend.requests.reset();
      const cpu = process.cpuUsage();
      const at = performance.now();
      let counts: { completed: () => number; stop: () => Promise<void> };
      if (side === 'longhaul') {
        const worker = createWorker({
          backend,
          tasks: [noop],
          concurrency,
          logger: silent,
          metrics: benchMetrics,
        }).start();
        counts = { completed: () => worker.stats.deleted, stop: () => worker.stop() };
      } else {
        const loop = runPortLoop({ backend, concurrency });
        counts = { completed: () => loop.counts.completed, stop: () => loop.stop() };
      }
      while (counts.completed() < total) await new Promise((resolve) => setTimeout(resolve, 2));
      const used = process.cpuUsage(cpu);
      const wallMs = performance.now() - at;
      void counts.stop(); // not awaited: Longhaul's graceful stop lets the idle long poll run out
      const cpuMs = (used.user + used.system) / 1000;
      const m: SideMeasurement = {
        side,
        jobs: total,
        wallMs,
        cpuMs,
        jobsPerSecond: (total / wallMs) * 1000,
        cpuMsPerJob: cpuMs / total,
        requests: backend.requests.snapshot(),
        total,
      };
      results[side].push(m);
      log(
        `  embedded round ${round + 1} ${side.padEnd(9)} ${m.jobsPerSecond.toFixed(0).padStart(6)} jobs/s  ${m.cpuMsPerJob.toFixed(4)} ms CPU/job`,
      );
    }
  }
  return results;
}

/**
 * Embedded backend: Longhaul's worker with job metrics and event logs on (the default) and off, in this
 * process, alternating, so the difference is the telemetry's own CPU without the emulators' noise.
 */
export async function embeddedMetrics(
  total: number,
  concurrency: number,
  rounds: number,
  log: (line: string) => void,
): Promise<{ on: number[]; off: number[] }> {
  const results = { on: [] as number[], off: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const order: Array<'on' | 'off'> = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const side of order) {
      const backend = memoryBackend();
      await new Longhaul({ backend }).enqueueMany(
        noop,
        Array.from({ length: total }, () => undefined),
      );
      const cpu = process.cpuUsage();
      const worker = createWorker({
        backend,
        tasks: [noop],
        concurrency,
        logger: silent,
        metrics: side === 'on' ? benchMetrics : false,
      }).start();
      while (worker.stats.deleted < total) await new Promise((resolve) => setTimeout(resolve, 2));
      const used = process.cpuUsage(cpu);
      void worker.stop();
      const cpuMsPerJob = (used.user + used.system) / 1000 / total;
      results[side].push(cpuMsPerJob);
      log(`  embedded round ${round + 1} metrics ${side.padEnd(3)} ${cpuMsPerJob.toFixed(4)} ms CPU/job`);
    }
  }
  return results;
}

/** Options of this bench beyond `--quick`, from the command line (`npm run bench -- worker-overhead` takes none). */
export interface WorkerOverheadOptions {
  readonly quick: boolean;
  /** Also run one profiled round of Longhaul (full tracking) and the minimal loop at each concurrency. */
  readonly profile?: boolean;
  /** Only the AWS sides (no embedded figures). */
  readonly awsOnly?: boolean;
  readonly rounds?: number;
  readonly total?: number;
  /** Jobs each side runs before the measured window (default: half of `total`, at most 3,000). */
  readonly warmup?: number;
}

function optionsFromArgv(quick: boolean): WorkerOverheadOptions {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      profile: { type: 'boolean', default: false },
      'aws-only': { type: 'boolean', default: false },
      rounds: { type: 'string' },
      total: { type: 'string' },
      warmup: { type: 'string' },
    },
    strict: false,
    allowPositionals: true,
  });
  return {
    quick,
    profile: values.profile === true,
    awsOnly: values['aws-only'] === true,
    ...(typeof values.rounds === 'string' ? { rounds: Number(values.rounds) } : {}),
    ...(typeof values.total === 'string' ? { total: Number(values.total) } : {}),
    ...(typeof values.warmup === 'string' ? { warmup: Number(values.warmup) } : {}),
  };
}

/** The profile summary of two sides as figures (microseconds of self time per job, by bucket). */
function profileFigures(
  longhaul: ProfileSummary,
  minimal: ProfileSummary,
  concurrency: number,
  source: string,
): Figure[] {
  const names: Record<ProfileBucket, string> = {
    longhaul: "Longhaul's own files (src/)",
    sdk: '@aws-sdk and @smithy',
    node: 'Node internals (http, streams, timers, crypto)',
    gc: 'garbage collector',
    native: 'native code outside JavaScript ((program))',
    other: 'other (tsx, bench harness, other packages)',
  };
  const total = (p: ProfileSummary) => profileBuckets.reduce((sum, b) => sum + p[b], 0);
  return [
    ...profileBuckets.map((bucket) =>
      figure({
        id: `worker.profile.${bucket}.c${concurrency}`,
        label: `CPU profile, CPU per job in ${names[bucket]} (full tracking, concurrency ${concurrency})`,
        value: longhaul[bucket],
        unit: 'µs/job',
        baseline: { label: 'minimal loop', value: minimal[bucket] },
        better: 'lower',
        source,
        note: `${((100 * longhaul[bucket]) / total(longhaul)).toFixed(0)}% of Longhaul's busy time, ${((100 * minimal[bucket]) / total(minimal)).toFixed(0)}% of the loop's`,
      }),
    ),
    figure({
      id: `worker.profile.total.c${concurrency}`,
      label: `CPU profile, CPU per job (full tracking, concurrency ${concurrency})`,
      value: total(longhaul),
      unit: 'µs/job',
      baseline: { label: 'minimal loop', value: total(minimal) },
      better: 'lower',
      source,
      note: "process CPU of the profiled round, apportioned by the sampling profiler's self time (inspector, 250 µs), measured window only",
    }),
  ];
}

/**
 * Full and lean tracking against the minimal loop at concurrency 10 on a dynalite + fauxqs that holds
 * every request {@link roundTripMs} before handling it (`roundTripScript` in emulators.ts). On loopback
 * the emulators' CPU, which grows with every clause a write says, bounds throughput on two cores; within
 * a region each of a job's writes waits on the network, and DynamoDB's own time is not the caller's CPU.
 * At concurrency 32 the round trip still leaves these cores the bound, so only 10 runs.
 */
async function overNetwork(
  options: WorkerOverheadOptions,
  rounds: number,
  log: (line: string) => void,
): Promise<Figure[]> {
  const total = options.quick ? 60 : 3_000;
  const warmup = options.quick ? 10 : 1_500;
  const source = roundTripSource;
  const emulator = await startDynaliteFauxqs({ roundTripMs });
  try {
    log(
      `worker overhead with ${roundTripMs} ms added to every request: ${total} no-op jobs (${warmup} warm-up), concurrency 10, ${rounds} round(s)`,
    );
    const bySide = await alternate(
      emulator,
      ['longhaul', 'longhaul-lean', 'minimal'],
      rounds,
      { concurrency: 10, total, warmup, tracking: (side) => prefillTracking[side] ?? 'full' },
      log,
    );
    const pair = figurePair(bySide, 10, source);
    const minimalLabel = 'minimal loop, the same round trip';
    return [
      ...pair(
        'full.roundTrip',
        `full tracking, ${roundTripMs} ms round trip`,
        'longhaul',
        'minimal',
        minimalLabel,
        {
          jobs: 'target ≥ 0.9x; ',
          cpu: 'target ≤ 1.15x; ',
        },
      ),
      ...pair(
        'lean.roundTrip',
        `lean tracking, ${roundTripMs} ms round trip`,
        'longhaul-lean',
        'minimal',
        minimalLabel,
        {
          jobs: 'target ≥ 1x; ',
          cpu: '',
        },
      ),
    ];
  } finally {
    await emulator.stop();
  }
}

/**
 * Throughput and client CPU figures of `side` against `against` at concurrency `c`, from rounds in which
 * both ran (medians, and the ratio round by round).
 */
function figurePair(bySide: Map<Side, SideMeasurement[]>, c: number, source: string) {
  const all = (side: Side, key: 'cpuMsPerJob' | 'jobsPerSecond') =>
    (bySide.get(side) ?? []).map((m) => m[key]);
  const med = (side: Side, key: 'cpuMsPerJob' | 'jobsPerSecond') => median(all(side, key));
  return (
    id: string,
    label: string,
    side: Side,
    against: Side,
    againstLabel: string,
    target: { jobs: string; cpu: string },
  ): Figure[] => [
    figure({
      id: `worker.${id}.jobsPerSecond.c${c}`,
      label: `Worker throughput, no-op jobs (${label}, concurrency ${c})`,
      value: med(side, 'jobsPerSecond'),
      unit: 'jobs/s',
      baseline: { label: againstLabel, value: med(against, 'jobsPerSecond') },
      better: 'higher',
      source,
      note: `${target.jobs}${roundsNote(all(side, 'jobsPerSecond'), all(against, 'jobsPerSecond'))}`,
    }),
    figure({
      id: `worker.${id}.cpuMsPerJob.c${c}`,
      label: `Worker client CPU per no-op job (${label}, concurrency ${c})`,
      value: med(side, 'cpuMsPerJob'),
      unit: 'ms CPU/job',
      baseline: { label: againstLabel, value: med(against, 'cpuMsPerJob') },
      better: 'lower',
      source,
      note: `${target.cpu}${roundsNote(all(side, 'cpuMsPerJob'), all(against, 'cpuMsPerJob'))}`,
    }),
  ];
}

export async function run(runOptions: { quick: boolean }): Promise<BenchResult> {
  const options = optionsFromArgv(runOptions.quick);
  const log = (line: string) => console.log(line);
  const concurrency = 16;
  const total = options.total ?? (options.quick ? 120 : 6_000);
  // A long-running worker's cost is its steady state. CPU per job falls about threefold over a fresh
  // process's first few thousand jobs (V8 optimizing the SDK's and the worker's code), on every side, and
  // a short warm-up measured mostly that: the side with more code to optimize looked costlier.
  const warmup = options.warmup ?? (options.quick ? 20 : Math.min(3_000, Math.floor(total / 2)));
  const rounds = options.rounds ?? (options.quick ? 1 : 3);
  const emulator = await startDynaliteFauxqs();
  const figures: Figure[] = [];
  const source = 'dynalite+fauxqs';
  const minimalLabel = 'minimal loop (ReturnValues NONE, smallest expressions)';
  const mirroredLabel = 'hand-written SDK loop, same requests';
  const consumerLabel = 'sqs-consumer (batchSize 10)';
  try {
    for (const c of [10, 32]) {
      log(
        `worker overhead on ${source}: ${total} no-op jobs (${warmup} warm-up), concurrency ${c}, ${rounds} round(s)`,
      );
      const sides: Side[] = [
        'longhaul',
        'longhaul-lean',
        'longhaul-untracked',
        'minimal',
        'baseline',
        'sqs-consumer',
        // The metrics figure rides along at concurrency 10 in the full run.
        ...(c === 10 && !options.awsOnly ? (['longhaul-nometrics'] as const) : []),
      ];
      const tracking = (side: Side): Tracking => prefillTracking[side] ?? 'full';
      const bySide = await alternate(
        emulator,
        sides,
        rounds,
        { concurrency: c, total, warmup, tracking },
        log,
      );
      const med = (side: Side, key: 'cpuMsPerJob' | 'jobsPerSecond') =>
        median((bySide.get(side) ?? []).map((m) => m[key]));
      const pair = figurePair(bySide, c, source);
      figures.push(
        ...pair('full', 'full tracking', 'longhaul', 'minimal', minimalLabel, {
          jobs: 'target ≥ 0.9x; ',
          cpu: 'target ≤ 1.15x; ',
        }),
        ...pair('lean', 'lean tracking', 'longhaul-lean', 'minimal', minimalLabel, {
          jobs: 'target ≥ 1x; ',
          cpu: '',
        }),
        ...pair('untracked', "tracking 'off'", 'longhaul-untracked', 'sqs-consumer', consumerLabel, {
          jobs: 'target ≥ 1.5x; sqs-consumer runs at most 10 at once; ',
          cpu: '',
        }),
        ...pair(
          'mirrored',
          'full tracking, against the mirrored loop',
          'longhaul',
          'baseline',
          mirroredLabel,
          { jobs: '', cpu: '' },
        ),
      );
      if (c === 10 && !options.awsOnly) {
        figures.push(
          figure({
            id: 'worker.metrics.cpuMsPerJob.c10',
            label: 'Worker client CPU per no-op job with job metrics and event logs on (the default)',
            value: med('longhaul', 'cpuMsPerJob'),
            unit: 'ms CPU/job',
            baseline: {
              label: 'the same worker with `metrics: false`',
              value: med('longhaul-nometrics', 'cpuMsPerJob'),
            },
            better: 'lower',
            source,
            note: `metrics on minus off: ${(med('longhaul', 'cpuMsPerJob') - med('longhaul-nometrics', 'cpuMsPerJob')).toFixed(3)} ms/job; median of ${rounds}`,
          }),
        );
      }
      const longhaulRun = bySide.get('longhaul')?.[0];
      const minimalRun = bySide.get('minimal')?.[0];
      if (longhaulRun && minimalRun) {
        const l = perJob(longhaulRun);
        const b = perJob(minimalRun);
        figures.push(
          figure({
            id: `worker.sqsRequestsPerJob.c${c}`,
            label: `SQS requests per job, worker side (receive + delete), concurrency ${c}`,
            value: l.sqs,
            unit: 'requests/job',
            baseline: { label: minimalLabel, value: b.sqs },
            better: 'lower',
            source,
          }),
          figure({
            id: `worker.dynamoWritesPerJob.c${c}`,
            label: `DynamoDB writes per job, worker side (claim + complete), concurrency ${c}`,
            value: l.dynamoWrites,
            unit: 'requests/job',
            baseline: { label: minimalLabel, value: b.dynamoWrites },
            better: 'lower',
            source,
          }),
        );
      }
      if (options.profile) {
        log(`CPU profile, concurrency ${c}: one round of Longhaul (full tracking) and the minimal loop`);
        const profiled = await alternate(
          emulator,
          ['longhaul', 'minimal'],
          1,
          { concurrency: c, total, warmup, profile: true },
          log,
        );
        const l = profiled.get('longhaul')?.[0]?.profile;
        const m = profiled.get('minimal')?.[0]?.profile;
        if (l && m) figures.push(...profileFigures(l, m, c, source));
      }
    }
  } finally {
    await emulator.stop();
  }
  figures.push(...(await overNetwork(options, rounds, log)));
  if (options.awsOnly) {
    printFigures(figures);
    return result(figures, options, total, warmup, rounds);
  }

  const metricsTotal = options.quick ? 2_000 : 20_000;
  log(
    `job metrics on and off on the embedded backend: ${metricsTotal} no-op jobs, concurrency ${concurrency}`,
  );
  const m = await embeddedMetrics(metricsTotal, concurrency, 3, log);
  figures.push(
    figure({
      id: 'worker.embedded.metrics.cpuMsPerJob.c16',
      label: 'Worker CPU per no-op job on the embedded backend with job metrics and event logs on',
      value: median(m.on),
      unit: 'ms CPU/job',
      baseline: { label: 'the same worker with `metrics: false`', value: median(m.off) },
      better: 'lower',
      source: 'embedded',
      note: `on minus off: ${(median(m.on) - median(m.off)).toFixed(4)} ms/job; median of 3, alternating`,
    }),
  );

  const embeddedTotal = options.quick ? 500 : 20_000;
  log(`worker overhead on the embedded backend: ${embeddedTotal} no-op jobs, concurrency ${concurrency}`);
  const e = await embedded(embeddedTotal, concurrency, rounds, log);
  figures.push(
    figure({
      id: 'worker.embedded.cpuMsPerJob.c16',
      label: 'Worker CPU per no-op job on the embedded backend (concurrency 16)',
      value: median(e.longhaul.map((m) => m.cpuMsPerJob)),
      unit: 'ms CPU/job',
      baseline: {
        label: 'loop over the same ports (receive, claim, complete, delete)',
        value: median(e.baseline.map((m) => m.cpuMsPerJob)),
      },
      better: 'lower',
      source: 'embedded',
      note: 'in one process, alternating; the embedded backend itself is in both figures',
    }),
    figure({
      id: 'worker.embedded.jobsPerSecond.c16',
      label: 'Worker throughput on the embedded backend (concurrency 16)',
      value: median(e.longhaul.map((m) => m.jobsPerSecond)),
      unit: 'jobs/s',
      baseline: { label: 'loop over the same ports', value: median(e.baseline.map((m) => m.jobsPerSecond)) },
      better: 'higher',
      source: 'embedded',
    }),
  );

  printFigures(figures);
  return result(figures, options, total, warmup, rounds);
}

function result(
  figures: Figure[],
  options: WorkerOverheadOptions,
  total: number,
  warmup: number,
  rounds: number,
): BenchResult {
  const flags = [
    options.quick ? ' --quick' : '',
    options.profile ? ' --profile' : '',
    options.awsOnly ? ' --aws-only' : '',
  ];
  return {
    name: 'worker-overhead',
    title: 'Worker overhead against a minimal hand-written SDK loop',
    command: `tsx --conditions=source scripts/bench/worker-overhead.ts${flags.join('')}`,
    quick: options.quick,
    at: new Date().toISOString(),
    machine: machineInfo(),
    figures,
    method:
      `${total} no-op jobs (${warmup} warm-up jobs not measured) enqueued with enqueueMany (full tracking; lean for the lean side, ` +
      "'off' and sqs-consumer), drained at concurrency 10 and 32 by Longhaul's worker and by two hand-written loops " +
      '(scripts/bench/baseline-worker.ts): the minimal loop, the leanest a competent engineer writes with the same guarantees ' +
      '(ReceiveMessage of up to 10 with long polling, a claim UpdateItem conditional on the status, a completion UpdateItem ' +
      'conditional on the owner token, both ReturnValues NONE with only the attributes they set, DeleteMessageBatch), and the ' +
      "mirrored loop, which makes Longhaul's own requests. Every side's SDK clients are configured as createClients() configures " +
      "Longhaul's (a silent SDK logger with no info, so the SDK copies no request for it). Each side runs in its own child " +
      'process, Longhaul from the built package (dist/); CPU is ' +
      'process.cpuUsage() of that process. dynalite and fauxqs run in their own processes. Rounds rotate the order of the sides; ' +
      `medians of ${rounds}. The profile figures (with --profile) come from one extra round with the inspector's sampling profiler ` +
      "over the measured window, self time bucketed by the script's path. The embedded figures run Longhaul's worker and a loop " +
      'over the same memory ports in one process. ' +
      `The round-trip figures run full and lean tracking and the minimal loop again at concurrency 10 (${options.quick ? 60 : 3_000} jobs, ` +
      `half of them warm-up) on a second dynalite + fauxqs whose servers hold every request ${roundTripMs} ms before handling it ` +
      "(a timer, no CPU): within an AWS region a job's writes wait on the network, and DynamoDB's time per clause is not spent on " +
      "the caller's cores, where on loopback the emulators' CPU bounds throughput on two cores.",
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, child: { type: 'string' } },
    strict: false,
  });
  if (typeof values.child === 'string') {
    const measurement = await childMain(JSON.parse(values.child) as ChildConfig);
    console.log(JSON.stringify(measurement));
    process.exit(0);
  }
  await runAsScript(run, writeResult);
}
