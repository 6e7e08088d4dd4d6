// Issue #5, item 8: scaling. Throughput and requests per job of Longhaul's worker and the hand-written
// baseline loop (same requests) at concurrency 1, 4, 16 and 64 on dynalite+fauxqs, and with pre-filled
// queues of 1k, 10k and 100k jobs: 1k and 10k on dynalite+fauxqs (the first 1,000 to finish measured),
// and all three on the embedded backend (pre-filling 100k jobs through dynalite takes minutes, so the
// emulator stops at 10k). Each emulator side runs in its own child process; sides alternate.
//
//   tsx --conditions=source scripts/bench/scaling.ts [--quick]

import { startDynaliteFauxqs } from './emulators.js';
import {
  type BenchResult,
  type Figure,
  figure,
  machineInfo,
  median,
  printFigures,
  type Series,
  writeResult,
} from './results.js';
import { isMain, runAsScript } from './shared.js';
import { alternate, embedded, perJob, type Side } from './worker-overhead.js';

export async function run(options: { quick: boolean }): Promise<BenchResult> {
  const log = (line: string) => console.log(line);
  const concurrencies = [1, 4, 16, 64];
  const perConcurrency = options.quick ? 40 : 600;
  const emulatorQueues = options.quick ? [100, 300] : [1_000, 10_000];
  const embeddedQueues = options.quick ? [100, 1_000, 3_000] : [1_000, 10_000, 100_000];
  const measuredFromQueue = options.quick ? 50 : 1_000;
  const sides: Side[] = ['longhaul', 'baseline'];
  const source = 'dynalite+fauxqs';
  const figures: Figure[] = [];
  const points = {
    concurrency: { longhaul: [] as Array<[number, number]>, baseline: [] as Array<[number, number]> },
    queue: { longhaul: [] as Array<[number, number]>, baseline: [] as Array<[number, number]> },
    embeddedQueue: { longhaul: [] as Array<[number, number]>, baseline: [] as Array<[number, number]> },
  };
  const emulator = await startDynaliteFauxqs();
  try {
    for (const concurrency of concurrencies) {
      // Enough jobs for every slot to be busy most of the run, and a warm-up of a tenth.
      const total = Math.max(perConcurrency, concurrency * 20);
      const warmup = Math.floor(total / 10);
      log(`concurrency ${concurrency} on ${source}: ${total} no-op jobs`);
      const bySide = await alternate(emulator, sides, 1, { concurrency, total, warmup }, log);
      const l = bySide.get('longhaul')?.[0];
      const b = bySide.get('baseline')?.[0];
      if (!l || !b) continue;
      points.concurrency.longhaul.push([concurrency, l.jobsPerSecond]);
      points.concurrency.baseline.push([concurrency, b.jobsPerSecond]);
      figures.push(
        figure({
          id: `scaling.jobsPerSecond.c${concurrency}`,
          label: `Worker throughput at concurrency ${concurrency}`,
          value: l.jobsPerSecond,
          unit: 'jobs/s',
          baseline: { label: 'hand-written SDK loop', value: b.jobsPerSecond },
          better: 'higher',
          source,
        }),
        figure({
          id: `scaling.sqsRequestsPerJob.c${concurrency}`,
          label: `SQS requests per job at concurrency ${concurrency} (worker side)`,
          value: perJob(l).sqs,
          unit: 'requests/job',
          baseline: { label: 'hand-written SDK loop', value: perJob(b).sqs },
          better: 'lower',
          source,
          note: `DynamoDB writes per job: ${perJob(l).dynamoWrites.toFixed(2)} (baseline ${perJob(b).dynamoWrites.toFixed(2)})`,
        }),
      );
    }
    for (const queued of emulatorQueues) {
      const total = Math.min(queued, measuredFromQueue);
      log(`queue of ${queued} on ${source}: the first ${total} jobs measured, concurrency 16`);
      const bySide = await alternate(
        emulator,
        sides,
        1,
        { concurrency: 16, total, warmup: Math.floor(total / 10), queued },
        log,
      );
      const l = bySide.get('longhaul')?.[0];
      const b = bySide.get('baseline')?.[0];
      if (!l || !b) continue;
      points.queue.longhaul.push([queued, l.jobsPerSecond]);
      points.queue.baseline.push([queued, b.jobsPerSecond]);
      figures.push(
        figure({
          id: `scaling.queue${queued}.jobsPerSecond`,
          label: `Worker throughput draining a queue of ${queued} jobs (concurrency 16)`,
          value: l.jobsPerSecond,
          unit: 'jobs/s',
          baseline: { label: 'hand-written SDK loop', value: b.jobsPerSecond },
          better: 'higher',
          source,
        }),
      );
    }
  } finally {
    await emulator.stop();
  }
  for (const queued of embeddedQueues) {
    const total = Math.min(queued, options.quick ? 500 : 10_000);
    log(`queue of ${queued} on the embedded backend: the first ${total} jobs measured, concurrency 16`);
    const e = await embedded(total, 16, 1, log, queued);
    const l = median(e.longhaul.map((m) => m.jobsPerSecond));
    const b = median(e.baseline.map((m) => m.jobsPerSecond));
    points.embeddedQueue.longhaul.push([queued, l]);
    points.embeddedQueue.baseline.push([queued, b]);
    figures.push(
      figure({
        id: `scaling.embedded.queue${queued}.jobsPerSecond`,
        label: `Worker throughput draining a queue of ${queued} jobs, embedded backend (concurrency 16)`,
        value: l,
        unit: 'jobs/s',
        baseline: { label: 'loop over the same ports', value: b },
        better: 'higher',
        source: 'embedded',
      }),
    );
  }
  const lines = (
    p: { longhaul: Array<[number, number]>; baseline: Array<[number, number]> },
    baseline: string,
  ) => [
    { label: 'Longhaul worker', points: p.longhaul },
    { label: baseline, points: p.baseline },
  ];
  const series: Series[] = [
    {
      id: 'scaling.concurrency',
      title: `Throughput by worker concurrency (${source})`,
      xLabel: 'concurrency',
      yLabel: 'jobs/s',
      xScale: 'log',
      lines: lines(points.concurrency, 'hand-written SDK loop'),
    },
    {
      id: 'scaling.queueSize',
      title: `Throughput by queue size (${source}, concurrency 16)`,
      xLabel: 'jobs in the queue',
      yLabel: 'jobs/s',
      xScale: 'log',
      lines: lines(points.queue, 'hand-written SDK loop'),
    },
    {
      id: 'scaling.embeddedQueueSize',
      title: 'Throughput by queue size (embedded backend, concurrency 16)',
      xLabel: 'jobs in the queue',
      yLabel: 'jobs/s',
      xScale: 'log',
      lines: lines(points.embeddedQueue, 'loop over the same ports'),
    },
  ];
  const result: BenchResult = {
    name: 'scaling',
    title: 'Scaling with concurrency and queue size',
    command: `tsx --conditions=source scripts/bench/scaling.ts${options.quick ? ' --quick' : ''}`,
    quick: options.quick,
    at: new Date().toISOString(),
    machine: machineInfo(),
    figures,
    series,
    method:
      `No-op jobs (full tracking) drained by Longhaul's worker and the hand-written SDK loop at concurrency ${concurrencies.join(', ')} ` +
      `(max(${perConcurrency}, 20 × concurrency) jobs, a tenth as warm-up) on dynalite+fauxqs, each side in its own child process; then ` +
      `queues pre-filled with ${emulatorQueues.join(' and ')} jobs on dynalite+fauxqs and ${embeddedQueues.join(', ')} on the embedded ` +
      `backend, measuring the first ${measuredFromQueue} (emulator) or 10,000 (embedded) jobs to finish at concurrency 16. The emulator ` +
      'stops at 10k: pre-filling 100k through dynalite takes too long. One round per point.',
  };
  printFigures(figures);
  return result;
}

if (isMain(import.meta.url)) await runAsScript(run, writeResult);
