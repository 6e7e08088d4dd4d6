// `npm run bench -- costs`: requests and request units per job, and what a million jobs cost.
//
// Counts every SQS request and DynamoDB operation per job (the backends' request counters), for a
// successful job in full and lean tracking enqueued one by one and with enqueueMany, a job that fails
// once and then succeeds, a scheduled run and a delayed job. Index writes are derived from the table's
// index definitions applied to each write's before and after item (index-writes.ts): the stream's images
// on moto, the records around each store call on the embedded backend. The counts aggregator's writes are
// amortised over the stream batch size the CDK construct configures. Then prices it all in USD per
// million jobs next to two external floors measured the same way (floors.ts): an SQS-only worker, and SQS
// plus a two-write job record without indexes.
import {
  type AnyTask,
  type Backend,
  createWorker,
  defineSchedule,
  defineTask,
  dynamoWriteOperations,
  type JobStore,
  Longhaul,
  type NewJobsPut,
  silentLogger,
  startScheduler,
  totalRequests,
} from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { z } from 'zod';
import { countsStream } from '../../src/core/names.js';
import { type Floor, measureFloors } from './floors.js';
import { recordingStore, streamRecording, type WriteRecording } from './index-writes.js';
import { type BenchResult, type Figure, figure, machineInfo, writeResult } from './results.js';
import { isMain, motoBackend, type RunOptions, round, runAsScript, until } from './shared.js';

/** us-east-1 list prices; see the AWS pricing pages, they change. */
export const prices = {
  asOf: '2026-11',
  sqsPerMillionRequests: 0.4,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
} as const;

type Outcome = 'success' | 'retryOnce' | 'scheduled';
type Enqueue = 'enqueue' | 'enqueueMany' | 'scheduler' | 'delayed';
type Tracking = 'full' | 'lean';

interface Scenario {
  readonly id: string;
  readonly label: string;
  readonly outcome: Outcome;
  readonly tracking: Tracking;
  readonly enqueue: Enqueue;
}

const scenarios: readonly Scenario[] = [
  {
    id: 'success.full.enqueue',
    label: 'success, full, enqueue',
    outcome: 'success',
    tracking: 'full',
    enqueue: 'enqueue',
  },
  {
    id: 'success.full.enqueueMany',
    label: 'success, full, enqueueMany',
    outcome: 'success',
    tracking: 'full',
    enqueue: 'enqueueMany',
  },
  {
    id: 'success.lean.enqueue',
    label: 'success, lean, enqueue',
    outcome: 'success',
    tracking: 'lean',
    enqueue: 'enqueue',
  },
  {
    id: 'success.lean.enqueueMany',
    label: 'success, lean, enqueueMany',
    outcome: 'success',
    tracking: 'lean',
    enqueue: 'enqueueMany',
  },
  {
    id: 'retryOnce.full.enqueue',
    label: 'retries once, full, enqueue',
    outcome: 'retryOnce',
    tracking: 'full',
    enqueue: 'enqueue',
  },
  {
    id: 'retryOnce.full.enqueueMany',
    label: 'retries once, full, enqueueMany',
    outcome: 'retryOnce',
    tracking: 'full',
    enqueue: 'enqueueMany',
  },
  {
    id: 'retryOnce.lean.enqueue',
    label: 'retries once, lean, enqueue',
    outcome: 'retryOnce',
    tracking: 'lean',
    enqueue: 'enqueue',
  },
  {
    id: 'retryOnce.lean.enqueueMany',
    label: 'retries once, lean, enqueueMany',
    outcome: 'retryOnce',
    tracking: 'lean',
    enqueue: 'enqueueMany',
  },
  {
    id: 'scheduled',
    label: 'scheduled run (startScheduler)',
    outcome: 'scheduled',
    tracking: 'lean',
    enqueue: 'scheduler',
  },
  {
    id: 'delayed.full.enqueue',
    label: 'delayed 1 s, full, enqueue',
    outcome: 'success',
    tracking: 'full',
    enqueue: 'delayed',
  },
];

/** The targets of issue 15, USD per million successful jobs, everything counted. */
export const targets: Readonly<Record<string, number>> = {
  'success.full.enqueue': 3.0,
  'success.full.enqueueMany': 2.7,
  'success.lean.enqueueMany': 2.0,
};

