// Issue #5, item 3: enqueue. The same number of no-op jobs sent one by one (`enqueue`, awaited in turn,
// as a web handler does) and all at once (`enqueueMany`), with full and lean tracking, against
// sqs-producer (`Producer.create({ queueUrl, sqs }).send(...)`) sending the same number of messages one
// by one and all at once, on fauxqs (SQS) + dynalite (DynamoDB). Jobs/s, client CPU per job
// (`process.cpuUsage()` of this process; the emulators run in their own) and requests per job. Cases
// alternate order over rounds; medians.
//
// The one-by-one cases then run again on emulators that hold every request 5 ms before handling it
// (`roundTripScript` in emulators.ts), a stand-in for the network round trip within an AWS region that
// loopback does not have: there the two requests of a full-tracking `enqueue` wait together.
//
//   tsx --conditions=source scripts/bench/enqueue.ts [--quick] [--only=one|many]
//
// `--only=one` or `--only=many` runs that mode's cases only (the race goes with `many`), prints their
// figures and writes no result file.

import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createWorker, Longhaul, silentLogger, type Tracking } from 'longhaul';
import { Producer } from 'sqs-producer';
import {
  benchResources,
  clientsFor,
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
import { isMain, runAsScript } from './shared.js';
import { noop } from './worker-overhead.js';

type Mode = 'one' | 'many';
/**
 * `send-and-put`: the leanest hand-written full-tracking enqueue, one by one: a SendMessage and a
 * conditional PutItem of the job's record at once (what full tracking must do at the least).
 */
type Case =
  | { kind: 'longhaul'; tracking: Tracking; mode: Mode }
  | { kind: 'sqs-producer'; mode: Mode }
  | { kind: 'send-and-put'; mode: 'one' };

interface Measured {
  readonly jobsPerSecond: number;
  readonly cpuMsPerJob: number;
  readonly sqsPerJob: number;
  readonly dynamoWritesPerJob: number;
}

const label = (c: Case) =>
  c.kind === 'longhaul' ? `longhaul ${c.tracking} ${c.mode}` : `${c.kind} ${c.mode}`;

export async function run(options: { quick: boolean; only?: Mode | undefined }): Promise<BenchResult> {
  const log = (line: string) => console.log(line);
  const sizes = {
    one: options.quick ? 20 : 300,
    many: options.quick ? 50 : 2_000,
    race: options.quick ? 50 : 500,
  };
  // Each case first sends as many jobs untimed: the figures are the steady state of a long-running
  // producer (a web server), not V8 optimizing the SDK's code in its first few hundred requests.
  const warmup = !options.quick;
  let race = { extraReceivesPerJob: 0, releasedPerJob: 0 };
  const rounds = options.quick ? 1 : 3;
  const modes: readonly Mode[] = options.only ? [options.only] : ['one', 'many'];
  const cases: Case[] = modes.flatMap((mode): Case[] => [
    { kind: 'longhaul', tracking: 'full', mode },
    { kind: 'longhaul', tracking: 'lean', mode },
    { kind: 'sqs-producer', mode },
    ...(mode === 'one' ? [{ kind: 'send-and-put', mode } as const] : []),
  ]);
  const source = 'dynalite+fauxqs';
  log(`enqueue on ${source}: ${sizes.one} jobs one by one, ${sizes.many} at once, ${rounds} round(s)`);
  const measured = await measureCases({ cases, sizes, rounds, warmup, log });
  if (modes.includes('many')) {
    const emulator = await startDynaliteFauxqs();
    try {
      race = await measureRace(emulator, sizes.race);
    } finally {
      await emulator.stop();
    }
    log(
      `  race: ${sizes.race} jobs, enqueueMany (full) into an idle worker: ${race.extraReceivesPerJob.toFixed(3)} extra receives/job, ${race.releasedPerJob.toFixed(3)} hand-backs/job`,
    );
  }
  // The one-by-one cases again, with a round trip added to every request.
  const oneByOne = cases.filter((c) => c.mode === 'one');
  const overNetwork =
    oneByOne.length > 0
      ? await measureCases({ cases: oneByOne, sizes, rounds, warmup, log, roundTripMs })
      : undefined;
  const med = (c: Case, key: keyof Measured) => median((measured.get(label(c)) ?? []).map((m) => m[key]));
  // Round by round: the cases of a round ran one after the other, on the machine as it was then.
  const jobsPerSecond = (c: Case) => (measured.get(label(c)) ?? []).map((m) => m.jobsPerSecond);
  const figures: Figure[] = [];
  for (const mode of modes) {
    const producer: Case = { kind: 'sqs-producer', mode };
    const how = mode === 'one' ? 'one by one (awaited in turn)' : `all at once (${sizes.many} jobs)`;
    const baselineLabel =
      mode === 'one' ? 'sqs-producer send(), one message at a time' : 'sqs-producer send() of all messages';
    for (const tracking of ['full', 'lean'] as const) {
      const c: Case = { kind: 'longhaul', tracking, mode };
      const api = mode === 'one' ? 'enqueue' : 'enqueueMany';
      figures.push(
        figure({
          id: `enqueue.${mode}.${tracking}.jobsPerSecond`,
          label: `${api}, ${tracking} tracking, ${how}`,
          value: med(c, 'jobsPerSecond'),
          unit: 'jobs/s',
          baseline: { label: baselineLabel, value: med(producer, 'jobsPerSecond') },
          better: 'higher',
          source,
          note: `${tracking === 'full' ? 'full tracking also writes each job record (PutItem), which sqs-producer does not; ' : ''}${roundsNote(jobsPerSecond(c), jobsPerSecond(producer))}`,
        }),
        figure({
          id: `enqueue.${mode}.${tracking}.cpuMsPerJob`,
          label: `${api} client CPU per job, ${tracking} tracking, ${how}`,
          value: med(c, 'cpuMsPerJob'),
          unit: 'ms CPU/job',
          baseline: { label: baselineLabel, value: med(producer, 'cpuMsPerJob') },
          better: 'lower',
          source,
        }),
        figure({
          id: `enqueue.${mode}.${tracking}.sqsRequestsPerJob`,
          label: `${api} SQS requests per job, ${tracking} tracking`,
          value: med(c, 'sqsPerJob'),
          unit: 'requests/job',
          baseline: { label: baselineLabel, value: med(producer, 'sqsPerJob') },
          better: 'lower',
          source,
          note: `plus ${med(c, 'dynamoWritesPerJob').toFixed(2)} DynamoDB writes per job`,
        }),
      );
    }
  }
  if (modes.includes('one')) {
    const full: Case = { kind: 'longhaul', tracking: 'full', mode: 'one' };
    const floor: Case = { kind: 'send-and-put', mode: 'one' };
    const floorLabel = 'hand-written SendMessage + conditional PutItem at once, one job at a time';
    figures.push(
      figure({
        id: 'enqueue.one.full.vsSendAndPut.jobsPerSecond',
        label: 'enqueue, full tracking, one by one, against the leanest hand-written send + record write',
        value: med(full, 'jobsPerSecond'),
        unit: 'jobs/s',
        baseline: { label: floorLabel, value: med(floor, 'jobsPerSecond') },
        better: 'higher',
        source,
        note: `the same two requests per job as full tracking; ${roundsNote(jobsPerSecond(full), jobsPerSecond(floor))}`,
      }),
      figure({
        id: 'enqueue.one.full.vsSendAndPut.cpuMsPerJob',
        label:
          'enqueue client CPU per job, full tracking, against the leanest hand-written send + record write',
        value: med(full, 'cpuMsPerJob'),
        unit: 'ms CPU/job',
        baseline: { label: floorLabel, value: med(floor, 'cpuMsPerJob') },
        better: 'lower',
        source,
      }),
    );
  }
  if (overNetwork) {
    const ofNetwork = (c: Case) => (overNetwork.get(label(c)) ?? []).map((m) => m.jobsPerSecond);
    const withRoundTrip = `with a ${roundTripMs} ms round trip per request`;
    const added = `${roundTripMs} ms added to every request on both emulators`;
    /** `c`'s one-by-one rate with the round trip, against `baseline`'s in the same rounds. */
    const overNetworkFigure = (f: {
      id: string;
      c: Case & { kind: 'longhaul' };
      baseline: Case;
      baselineLabel: string;
      against?: string;
      note?: string;
    }) =>
      figure({
        id: f.id,
        label: `enqueue, ${f.c.tracking} tracking, one by one, ${withRoundTrip}${f.against ?? ''}`,
        value: median(ofNetwork(f.c)),
        unit: 'jobs/s',
        baseline: { label: `${f.baselineLabel}, the same round trip`, value: median(ofNetwork(f.baseline)) },
        better: 'higher',
        source: roundTripSource,
        note: `${f.note ?? ''}${added}; ${roundsNote(ofNetwork(f.c), ofNetwork(f.baseline))}`,
      });
    for (const tracking of ['full', 'lean'] as const) {
      figures.push(
        overNetworkFigure({
          id: `enqueue.one.${tracking}.roundTrip.jobsPerSecond`,
          c: { kind: 'longhaul', tracking, mode: 'one' },
          baseline: { kind: 'sqs-producer', mode: 'one' },
          baselineLabel: 'sqs-producer send(), one message at a time',
          ...(tracking === 'full'
            ? { note: 'target ≥ 0.7x; the record is written at once with the message; ' }
            : {}),
        }),
      );
    }
    figures.push(
      overNetworkFigure({
        id: 'enqueue.one.full.roundTrip.vsSendAndPut.jobsPerSecond',
        c: { kind: 'longhaul', tracking: 'full', mode: 'one' },
        baseline: { kind: 'send-and-put', mode: 'one' },
        baselineLabel: 'hand-written SendMessage + conditional PutItem at once',
        against: ', against the leanest hand-written send + record write',
      }),
    );
  }
  if (modes.includes('many')) {
    figures.push(
      figure({
        id: 'enqueue.many.full.raceExtraReceivesPerJob',
        label: `enqueueMany (full tracking) of ${sizes.race} jobs into an idle worker: receives per job beyond the first`,
        value: race.extraReceivesPerJob,
        unit: 'receives/job',
        better: 'lower',
        source,
        note: `a worker that gets a message before the producer's batch write of its record hands it back (pendingRecord); ${race.releasedPerJob.toFixed(3)} hand-backs per job`,
      }),
    );
  }
  const result: BenchResult = {
    name: 'enqueue',
    title: 'Enqueue: one by one, in batches, and sqs-producer',
    command: `tsx --conditions=source scripts/bench/enqueue.ts${options.quick ? ' --quick' : ''}`,
    quick: options.quick,
    at: new Date().toISOString(),
    machine: machineInfo(),
    figures,
    method:
      `${sizes.one} no-op jobs enqueued one by one (each awaited) and ${sizes.many} with one enqueueMany, in full and lean tracking, ` +
      'against sqs-producer 8 sending the same number of envelope-shaped bodies one at a time and all at once (SendMessageBatch of 10, ' +
      'in turn), and against the leanest hand-written full-tracking enqueue (a SendMessage and a conditional PutItem at once, one job ' +
      'at a time), each case on a fresh queue and table on fauxqs + dynalite. ' +
      (warmup ? 'Each case first sends as many jobs untimed (steady state). ' : '') +
      'CPU is process.cpuUsage() of the benchmark process (the ' +
      `emulators run in their own). Cases alternate order over ${rounds} round(s); medians. ` +
      `The one-by-one cases then run again on a second dynalite + fauxqs whose servers hold every request ${roundTripMs} ms ` +
      'before handling it (a timer, no CPU): loopback has no network round trip, so there an awaited request costs its ' +
      'CPU and little else, and a second request per job halves the rate on two cores shared with the emulators; ' +
      'within an AWS region each request also waits a few milliseconds on the network, and requests made at once wait together.',
  };
  printFigures(figures);
  return result;
}

/**
 * Runs each case `rounds` times on one dynalite + fauxqs (`roundTripMs` added to every request), each run on
 * a fresh queue and table, the order of the cases alternating by round.
 */
async function measureCases(options: {
  readonly cases: readonly Case[];
  readonly sizes: Readonly<Record<Mode, number>>;
  readonly rounds: number;
  readonly warmup: boolean;
  readonly log: (line: string) => void;
  readonly roundTripMs?: number;
}): Promise<Map<string, Measured[]>> {
  const { cases, sizes, rounds, warmup, log } = options;
  const roundTrip = options.roundTripMs ?? 0;
  const measured = new Map<string, Measured[]>(cases.map((c) => [label(c), []]));
  const emulator = await startDynaliteFauxqs({ roundTripMs: roundTrip });
  if (roundTrip > 0) log(`  with ${roundTrip} ms added to every request:`);
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? cases : [...cases].reverse();
      for (const c of order) {
        const { resources, backend, destroy } = await benchResources(emulator, 'enq');
        const n = sizes[c.mode];
        let sqsRequests = 0;
        let dynamoWrites = 0;
        let send: () => Promise<unknown>;
        if (c.kind === 'longhaul') {
          const longhaul = new Longhaul({ backend, tracking: c.tracking });
          send =
            c.mode === 'many'
              ? () =>
                  longhaul.enqueueMany(
                    noop,
                    Array.from({ length: n }, () => undefined),
                  )
              : async () => {
                  for (let i = 0; i < n; i++) await longhaul.enqueue(noop);
                };
        } else if (c.kind === 'send-and-put') {
          const clients = clientsFor(emulator);
          const documents = DynamoDBDocumentClient.from(clients.dynamoClient);
          send = async () => {
            for (let i = 0; i < n; i++) {
              const id = randomUUID();
              const enqueuedAt = Date.now();
              const body = JSON.stringify({ v: 1, id, task: noop.name, args: null, enqueuedAt });
              await Promise.all([
                clients.sqsClient.send(
                  new SendMessageCommand({ QueueUrl: resources.queueUrl, MessageBody: body }),
                ),
                documents.send(
                  new PutCommand({
                    TableName: resources.tableName,
                    Item: { id, task: noop.name, status: 'queued', args: null, enqueuedAt },
                    ConditionExpression: 'attribute_not_exists(id)',
                  }),
                ),
              ]);
              sqsRequests++;
              dynamoWrites++;
            }
          };
        } else {
          const clients = clientsFor(emulator);
          clients.sqsClient.middlewareStack.add(
            (next) => (args) => {
              sqsRequests++;
              return next(args);
            },
            { step: 'initialize' },
          );
          const producer = Producer.create({ queueUrl: resources.queueUrl, sqs: clients.sqsClient });
          // The same body Longhaul sends: a job envelope.
          const message = () => {
            const id = randomUUID();
            return {
              id,
              body: JSON.stringify({ v: 1, id, task: noop.name, args: null, enqueuedAt: Date.now() }),
            };
          };
          send =
            c.mode === 'many'
              ? () => producer.send(Array.from({ length: n }, () => message()))
              : async () => {
                  for (let i = 0; i < n; i++) await producer.send(message());
                };
        }
        if (warmup) await send();
        backend.requests.reset();
        sqsRequests = 0;
        dynamoWrites = 0;
        const cpu = process.cpuUsage();
        const at = performance.now();
        await send();
        const wallMs = performance.now() - at;
        const used = process.cpuUsage(cpu);
        if (c.kind === 'longhaul') {
          const snapshot = backend.requests.snapshot();
          sqsRequests = Object.values(snapshot.sqs ?? {}).reduce((s, v) => s + v, 0);
          dynamoWrites = Object.entries(snapshot.dynamodb ?? {})
            .filter(([op]) => /Put|Update|Write/.test(op))
            .reduce((s, [, v]) => s + v, 0);
        }
        destroy();
        const m: Measured = {
          jobsPerSecond: (n / wallMs) * 1000,
          cpuMsPerJob: (used.user + used.system) / 1000 / n,
          sqsPerJob: sqsRequests / n,
          dynamoWritesPerJob: dynamoWrites / n,
        };
        measured.get(label(c))?.push(m);
        log(
          `  round ${round + 1} ${label(c).padEnd(22)} ${m.jobsPerSecond.toFixed(0).padStart(6)} jobs/s  ${m.cpuMsPerJob.toFixed(3)} ms CPU/job  ${m.sqsPerJob.toFixed(2)} SQS + ${m.dynamoWritesPerJob.toFixed(2)} DynamoDB writes/job`,
        );
      }
    }
  } finally {
    await emulator.stop();
  }
  return measured;
}

