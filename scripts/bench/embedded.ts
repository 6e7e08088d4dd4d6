// Issue 16 (B): the embedded backend's CPU and throughput. Queues pre-filled with 10k, 100k and 1M no-op
// jobs (full tracking, enqueueMany) are drained at concurrency 16 by Longhaul's worker and by the loop
// over the same memory ports (`runPortLoop`), each run in a child process of its own, so
// `process.cpuUsage()` there is that side's CPU and nothing else's. The figures are jobs/s and CPU
// microseconds per job over the measured jobs (every queued job, up to 1M); a flat line from 10k to 1M
// says nothing in the transport or the store grows with the number of jobs it holds.
//
//   tsx --conditions=source scripts/bench/embedded.ts [--quick]
//
// One side by hand, with a CPU profile of the drain (not the enqueue):
//   BENCH_EMBEDDED_PROFILE=/tmp/drain.cpuprofile node --conditions=source --import tsx \
//     scripts/bench/embedded.ts --child '{"side":"longhaul","queued":100000,"measured":100000,"concurrency":16}'

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';
import { createWorker, defineTask, Longhaul } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { runPortLoop } from './baseline-worker.js';
import {
  type BenchResult,
  type Figure,
  figure,
  machineInfo,
  median,
  printFigures,
  roundsNote,
  type Series,
  writeResult,
} from './results.js';
import { isMain, measureInChildProcess, runAsScript } from './shared.js';

const noop = defineTask({ name: 'bench.noop', retries: 0, run: () => null });
const silent = { debug() {}, info() {}, warn() {}, error: (m: string, f?: object) => console.error(m, f) };

type EmbeddedSide = 'longhaul' | 'baseline';

interface EmbeddedConfig {
  readonly side: EmbeddedSide;
  readonly queued: number;
  /** The first `measured` jobs to finish are measured. */
  readonly measured: number;
  readonly concurrency: number;
}

interface EmbeddedMeasurement {
  readonly side: EmbeddedSide;
  readonly queued: number;
  readonly measured: number;
  readonly jobsPerSecond: number;
  readonly cpuUsPerJob: number;
  /** Enqueueing the queue with enqueueMany, per job (not part of the drain figures). */
  readonly enqueueCpuUsPerJob: number;
}

async function childMain(config: EmbeddedConfig): Promise<EmbeddedMeasurement> {
  const backend = memoryBackend();
  const longhaul = new Longhaul({ backend });
  const enqueueCpu = process.cpuUsage();
  for (let i = 0; i < config.queued; i += 10_000) {
    const n = Math.min(10_000, config.queued - i);
    await longhaul.enqueueMany(
      noop,
      Array.from({ length: n }, () => undefined),
    );
  }
  const enqueued = process.cpuUsage(enqueueCpu);
  const profile = process.env.BENCH_EMBEDDED_PROFILE ? await startProfile() : undefined;
  const cpu = process.cpuUsage();
  const at = performance.now();
  let completed: () => number;
  let stop: () => Promise<void>;
  if (config.side === 'longhaul') {
    const worker = createWorker({
      backend,
      tasks: [noop],
      concurrency: config.concurrency,
      logger: silent,
      // Job metrics on (the default), their lines dropped.
      metrics: { sink: () => {} },
    }).start();
    completed = () => worker.stats.deleted;
    stop = () => worker.stop();
  } else {
    const loop = runPortLoop({ backend, concurrency: config.concurrency });
    completed = () => loop.counts.completed;
    stop = () => loop.stop();
  }
  while (completed() < config.measured) await new Promise((resolve) => setTimeout(resolve, 2));
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - at;
  if (profile) await profile.stopTo(process.env.BENCH_EMBEDDED_PROFILE as string);
  void stop();
  return {
    side: config.side,
    queued: config.queued,
    measured: config.measured,
    jobsPerSecond: (config.measured / wallMs) * 1000,
    cpuUsPerJob: (used.user + used.system) / config.measured,
    enqueueCpuUsPerJob: (enqueued.user + enqueued.system) / config.queued,
  };
}

