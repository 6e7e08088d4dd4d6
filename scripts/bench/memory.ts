// `npm run bench -- memory`: what a worker holds per job in flight, and whether the embedded backend's
// heap stays flat over a long run. Each measurement runs in a fresh child process started with
// --expose-gc, so `gc()` can be forced before every sample.
//
//   in flight   1,000 long jobs (waiting on a gate) in one worker at concurrency 1,000, embedded backend:
//               RSS and heap after GC before the worker starts and with every job running.
//               Baseline: a trivial loop holding 1,000 pending promises.
//   drained     1,000,000 no-op jobs through one worker, heap after GC every 10,000, with the embedded
//               backend's default bounds in force (finished records evicted past `keepFinishedJobs`
//               and when their retention ends): nothing is removed by hand. Reported after 10k, 100k
//               and 1M jobs. Baseline: a loop settling as many promises, sampled the same way.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createWorker, defineTask, Longhaul, silentLogger } from 'longhaul';
import { defaultKeepFinishedJobs, memoryBackend } from 'longhaul/memory';
import { z } from 'zod';
import { type BenchResult, figure, machineInfo, type Series, writeResult } from './results.js';
import { benchChildArgs, isMain, type RunOptions, round, runAsScript, until } from './shared.js';

const MiB = 2 ** 20;
const KiB = 2 ** 10;

interface Usage {
  readonly rss: number;
  readonly heapUsed: number;
}

interface InFlight {
  readonly before: Usage;
  readonly during: Usage;
}

interface HeapRun {
  /** [jobs done, heapUsed after GC in bytes]. */
  readonly samples: Array<[number, number]>;
  /** Job records the embedded store held at the end (the worker's run only). */
  readonly records?: number;
  /** Wall time of the run, ms. */
  readonly ms?: number;
}

function settle(): Usage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function childInFlight(jobs: number): Promise<InFlight> {
  const backend = memoryBackend();
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let started = 0;
  const long = defineTask({
    name: 'bench.long',
    args: z.object({ i: z.number() }),
    run: async ({ i }) => {
      started++;
      await gate;
      return { i };
    },
  });
  await new Longhaul({ backend }).enqueueMany(
    long,
    Array.from({ length: jobs }, (_, i) => ({ i })),
  );
  const worker = createWorker({
    backend,
    tasks: [long],
    concurrency: jobs,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: 600,
    heartbeatIntervalSeconds: 300,
    logger: silentLogger,
  });
  await pause(100);
  const before = settle();
  worker.start();
  await until(() => started === jobs, 60_000, 'every job to start');
  await pause(200);
  const during = settle();
  open();
  await until(() => worker.stats.deleted === jobs, 60_000, 'every job to finish');
  await worker.stop();
  return { before, during };
}

async function childPromises(jobs: number): Promise<InFlight> {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  await pause(100);
  const before = settle();
  const pending = Array.from({ length: jobs }, async (_, i) => {
    const args = { i };
    await gate;
    return args;
  });
  await pause(200);
  const during = settle();
  open();
  await Promise.all(pending);
  return { before, during };
}

async function childHeap(jobs: number, every: number): Promise<HeapRun> {
  // The defaults a user gets: retention of days, `keepFinishedJobs` bounding the finished records kept.
  const backend = memoryBackend();
  const noop = defineTask({
    name: 'bench.noop',
    args: z.object({ i: z.number() }),
    run: async ({ i }) => ({ i }),
  });
  const longhaul = new Longhaul({ backend });
  const worker = createWorker({
    backend,
    tasks: [noop],
    concurrency: 16,
    waitTimeSeconds: 1,
    logger: silentLogger,
  });
  worker.start();
  const started = performance.now();
  const samples: Array<[number, number]> = [[0, settle().heapUsed]];
  for (let done = 0; done < jobs; done += every) {
    await longhaul.enqueueMany(
      noop,
      Array.from({ length: every }, (_, i) => ({ i: done + i })),
    );
    await until(() => worker.stats.deleted >= done + every, 600_000, 'the jobs to finish');
    await pause(100); // the last delete batch goes out
    samples.push([done + every, settle().heapUsed]);
  }
  const ms = Math.round(performance.now() - started);
  await worker.stop();
  return { samples, records: backend.store.recordCount, ms };
}

