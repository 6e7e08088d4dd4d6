// Issue #14: what tracing costs a worker. The same no-op jobs (pre-enqueued with enqueueMany) are
// drained by Longhaul's worker with telemetry off (no tracer provider: the OpenTelemetry API hands out
// non-recording spans) and with a tracer provider registered whose exporter discards every span, each
// in its own child process (worker-overhead.ts's harness), alternating which goes first. The figure is
// client CPU per job; the aim is an increase under 5%.
//
//   tsx --conditions=source scripts/bench/tracing-overhead.ts [--quick]

import { fileURLToPath } from 'node:url';
import { createWorker, Longhaul, silentLogger } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { startDynaliteFauxqs } from './emulators.js';
import {
  type BenchResult,
  type Figure,
  figure,
  machineInfo,
  median,
  printFigures,
  writeResult,
} from './results.js';
import { isMain, measureInChildProcess, runAsScript } from './shared.js';
import { alternate, noop, registerDiscardingTracer, type Side } from './worker-overhead.js';

/** One embedded-backend run in a child process: jobs enqueued and drained there, the drain measured. */
interface EmbeddedRun {
  readonly traced: boolean;
  readonly cpuMsPerJob: number;
}

async function embeddedChild(traced: boolean, total: number): Promise<EmbeddedRun> {
  if (traced) registerDiscardingTracer();
  const backend = memoryBackend();
  // Enqueued in this process, so with tracing on every job carries its batch's trace context.
  const longhaul = new Longhaul({ backend });
  for (let i = 0; i < total; i += 500) {
    await longhaul.enqueueMany(
      noop,
      Array.from({ length: Math.min(500, total - i) }, () => undefined),
    );
  }
  const cpu = process.cpuUsage();
  // Metrics off: their cost is measured in worker-overhead.ts, and their lines would share stdout with the result.
  const worker = createWorker({
    backend,
    tasks: [noop],
    concurrency: 16,
    logger: silentLogger,
    metrics: false,
  }).start();
  while (worker.stats.deleted < total) await new Promise((resolve) => setTimeout(resolve, 2));
  const used = process.cpuUsage(cpu);
  void worker.stop();
  return { traced, cpuMsPerJob: (used.user + used.system) / 1000 / total };
}

function runEmbeddedChild(traced: boolean, total: number): Promise<EmbeddedRun> {
  return measureInChildProcess(
    fileURLToPath(import.meta.url),
    '--embedded-child',
    { traced, total },
    'embedded',
  );
}