/** A CPU profile of the drain only (BENCH_EMBEDDED_PROFILE=<file>): the enqueue is left out. */
async function startProfile(): Promise<{ stopTo(file: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stopTo(file) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

function measure(config: EmbeddedConfig): Promise<EmbeddedMeasurement> {
  return measureInChildProcess(fileURLToPath(import.meta.url), '--child', config, config.side);
}

export async function run(options: { quick: boolean }): Promise<BenchResult> {
  const log = (line: string) => console.log(line);
  const concurrency = 16;
  const sizes = options.quick ? [1_000, 3_000] : [10_000, 100_000, 1_000_000];
  // Rounds per size, sides alternating: five, and three at 1M (each side drains a million jobs a round).
  // On a shared machine one round can run at two thirds the speed of the next; the figures' notes give
  // the spread of the ratio round by round.
  const roundsFor = (queued: number) => (options.quick ? 1 : queued >= 1_000_000 ? 3 : 5);
  // BENCH_EMBEDDED_MEASURE caps the measured jobs per point (a diagnostic for slow versions).
  const cap = Number(process.env.BENCH_EMBEDDED_MEASURE ?? Infinity);
  const figures: Figure[] = [];
  const points = {
    jobsPerSecond: { longhaul: [] as Array<[number, number]>, baseline: [] as Array<[number, number]> },
    cpu: { longhaul: [] as Array<[number, number]>, baseline: [] as Array<[number, number]> },
  };
  for (const queued of sizes) {
    const measured = Math.min(queued, cap);
    const bySide: Record<EmbeddedSide, EmbeddedMeasurement[]> = { longhaul: [], baseline: [] };
    for (let round = 0; round < roundsFor(queued); round++) {
      const order: EmbeddedSide[] = round % 2 === 0 ? ['longhaul', 'baseline'] : ['baseline', 'longhaul'];
      for (const side of order) {
        const m = await measure({ side, queued, measured, concurrency });
        bySide[side].push(m);
        log(
          `  ${queued} queued, round ${round + 1} ${side.padEnd(9)} ${m.jobsPerSecond.toFixed(0).padStart(7)} jobs/s  ${m.cpuUsPerJob.toFixed(1).padStart(6)} us CPU/job  (enqueue ${m.enqueueCpuUsPerJob.toFixed(1)} us/job)`,
        );
      }
    }
    const of = (side: EmbeddedSide, key: 'jobsPerSecond' | 'cpuUsPerJob') => bySide[side].map((m) => m[key]);
    const l = { jps: median(of('longhaul', 'jobsPerSecond')), cpu: median(of('longhaul', 'cpuUsPerJob')) };
    const b = { jps: median(of('baseline', 'jobsPerSecond')), cpu: median(of('baseline', 'cpuUsPerJob')) };
    points.jobsPerSecond.longhaul.push([queued, l.jps]);
    points.jobsPerSecond.baseline.push([queued, b.jps]);
    points.cpu.longhaul.push([queued, l.cpu]);
    points.cpu.baseline.push([queued, b.cpu]);
    const measuredNote = measured < queued ? ` (the first ${measured} measured)` : '';
    figures.push(
      figure({
        id: `embedded.queue${queued}.jobsPerSecond`,
        label: `Embedded backend: draining ${queued} queued no-op jobs${measuredNote}, concurrency 16`,
        value: l.jps,
        unit: 'jobs/s',
        baseline: { label: 'loop over the same ports', value: b.jps },
        better: 'higher',
        source: 'embedded',
        note: `target ≥ 50,000 jobs/s; ${roundsNote(of('longhaul', 'jobsPerSecond'), of('baseline', 'jobsPerSecond'))}`,
      }),
      figure({
        id: `embedded.queue${queued}.cpuUsPerJob`,
        label: `Embedded backend: CPU per job draining ${queued} queued no-op jobs${measuredNote}`,
        value: l.cpu,
        unit: 'us/job',
        baseline: { label: 'loop over the same ports', value: b.cpu },
        better: 'lower',
        source: 'embedded',
        note: `target ≤ 20 µs; ${roundsNote(of('longhaul', 'cpuUsPerJob'), of('baseline', 'cpuUsPerJob'))}`,
      }),
    );
  }
  const lines = (p: { longhaul: Array<[number, number]>; baseline: Array<[number, number]> }) => [
    { label: 'Longhaul worker', points: p.longhaul },
    { label: 'loop over the same ports', points: p.baseline },
  ];
  const series: Series[] = [
    {
      id: 'embedded.queueSize.jobsPerSecond',
      title: 'Embedded backend: throughput by queue size (concurrency 16)',
      xLabel: 'jobs in the queue',
      yLabel: 'jobs/s',
      xScale: 'log',
      lines: lines(points.jobsPerSecond),
    },
    {
      id: 'embedded.queueSize.cpuUsPerJob',
      title: 'Embedded backend: CPU per job by queue size (concurrency 16)',
      xLabel: 'jobs in the queue',
      yLabel: 'us CPU/job',
      xScale: 'log',
      lines: lines(points.cpu),
    },
  ];
  const result: BenchResult = {
    name: 'embedded',
    title: 'Embedded backend: throughput and CPU by queue size',
    command: `tsx --conditions=source scripts/bench/embedded.ts${options.quick ? ' --quick' : ''}`,
    quick: options.quick,
    at: new Date().toISOString(),
    machine: machineInfo(),
    figures,
    series,
    method:
      `Queues of ${sizes.join(', ')} no-op jobs (full tracking, enqueued with enqueueMany, not measured) drained at ` +
      `concurrency ${concurrency} by Longhaul's worker (job metrics on, lines dropped) and by the loop over the same ` +
      'memory ports (runPortLoop), each in a child process of its own, from the worker start until the last measured ' +
      "job is finished; CPU is that process's user + system time. Sides alternate; 5 rounds per size (3 at 1M), medians; each figure's note gives the ratio's range round by round.",
  };
  printFigures(figures);
  return result;
}

const childAt = process.argv.indexOf('--child');
if (childAt !== -1) {
  const config = JSON.parse(process.argv[childAt + 1] ?? '{}') as EmbeddedConfig;
  const m = await childMain(config);
  console.log(JSON.stringify(m));
  process.exit(0);
} else if (isMain(import.meta.url)) await runAsScript(run, writeResult);