/**
 * The counts aggregator's write units per batch: one TransactWriteItems of two items under 1 KB (the
 * batch marker and the counts item), 2 write units per item written in a transaction.
 */
export const aggregatorWriteUnitsPerBatch = 4;

/** What one scenario measured, per job. */
export interface CostRow {
  readonly scenario: string;
  readonly label: string;
  readonly source: 'embedded' | 'moto';
  readonly jobs: number;
  /** Requests per job by operation. */
  readonly sqsOperations: Record<string, number>;
  readonly dynamoOperations: Record<string, number>;
  readonly sqsRequests: number;
  readonly writeUnits: number;
  readonly indexWriteUnits: number;
  /** Stream records per job (writes that changed an item), which the counts aggregator reads. */
  readonly streamRecords: number;
  /** Of those, schedule pointer records: how many depends on the order runs finish (see WriteRecording). */
  readonly pointerRecords: number;
  /** The counts aggregator's write units per job, amortised over full stream batches. */
  readonly aggregatorWriteUnits: number;
  readonly readUnits: number;
  /** The largest job item, estimated with DynamoDB's size rules (1 write unit per started KB). */
  readonly largestItemBytes: number;
  readonly usdPerMillion: UsdBreakdown;
  /** The issue-15 target for this scenario, if it has one. */
  readonly target?: number;
  /** Requests made once per worker start, not per job (GetQueueAttributes for the redrive policy). */
  readonly perWorkerStart: Record<string, number>;
}

export interface UsdBreakdown {
  readonly sqs: number;
  readonly writes: number;
  readonly indexWrites: number;
  readonly aggregatorWrites: number;
  readonly reads: number;
  /** Everything counted, index writes included. */
  readonly total: number;
}

/** A BenchResult with the cost table the report renders. */
export interface CostResult extends BenchResult {
  readonly costs: {
    readonly prices: typeof prices;
    readonly rows: readonly CostRow[];
    readonly floors: readonly (Floor & { readonly usdPerMillion: number })[];
    readonly countsStream: typeof countsStream;
    /** True when the embedded backend's table, index and aggregator write counts equal moto's. */
    readonly backendsAgree: boolean;
  };
}

export function usd(
  sqsRequests: number,
  writeUnits: number,
  indexWriteUnits: number,
  readUnits: number,
  aggregatorWriteUnits = 0,
): UsdBreakdown {
  const sqs = sqsRequests * prices.sqsPerMillionRequests;
  const writes = writeUnits * prices.dynamoPerMillionWriteUnits;
  const indexWrites = indexWriteUnits * prices.dynamoPerMillionWriteUnits;
  const aggregatorWrites = aggregatorWriteUnits * prices.dynamoPerMillionWriteUnits;
  const reads = readUnits * prices.dynamoPerMillionReadUnits;
  const r = (x: number) => round(x, 4);
  return {
    sqs: r(sqs),
    writes: r(writes),
    indexWrites: r(indexWrites),
    aggregatorWrites: r(aggregatorWrites),
    reads: r(reads),
    total: r(sqs + writes + indexWrites + aggregatorWrites + reads),
  };
}

/**
 * Counts the items `putNew` writes (`enqueueMany` with full tracking): a BatchWriteItem request bills
 * each of its items, so they are counted per item, not per request.
 */