async function childHeapBaseline(jobs: number, every: number): Promise<HeapRun> {
  const live = new Map<number, { i: number }>();
  const samples: Array<[number, number]> = [[0, settle().heapUsed]];
  for (let done = 0; done < jobs; done += every) {
    await Promise.all(
      Array.from({ length: every }, async (_, k) => {
        const i = done + k;
        live.set(i, { i });
        await new Promise((resolve) => setImmediate(resolve));
        live.delete(i);
      }),
    );
    samples.push([done + every, settle().heapUsed]);
  }
  return { samples };
}

/** Runs this file in a child with --expose-gc and returns what it printed. */
function inChild<T>(mode: string, ...args: number[]): T {
  const file = fileURLToPath(import.meta.url);
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', ...benchChildArgs(), file, '--child', mode, ...args.map(String)],
    { encoding: 'utf8', maxBuffer: 512 * MiB },
  );
  if (child.status !== 0) throw new Error(`memory child ${mode} failed:\n${child.stderr}`);
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as T;
}

/** Least-squares slope of y over x. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** heapUsed after `jobs` jobs, in MiB (the sample at that point of the run). */
function heapAt(run: HeapRun, jobs: number): number {
  const sample = run.samples.find(([done]) => done === jobs);
  if (!sample) throw new Error(`no heap sample at ${jobs} jobs`);
  return round(sample[1] / MiB, 1);
}

