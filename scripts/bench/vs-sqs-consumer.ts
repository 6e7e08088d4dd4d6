// Issue #5, item 2: Longhaul against sqs-consumer, the SQS poller most Node teams use. No-op messages
// per second at equal concurrency on the same SQS emulator (fauxqs; dynalite for Longhaul's table).
//
// sqs-consumer runs the messages of one receive at once and receives again when all are done, so its
// concurrency is its `batchSize`, at most 10: all run at 10. Longhaul runs twice: in its leanest mode,
// a worker with `tracking: 'off'` (no job records, no DynamoDB request: what sqs-consumer does), and
// with records under lean tracking, which claims and completes every job in DynamoDB (two conditional
// UpdateItems per job that sqs-consumer does not make). Each side runs in its own child process.
//
//   tsx --conditions=source scripts/bench/vs-sqs-consumer.ts [--quick]

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
import { isMain, runAsScript } from './shared.js';
import { alternate, perJob, type Side } from './worker-overhead.js';

export async function run(options: { quick: boolean }): Promise<BenchResult> {
  const log = (line: string) => console.log(line);
  const concurrency = 10;
  const total = options.quick ? 100 : 3_000;
  const warmup = options.quick ? 20 : 300;
  const rounds = options.quick ? 1 : 3;
  const emulator = await startDynaliteFauxqs();
  const figures: Figure[] = [];
  const source = 'dynalite+fauxqs';
  try {
    log(
      `Longhaul (untracked and lean) vs sqs-consumer on ${source}: ${total} no-op messages, concurrency ${concurrency}, ${rounds} round(s)`,
    );
    const sides: Side[] = ['longhaul-untracked', 'sqs-consumer', 'longhaul'];
    const bySide = await alternate(
      emulator,
      sides,
      rounds,
      { concurrency, total, warmup, tracking: 'lean' },
      log,
    );
    const med = (side: Side, key: 'cpuMsPerJob' | 'jobsPerSecond') =>
      median((bySide.get(side) ?? []).map((m) => m[key]));
    const baselineLabel = 'sqs-consumer 15 (handleMessage, batchSize 10)';
    figures.push(
      figure({
        id: 'sqsConsumer.untracked.jobsPerSecond.c10',
        label:
          "No-op messages/s, Longhaul (tracking 'off', its leanest mode) vs sqs-consumer, concurrency 10",
        value: med('longhaul-untracked', 'jobsPerSecond'),
        unit: 'jobs/s',
        baseline: { label: baselineLabel, value: med('sqs-consumer', 'jobsPerSecond') },
        better: 'higher',
        source,
        note: `no DynamoDB request on either side; target ≥ 1x; median of ${rounds}`,
      }),
      figure({
        id: 'sqsConsumer.untracked.cpuMsPerJob.c10',
        label: "Client CPU per no-op message, Longhaul (tracking 'off') vs sqs-consumer",
        value: med('longhaul-untracked', 'cpuMsPerJob'),
        unit: 'ms CPU/job',
        baseline: { label: baselineLabel, value: med('sqs-consumer', 'cpuMsPerJob') },
        better: 'lower',
        source,
      }),
      figure({
        id: 'sqsConsumer.jobsPerSecond.c10',
        label: 'No-op messages/s, Longhaul with job records (lean tracking) vs sqs-consumer, concurrency 10',
        value: med('longhaul', 'jobsPerSecond'),
        unit: 'jobs/s',
        baseline: { label: baselineLabel, value: med('sqs-consumer', 'jobsPerSecond') },
        better: 'higher',
        source,
        note: `Longhaul also makes 2 conditional DynamoDB writes per job (claim, complete) that sqs-consumer does not; target ≥ 1x; median of ${rounds}`,
      }),
      figure({
        id: 'sqsConsumer.cpuMsPerJob.c10',
        label: 'Client CPU per no-op message, Longhaul with job records (lean) vs sqs-consumer',
        value: med('longhaul', 'cpuMsPerJob'),
        unit: 'ms CPU/job',
        baseline: { label: baselineLabel, value: med('sqs-consumer', 'cpuMsPerJob') },
        better: 'lower',
        source,
        note: "most of Longhaul's extra CPU is the SDK's cost of its two DynamoDB writes",
      }),
    );
    const l = bySide.get('longhaul')?.[0];
    const u = bySide.get('longhaul-untracked')?.[0];
    const c = bySide.get('sqs-consumer')?.[0];
    if (u && c) {
      figures.push(
        figure({
          id: 'sqsConsumer.untracked.sqsRequestsPerJob',
          label: "SQS requests per message, worker side, Longhaul (tracking 'off')",
          value: perJob(u).sqs,
          unit: 'requests/job',
          baseline: { label: `${baselineLabel}: one DeleteMessage per message`, value: perJob(c).sqs },
          better: 'lower',
          source,
        }),
      );
    }
    if (l && c) {
      figures.push(
        figure({
          id: 'sqsConsumer.sqsRequestsPerJob',
          label: 'SQS requests per message, worker side, Longhaul with job records (lean)',
          value: perJob(l).sqs,
          unit: 'requests/job',
          baseline: { label: `${baselineLabel}: one DeleteMessage per message`, value: perJob(c).sqs },
          better: 'lower',
          source,
        }),
        figure({
          id: 'sqsConsumer.dynamoWritesPerJob',
          label: 'DynamoDB writes per message, worker side (sqs-consumer makes none)',
          value: perJob(l).dynamoWrites,
          unit: 'requests/job',
          better: 'lower',
          source,
        }),
      );
    }
  } finally {
    await emulator.stop();
  }
  const result: BenchResult = {
    name: 'vs-sqs-consumer',
    title: 'Longhaul against sqs-consumer',
    command: `tsx --conditions=source scripts/bench/vs-sqs-consumer.ts${options.quick ? ' --quick' : ''}`,
    quick: options.quick,
    at: new Date().toISOString(),
    machine: machineInfo(),
    figures,
    method:
      `${total} no-op messages (${warmup} warm-up) sent with enqueueMany in lean tracking (messages only), drained at concurrency ` +
      `${concurrency} by Longhaul's worker and by sqs-consumer (handleMessage, batchSize 10: its concurrency is its batch), each in ` +
      "its own child process, on fauxqs (SQS) with dynalite (DynamoDB, used by Longhaul only). Longhaul runs with tracking 'off' " +
      '(no job records, no DynamoDB request, like sqs-consumer) and with job records (lean tracking: 2 conditional UpdateItems per ' +
      'job, claim and complete). Sides alternate; medians.',
  };
  printFigures(figures);
  return result;
}

if (isMain(import.meta.url)) await runAsScript(run, writeResult);
