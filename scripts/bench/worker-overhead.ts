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
import { runBaselineWorker, runPortLoop } from './baseline-worker.js';
import {
  benchResources,
  clientsFor,
  type Emulator,
  type Endpoints,
  processCpuSeconds,
  startDynaliteFauxqs,
} from './emulators.js';
import { type BenchResult, type Figure, figure, machineInfo, printFigures, writeResult } from './results.js';
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
  | 'longhaul-untracked'
  | 'longhaul-traced'
  | 'longhaul-nometrics'
  | 'baseline'
  | 'baseline-none'
  | 'sqs-consumer';

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
  const onTask = () => {
    started++;
    if (started === config.warmup + 1) mark = { cpu: process.cpuUsage(), at: performance.now() };
  };
  if (config.warmup === 0) mark = { cpu: process.cpuUsage(), at: performance.now() };
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
  const finished = () => {
    end = { cpu: process.cpuUsage(), at: performance.now() };
  };
  if (
    config.side === 'longhaul' ||
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

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

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
  shape: { concurrency: number; total: number; warmup: number; tracking?: Tracking; queued?: number },
  log: (line: string) => void,
): Promise<Map<Side, SideMeasurement[]>> {
  const bySide = new Map<Side, SideMeasurement[]>(sides.map((side) => [side, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const resources = await prefilledQueue(emulator, shape.queued ?? shape.total, shape.tracking);
      const serverCpu = emulator.pids.map(processCpuSeconds);
      const { concurrency, total, warmup } = shape;
      const m = await measureInChild({ side, endpoints: emulator, resources, concurrency, total, warmup });
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

export async function run(options: { quick: boolean }): Promise<BenchResult> {
  const log = (line: string) => console.log(line);
  const concurrency = 16;
  const total = options.quick ? 120 : 3_000;
  const warmup = options.quick ? 20 : 300;
  const rounds = options.quick ? 1 : 3;
  const emulator = await startDynaliteFauxqs();
  const figures: Figure[] = [];
  try {
    log(
      `worker overhead on dynalite+fauxqs: ${total} no-op jobs (${warmup} warm-up), concurrency ${concurrency}, ${rounds} round(s)`,
    );
    const sides: Side[] = ['longhaul', 'longhaul-nometrics', 'baseline', 'baseline-none'];
    const bySide = await alternate(emulator, sides, rounds, { concurrency, total, warmup }, log);
    const med = (side: Side, key: 'cpuMsPerJob' | 'jobsPerSecond') =>
      median((bySide.get(side) ?? []).map((m) => m[key]));
    const source = 'dynalite+fauxqs';
    const baselineLabel = 'hand-written SDK loop, same requests';
    figures.push(
      figure({
        id: 'worker.cpuMsPerJob.c16',
        label: 'Worker client CPU per no-op job (full tracking, concurrency 16)',
        value: med('longhaul', 'cpuMsPerJob'),
        unit: 'ms CPU/job',
        baseline: { label: baselineLabel, value: med('baseline', 'cpuMsPerJob') },
        better: 'lower',
        source,
        note: `Longhaul minus baseline: ${(med('longhaul', 'cpuMsPerJob') - med('baseline', 'cpuMsPerJob')).toFixed(3)} ms/job; median of ${rounds}`,
      }),
      figure({
        id: 'worker.jobsPerSecond.c16',
        label: 'Worker throughput, no-op jobs (full tracking, concurrency 16)',
        value: med('longhaul', 'jobsPerSecond'),
        unit: 'jobs/s',
        baseline: { label: baselineLabel, value: med('baseline', 'jobsPerSecond') },
        better: 'higher',
        source,
        note: `target ≥ 0.9x; median of ${rounds}`,
      }),
      figure({
        id: 'worker.metrics.cpuMsPerJob.c16',
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
      figure({
        id: 'worker.cpuMsPerJob.completeReturnsNone',
        label: 'Baseline CPU per job if the completing UpdateItem returned nothing (ReturnValues NONE)',
        value: med('baseline-none', 'cpuMsPerJob'),
        unit: 'ms CPU/job',
        baseline: {
          label: 'the same loop with ReturnValues ALL_NEW (as Longhaul)',
          value: med('baseline', 'cpuMsPerJob'),
        },
        better: 'lower',
        source,
        note: 'what dropping ALL_NEW from DynamoJobStore.complete would save',
      }),
    );
    const longhaulRun = bySide.get('longhaul')?.[0];
    const baselineRun = bySide.get('baseline')?.[0];
    if (longhaulRun && baselineRun) {
      const l = perJob(longhaulRun);
      const b = perJob(baselineRun);
      figures.push(
        figure({
          id: 'worker.sqsRequestsPerJob',
          label: 'SQS requests per job, worker side (receive + delete)',
          value: l.sqs,
          unit: 'requests/job',
          baseline: { label: baselineLabel, value: b.sqs },
          better: 'lower',
          source,
        }),
        figure({
          id: 'worker.dynamoWritesPerJob',
          label: 'DynamoDB writes per job, worker side (claim + complete)',
          value: l.dynamoWrites,
          unit: 'requests/job',
          baseline: { label: baselineLabel, value: b.dynamoWrites },
          better: 'lower',
          source,
        }),
      );
    }
  } finally {
    await emulator.stop();
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

  const result: BenchResult = {
    name: 'worker-overhead',
    title: 'Worker overhead against a hand-written SDK loop',
    command: `tsx --conditions=source scripts/bench/worker-overhead.ts${options.quick ? ' --quick' : ''}`,
    quick: options.quick,
    at: new Date().toISOString(),
    machine: machineInfo(),
    figures,
    method:
      `${total} no-op jobs (${warmup} warm-up jobs not measured) enqueued with enqueueMany (full tracking), drained at concurrency ${concurrency} by ` +
      "Longhaul's worker and by a hand-written loop (scripts/bench/baseline-worker.ts) making the same requests: ReceiveMessage of up to 10, " +
      'the same conditional UpdateItem claim and complete, DeleteMessageBatch. Each side runs in its own child process; CPU is ' +
      'process.cpuUsage() of that process. dynalite and fauxqs run in their own processes. Sides alternate order over ' +
      `${rounds} round(s); medians. The embedded figures run Longhaul's worker and a loop over the same memory ports in one process.`,
  };
  printFigures(figures);
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, child: { type: 'string' } },
  });
  if (values.child) {
    const measurement = await childMain(JSON.parse(values.child) as ChildConfig);
    console.log(JSON.stringify(measurement));
    process.exit(0);
  }
  await runAsScript(run, writeResult);
}