/**
 * What the race between the messages and their batched records costs: an idle worker (concurrency 10,
 * long polling) is running when `enqueueMany` sends, so it receives messages before their records land.
 */
async function measureRace(
  emulator: Parameters<typeof benchResources>[0],
  n: number,
): Promise<{ extraReceivesPerJob: number; releasedPerJob: number }> {
  const { backend, destroy } = await benchResources(emulator, 'race');
  const worker = createWorker({
    backend,
    tasks: [noop],
    concurrency: 10,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: 30,
    heartbeatIntervalSeconds: 10,
    deleteBatchWindowMs: 10,
    logger: silentLogger,
  });
  try {
    worker.start();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await new Longhaul({ backend }).enqueueMany(
      noop,
      Array.from({ length: n }, () => undefined),
    );
    const deadline = Date.now() + 180_000;
    while (worker.stats.deleted < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const { received, released, retried } = worker.stats;
    return { extraReceivesPerJob: (received - n) / n, releasedPerJob: (released + retried) / n };
  } finally {
    await worker.stop();
    destroy();
  }
}

if (isMain(import.meta.url)) {
  const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
  if (only !== undefined && only !== 'one' && only !== 'many') {
    throw new Error(`Expected \`--only\` to be "one" or "many", got "${only}"`);
  }
  await runAsScript(
    (options) => run({ ...options, only }),
    only ? () => 'nothing (--only runs part of the benchmark)' : writeResult,
  );
}