export async function run({ quick }: RunOptions): Promise<BenchResult> {
  const inFlightJobs = quick ? 100 : 1_000;
  // Checkpoints of one run: 10k, 100k and 1M jobs drained (quick: 2k, 10k, 20k).
  const checkpoints = quick ? [2_000, 10_000, 20_000] : [10_000, 100_000, 1_000_000];
  const longRun = checkpoints.at(-1) ?? 0;
  const every = checkpoints[0] ?? 1;
  const worker = inChild<InFlight>('inflight', inFlightJobs);
  const promises = inChild<InFlight>('promises', inFlightJobs);
  console.error('memory: in-flight done');
  const heap = inChild<HeapRun>('heap', longRun, every);
  const heapBaseline = inChild<HeapRun>('heap-baseline', longRun, every);
  console.error('memory: long run done');
  const perJob = (m: InFlight, key: keyof Usage) => (m.during[key] - m.before[key]) / inFlightJobs / KiB;
  // Fitted once the finished-records bound is full (from the second checkpoint): growth past it is a leak.
  const flatFrom = checkpoints[1] ?? every;
  const kibPer1000 = (h: HeapRun) => round((slope(h.samples.filter(([x]) => x >= flatFrom)) * 1000) / KiB, 3);
  const heapSeries: Series = {
    id: 'memory-heap',
    title: `Heap after GC over a ${longRun.toLocaleString('en')}-job run (embedded backend, default bounds)`,
    xLabel: 'jobs done',
    yLabel: 'MiB',
    lines: [
      { label: 'Longhaul worker', points: heap.samples.map(([x, y]) => [x, round(y / MiB, 3)] as const) },
      {
        label: 'baseline: loop settling promises',
        points: heapBaseline.samples.map(([x, y]) => [x, round(y / MiB, 3)] as const),
      },
    ],
  };
  const note = `${inFlightJobs} in flight; before → during: RSS ${round(worker.before.rss / MiB, 1)} → ${round(worker.during.rss / MiB, 1)} MiB, heap ${round(worker.before.heapUsed / MiB, 1)} → ${round(worker.during.heapUsed / MiB, 1)} MiB`;
  const drained = checkpoints.map((jobs) =>
    figure({
      id: `memory.drained.heapMiB.${jobs >= 1_000_000 ? `${jobs / 1_000_000}M` : `${jobs / 1_000}k`}`,
      label: `heap after GC, ${jobs.toLocaleString('en')} jobs drained (default bounds)`,
      value: heapAt(heap, jobs),
      unit: 'MiB',
      baseline: { label: 'loop settling promises', value: heapAt(heapBaseline, jobs) },
      better: 'lower',
      source: 'embedded',
      note: `whole process heap (tsx and loaded modules included); the store keeps at most ${defaultKeepFinishedJobs.toLocaleString('en')} finished records`,
    }),
  );
  return {
    name: 'memory',
    title: 'Memory',
    command: `npm run bench -- memory${quick ? ' --quick' : ''}`,
    quick,
    at: new Date().toISOString(),
    machine: machineInfo(),
    figures: [
      figure({
        id: 'memory.inFlight.heapKiBPerJob',
        label: 'heap per in-flight job (after GC)',
        value: round(perJob(worker, 'heapUsed'), 2),
        unit: 'KiB',
        baseline: { label: 'a pending promise', value: round(perJob(promises, 'heapUsed'), 2) },
        better: 'lower',
        source: 'embedded',
        note,
      }),
      figure({
        id: 'memory.inFlight.rssKiBPerJob',
        label: 'RSS per in-flight job',
        value: round(perJob(worker, 'rss'), 2),
        unit: 'KiB',
        baseline: { label: 'a pending promise', value: round(perJob(promises, 'rss'), 2) },
        better: 'lower',
        source: 'embedded',
        note: 'RSS moves in whole pages and heap chunks: the heap figure is the finer one',
      }),
      figure({
        id: 'memory.inFlight.rssMiB',
        label: `worker RSS with ${inFlightJobs} jobs in flight`,
        value: round(worker.during.rss / MiB, 1),
        unit: 'MiB',
        baseline: { label: `${inFlightJobs} pending promises`, value: round(promises.during.rss / MiB, 1) },
        better: 'lower',
        source: 'embedded',
        note: 'each process includes tsx and the modules it loaded',
      }),
      ...drained,
      figure({
        id: 'memory.longRun.heapSlope',
        label: `heap growth after GC from ${flatFrom.toLocaleString('en')} to ${longRun.toLocaleString('en')} jobs (least-squares slope)`,
        value: kibPer1000(heap),
        unit: 'KiB per 1,000 jobs',
        baseline: { label: 'loop settling promises', value: kibPer1000(heapBaseline) },
        better: 'lower',
        source: 'embedded',
        note: `records held at the end: ${(heap.records ?? 0).toLocaleString('en')}; ${round(longRun / ((heap.ms ?? 1) / 1000), 0).toLocaleString('en')} jobs/s over the run; a ratio of two slopes near zero means little`,
      }),
    ],
    series: [heapSeries],
    method: [
      `In flight: ${inFlightJobs} jobs enqueued with enqueueMany, then one worker (concurrency ${inFlightJobs}) starts them all; each waits on a shared gate. RSS and heapUsed after two forced GCs, before the worker starts and once every job has started, divided by the number of jobs. Baseline: ${inFlightJobs} async functions awaiting a gate, each holding a small object.`,
      `Drained: ${longRun.toLocaleString('en')} no-op jobs in batches of ${every.toLocaleString('en')} (enqueueMany, full tracking) through one worker at concurrency 16 on \`memoryBackend()\` with its defaults (retention of days, at most ${defaultKeepFinishedJobs.toLocaleString('en')} finished records kept); nothing is removed by hand. heapUsed after GC is sampled after each batch and reported at ${checkpoints.map((c) => c.toLocaleString('en')).join(', ')} jobs; the slope is fitted from ${flatFrom.toLocaleString('en')} jobs on, once the bound is full. Baseline: a loop settling as many promises, each parked in a Map while pending.`,
      'Each measurement runs in a fresh `node --expose-gc` child process.',
    ].join(' '),
  };
}

if (process.argv[2] === '--child') {
  const [mode, a = '0', b = '0'] = process.argv.slice(3);
  const n = Number(a);
  const m = Number(b);
  const out =
    mode === 'inflight'
      ? await childInFlight(n)
      : mode === 'promises'
        ? await childPromises(n)
        : mode === 'heap'
          ? await childHeap(n, m)
          : await childHeapBaseline(n, m);
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else if (isMain(import.meta.url)) {
  await runAsScript(run, writeResult);
}