function countingBatchItems(store: JobStore): { store: JobStore; items: () => number } {
  let items = 0;
  const putNew: JobStore['putNew'] = async (jobs, signal) => {
    const put: NewJobsPut = await store.putNew(jobs, signal);
    items += put.written.length;
    return put;
  };
  const proxy = new Proxy(store, {
    get(target, property) {
      if (property === 'putNew') return putNew;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: proxy, items: () => items };
}

/** An item's size by DynamoDB's rules (names + values; numbers about 1 byte per 2 digits + 1). */
export function dynamoItemBytes(value: unknown): number {
  const size = (v: unknown): number => {
    if (v === null || v === undefined || typeof v === 'boolean') return 1;
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (typeof v === 'number') return Math.ceil(String(Math.abs(v)).replace(/[.-]|e.*$/g, '').length / 2) + 1;
    if (Array.isArray(v)) return 3 + v.reduce((sum: number, e) => sum + size(e) + 1, 0);
    if (typeof v === 'object') {
      return 3 + Object.entries(v).reduce((sum, [k, e]) => sum + Buffer.byteLength(k) + size(e) + 1, 0);
    }
    return 0;
  };
  if (typeof value !== 'object' || value === null) return size(value);
  return Object.entries(value).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + size(v), 0);
}

function makeTasks() {
  const noop = defineTask({
    name: 'bench.noop',
    args: z.object({ i: z.number() }),
    run: async ({ i }) => ({ i }),
  });
  const flaky = defineTask({
    name: 'bench.flaky',
    args: z.object({ i: z.number() }),
    retries: 1,
    backoff: { baseDelayMs: 1_000, maxDelayMs: 1_000 },
    run: async ({ i }, ctx) => {
      if (ctx.attempt === 1) throw new Error('the first attempt fails');
      return { i };
    },
  });
  const tick = defineTask({ name: 'bench.tick', run: async () => ({ ticked: true }) });
  return { noop, flaky, tick, all: [noop, flaky, tick] as AnyTask[] };
}

async function runScenario(scenario: Scenario, source: CostRow['source'], jobs: number): Promise<CostRow> {
  const made =
    source === 'embedded'
      ? { backend: memoryBackend(), dispose: async () => undefined }
      : await motoBackend(`cost-${scenario.id.replace(/\W/g, '-')}`.slice(0, 40), { stream: true });
  const counter = made.backend.requests;
  // The embedded backend's item images come from reads around each write, taken back off the count.
  const recorded =
    source === 'embedded'
      ? recordingStore(made.backend.store, (reads) => counter.record('dynamodb', 'GetItem', -reads))
      : undefined;
  const batchItems = countingBatchItems(recorded?.store ?? made.backend.store);
  const backend: Backend = { transport: made.backend.transport, store: batchItems.store, requests: counter };
  try {
    const tasks = makeTasks();
    const longhaul = new Longhaul({ backend, tracking: scenario.tracking });
    const task = scenario.outcome === 'retryOnce' ? tasks.flaky : tasks.noop;
    const argsList = Array.from({ length: jobs }, (_, i) => ({ i }));
    counter.reset();
    let ids: string[] = [];
    if (scenario.enqueue === 'enqueue') {
      for (const args of argsList) ids.push((await longhaul.enqueue(task, args)).id);
    } else if (scenario.enqueue === 'delayed') {
      for (const args of argsList) ids.push((await longhaul.enqueue(task, args, { delaySeconds: 1 })).id);
    } else if (scenario.enqueue === 'enqueueMany') {
      ids = (await longhaul.enqueueMany(task, argsList)).map((h) => h.id);
    } else {
      // Each firing sends the run's envelope, exactly as the deployed EventBridge rule would. The schedule
      // clock runs 10,000 times faster, so `rate(1 minute)` fires every 6 ms.
      const schedule = defineSchedule(tasks.tick, 'rate(1 minute)');
      const scheduler = startScheduler({
        schedules: [schedule],
        transport: backend.transport,
        timeScale: 10_000,
        logger: silentLogger,
        onFire: (run) => {
          if (ids.length < jobs) ids.push(run.jobId);
        },
      });
      await until(() => ids.length >= jobs, 120_000, 'the schedule to fire');
      await scheduler.stop();
    }
    const fired = scenario.enqueue === 'scheduler' ? (counter.snapshot().sqs?.SendMessage ?? 0) : jobs;
    const worker = createWorker({
      backend,
      tasks: tasks.all,
      concurrency: 10,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 30,
      heartbeatIntervalSeconds: 10,
      shutdownGraceMs: 5_000,
      logger: silentLogger,
      // EMF lines cost no request; off, so the report is not buried in them.
      metrics: false,
    });
    worker.start();
    try {
      await until(
        () => worker.stats.deleted >= fired,
        600_000,
        `${fired} jobs to finish (${scenario.id}, ${source})`,
      );
    } finally {
      await worker.stop();
    }
    const counts = counter.snapshot();
    const records = await Promise.all(ids.map((id) => made.backend.store.get(id)));
    const bad = records.filter((r) => r?.status !== 'succeeded');
    if (bad.length) throw new Error(`${scenario.id} on ${source}: ${bad.length} jobs did not succeed`);
    const writes: WriteRecording =
      recorded?.recording() ??
      (await streamRecording(
        (made as Awaited<ReturnType<typeof motoBackend>>).clients.dynamoClient,
        (made as Awaited<ReturnType<typeof motoBackend>>).resources.tableName,
      ));
    const largestItemBytes = Math.max(
      ...records.map((r) => dynamoItemBytes({ ...r, timeShard: 'all#07', attentionShard: 'retrying#07' })),
    );
    const perStart: Record<string, number> = {};
    const sqsOps = { ...counts.sqs };
    // The worker reads the queue's redrive policy once when it starts: not a per-job cost.
    if (sqsOps.GetQueueAttributes) {
      perStart.GetQueueAttributes = sqsOps.GetQueueAttributes;
      delete sqsOps.GetQueueAttributes;
    }
    const perJob = (ops: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(ops)
          .filter(([, n]) => n !== 0)
          .map(([op, n]) => [op, round(n / fired, 3)]),
      );
    const sqsRequests = totalRequests({ sqs: sqsOps }, 'sqs') / fired;
    const wruPerWrite = Math.ceil(largestItemBytes / 1024);
    const writeOps = Object.entries(counts.dynamodb ?? {}).filter(([op]) => dynamoWriteOperations.has(op));
    const itemWrites = (op: string, n: number) =>
      op === 'BatchWriteItem' ? batchItems.items() : n * (op === 'TransactWriteItems' ? 2 : 1);
    const writeUnits = (writeOps.reduce((sum, [op, n]) => sum + itemWrites(op, n), 0) * wruPerWrite) / fired;
    // Every read is a strongly consistent GetItem/BatchGetItem item of under 4 KB: 1 read unit each.
    const readUnits = ((counts.dynamodb?.GetItem ?? 0) + (counts.dynamodb?.BatchGetItem ?? 0)) / fired;
    const indexWriteUnits = writes.indexWrites / fired;
    const streamRecords = writes.streamRecords / fired;
    // Full batches: the aggregator pays its transaction once per `countsStream.batchSize` records.
    const aggregatorWriteUnits = (streamRecords / countsStream.batchSize) * aggregatorWriteUnitsPerBatch;
    const target = targets[scenario.id];
    return {
      scenario: scenario.id,
      label: scenario.label,
      source,
      jobs: fired,
      sqsOperations: perJob(sqsOps),
      dynamoOperations: perJob(counts.dynamodb ?? {}),
      sqsRequests: round(sqsRequests, 3),
      writeUnits: round(writeUnits, 3),
      indexWriteUnits: round(indexWriteUnits, 3),
      streamRecords: round(streamRecords, 3),
      pointerRecords: round(writes.pointerRecords / fired, 3),
      aggregatorWriteUnits: round(aggregatorWriteUnits, 4),
      readUnits: round(readUnits, 3),
      largestItemBytes,
      usdPerMillion: usd(sqsRequests, writeUnits, indexWriteUnits, readUnits, aggregatorWriteUnits),
      ...(target === undefined ? {} : { target }),
      perWorkerStart: perStart,
    };
  } finally {
    await made.dispose();
  }
}

export async function run({ quick }: RunOptions): Promise<CostResult> {
  // Enough jobs that the worker's last empty receive and partial batches weigh what they would in a
  // steady stream of jobs (under 1% of a request per job): as many on moto for the scenarios with a
  // target, fewer for the others (moto is slower).
  const jobs = quick ? 20 : 1_000;
  const motoJobs = quick ? 20 : 300;
  const motoScenarios = quick
    ? scenarios.filter((s) => s.id === 'success.full.enqueue' || s.id === 'success.lean.enqueueMany')
    : scenarios;
  const rows: CostRow[] = [];
  for (const scenario of scenarios) {
    rows.push(await runScenario(scenario, 'embedded', jobs));
    console.error(`costs: ${scenario.id} on the embedded backend done`);
  }
  for (const scenario of motoScenarios) {
    rows.push(await runScenario(scenario, 'moto', targets[scenario.id] === undefined ? motoJobs : jobs));
    console.error(`costs: ${scenario.id} on moto done`);
  }
  const floors = (await measureFloors(motoJobs)).map((floor) => ({
    ...floor,
    sqsRequests: round(floor.sqsRequests, 3),
    writeUnits: round(floor.writeUnits, 3),
    usdPerMillion: usd(floor.sqsRequests, floor.writeUnits, 0, 0).total,
  }));
  console.error('costs: the floors on moto done');
  const figures: Figure[] = [];
  for (const row of rows) {
    const key = `costs.${row.scenario}${row.source === 'moto' ? '.moto' : ''}`;
    figures.push(
      figure({
        id: `${key}.usdPerMillion`,
        label: `USD per million jobs, all counted (${row.label})`,
        value: row.usdPerMillion.total,
        unit: 'USD/million jobs',
        ...(row.target === undefined ? {} : { baseline: { label: 'issue 15 target', value: row.target } }),
        better: 'lower',
        source: row.source,
        note: `${row.sqsRequests} SQS requests, ${row.writeUnits} WRU + ${row.indexWriteUnits} index WRU + ${row.aggregatorWriteUnits} aggregator WRU, ${row.readUnits} RRU per job`,
      }),
    );
  }
  const backendsAgree = scenarios.every((s) => {
    const m = rows.find((r) => r.scenario === s.id && r.source === 'moto');
    const e = rows.find((r) => r.scenario === s.id && r.source === 'embedded');
    return (
      !m ||
      !e ||
      (m.writeUnits === e.writeUnits &&
        m.indexWriteUnits === e.indexWriteUnits &&
        m.streamRecords - m.pointerRecords === e.streamRecords - e.pointerRecords)
    );
  });
  return {
    name: 'costs',
    title: 'Requests and cost per job',
    command: `npm run bench -- costs${quick ? ' --quick' : ''}`,
    quick,
    at: new Date().toISOString(),
    machine: machineInfo(),
    figures,
    costs: { prices, rows, floors, countsStream, backendsAgree },
    method: [
      `Each scenario enqueues ${jobs} no-op jobs (on moto ${motoJobs} for the scenarios without a target) and runs them with one worker (concurrency 10, long poll 1 s) until every message is deleted; the backend's request counter gives the requests, divided by the number of jobs, so the worker's final empty receive and partial batches are spread over that many jobs.`,
      'The retry scenario fails the first attempt (backoff 1 s); the scheduled scenario fires `rate(1 minute)` through `startScheduler` (its clock sped up) before the worker starts, so the runs queue like the others; the delayed scenario enqueues with `delaySeconds: 1` (created `scheduled`).',
      "Table write units: 1 per write of an item under 1 KB (the largest job item is estimated with DynamoDB's size rules and shown), 2 per transactional write. Read units: 1 per strongly consistent read under 4 KB; every read the worker and the client make is counted.",
      "Index write units are derived from the table's index definitions (`jobIndexes` in src/core/names.ts) applied to the item before and after every write, by DynamoDB's rules (an entry put or deleted: 1; a key change: 2; a projected attribute change: 1): on moto from the table stream's old and new images, on the embedded backend from the record read before and after each store call with the index attributes the AWS backend gives it.",
      `The counts aggregator: one TransactWriteItems of two small items (${aggregatorWriteUnitsPerBatch} WRU) per batch of stream records; the construct reads the stream in batches of up to ${countsStream.batchSize} records with a ${countsStream.maxBatchingWindowSeconds} s batching window, and the figures assume full batches (a steady ${Math.ceil(countsStream.batchSize / countsStream.maxBatchingWindowSeconds)} table writes a second or more per stream shard; fewer fill smaller batches, and then the whole bill is small). Stream records per job are the writes that changed an item, counted the same way on both backends. A scheduled run also writes its schedule's latest-result pointer, which changes the item only when no newer run finished first: those records depend on the order runs finish in (up to one per run) and are left out when the backends' counts are compared.`,
      `The floors run their minimal loops on moto over ${motoJobs} messages (floors.ts): SQS only (SendMessageBatch, ReceiveMessage of up to 10, DeleteMessageBatch) and SQS plus a conditional PutItem and an UpdateItem per job. The worker's one GetQueueAttributes at start (the redrive policy) is not a per-job cost and is left out. Not counted: \`waitForResult\` polling, Lambda or Fargate compute (the aggregator's invocations included), EventBridge, CloudWatch, data transfer.`,
      `${backendsAgree ? "Moto's table, index and stream record counts equal the embedded backend's in every scenario run on both" : "Moto's counts differ from the embedded backend's in some scenario (see the table)"}; SQS requests differ a little with timing (the last, partial batches and empty receives): while jobs are quick the worker receives ahead of its free slots to fill each receive (\`receiveAheadMs\`), and a delete batch waits up to a second for ten finished jobs, so receives and deletes carry about ten messages on both backends.`,
    ].join(' '),
  };
}

if (isMain(import.meta.url)) await runAsScript(run, writeResult);