export async function run(options: { quick: boolean }): Promise<BenchResult> {
  const log = (line: string) => console.log(line);
  const concurrency = 16;
  // The quick run is CI's smoke run (it checks that the bench works, not what it measures): two short
  // rounds, so each side still goes first once. Figures worth quoting come from the full run.
  const total = options.quick ? 150 : 3_000;
  const warmup = options.quick ? 30 : 300;
  const rounds = options.quick ? 2 : 5;
  const emulator = await startDynaliteFauxqs();
  const figures: Figure[] = [];
  let spread = '';
  try {
    log(
      `tracing overhead on dynalite+fauxqs: ${total} no-op jobs (${warmup} warm-up), concurrency ${concurrency}, ${rounds} round(s)`,
    );
    const sides: Side[] = ['longhaul', 'longhaul-traced'];
    const bySide = await alternate(emulator, sides, rounds, { concurrency, total, warmup }, log);
    const cpu = (side: Side) => (bySide.get(side) ?? []).map((m) => m.cpuMsPerJob);
    const rate = (side: Side) => (bySide.get(side) ?? []).map((m) => m.jobsPerSecond);
    const off = median(cpu('longhaul'));
    const on = median(cpu('longhaul-traced'));
    spread = `off ${cpu('longhaul')
      .map((v) => v.toFixed(3))
      .join(', ')}; on ${cpu('longhaul-traced')
      .map((v) => v.toFixed(3))
      .join(', ')} ms CPU/job`;
    figures.push(
      figure({
        id: 'tracing.cpuMsPerJob.c16',
        label: 'Worker client CPU per no-op job with a tracer provider registered (spans discarded)',
        value: on,
        unit: 'ms CPU/job',
        baseline: { label: 'telemetry off (no tracer provider)', value: off },
        better: 'lower',
        source: 'dynalite+fauxqs',
        note: `${(((on - off) / off) * 100).toFixed(1)}% more CPU per job (aim: under 5%); median of ${rounds}; ${spread}`,
      }),
      figure({
        id: 'tracing.jobsPerSecond.c16',
        label: 'Worker throughput with a tracer provider registered',
        value: median(rate('longhaul-traced')),
        unit: 'jobs/s',
        baseline: { label: 'telemetry off', value: median(rate('longhaul')) },
        better: 'higher',
        source: 'dynalite+fauxqs',
        note: `median of ${rounds}`,
      }),
    );
  } finally {
    await emulator.stop();
  }

  // The embedded backend has no HTTP at all: Longhaul's own CPU per job is all there is, so this is
  // the relative cost at its largest (producer spans included: the jobs are enqueued traced).
  const embeddedTotal = options.quick ? 1_000 : 20_000;
  log(`tracing overhead on the embedded backend: ${embeddedTotal} no-op jobs, concurrency ${concurrency}`);
  const embedded = { off: [] as number[], on: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    for (const traced of round % 2 === 0 ? [false, true] : [true, false]) {
      const m = await runEmbeddedChild(traced, embeddedTotal);
      (traced ? embedded.on : embedded.off).push(m.cpuMsPerJob);
      log(
        `  embedded round ${round + 1} ${traced ? 'traced' : 'off   '} ${m.cpuMsPerJob.toFixed(4)} ms CPU/job`,
      );
    }
  }
  const embeddedOff = median(embedded.off);
  const embeddedOn = median(embedded.on);
  figures.push(
    figure({
      id: 'tracing.embedded.cpuMsPerJob.c16',
      label: 'Worker CPU per no-op job on the embedded backend, tracer provider registered',
      value: embeddedOn,
      unit: 'ms CPU/job',
      baseline: { label: 'telemetry off', value: embeddedOff },
      better: 'lower',
      source: 'embedded',
      note: `+${((embeddedOn - embeddedOff) * 1000).toFixed(1)} µs CPU per job (${(((embeddedOn - embeddedOff) / embeddedOff) * 100).toFixed(1)}%); each side in its own process; median of ${rounds}`,
    }),
  );
  printFigures(figures);
  return {
    name: 'tracing-overhead',
    title: 'Tracing overhead: a registered tracer provider against telemetry off',
    command: `npm run bench -- tracing-overhead${options.quick ? ' --quick' : ''}`,
    quick: options.quick,
    at: new Date().toISOString(),
    machine: machineInfo(),
    figures,
    method: `Longhaul's worker drains ${total} pre-enqueued no-op jobs (${warmup} warm-up) at concurrency ${concurrency}, once with no tracer provider registered and once with a BasicTracerProvider, a BatchSpanProcessor and an exporter that discards every span (plus the AsyncLocalStorage context manager), each in its own child process; ${rounds} rounds alternate which goes first. Then the same on the embedded backend (${embeddedTotal} jobs enqueued and drained in a child process; the drain measured). One CONSUMER span per attempt is recorded. The jobs were enqueued without trace context, so each attempt's span starts a trace.`,
  };
}

if (isMain(import.meta.url)) {
  const child = process.argv.indexOf('--embedded-child');
  if (child > 0) {
    const { traced, total } = JSON.parse(process.argv[child + 1] ?? '{}') as {
      traced: boolean;
      total: number;
    };
    console.log(JSON.stringify(await embeddedChild(traced, total)));
    process.exit(0);
  }
  await runAsScript(run, writeResult);
}
