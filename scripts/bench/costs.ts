// `npm run bench -- costs`: requests and request units per job, and what a million jobs cost.
//
// Counts every SQS request and DynamoDB operation per job (the backends' request counters), for a
// successful job, a job that fails once and then succeeds, and a scheduled run, in full and lean tracking,
// enqueued one by one and with enqueueMany. Exact on the embedded backend; the same scenarios on moto
// count the AWS SDK's requests, to show the two agree. Index writes are not requests, so they are counted
// from each write's status change (a new item writes its 3 index entries, a status change deletes and
// puts its `by-status` entry). Then prices them in USD per million jobs next to this design's floor and a
// hand-written SQS-only worker.
import {
  type AnyTask,
  type Backend,
  type ClaimRequest,
  createWorker,
  defineSchedule,
  defineTask,
  dynamoWriteOperations,
  type JobRecord,
  type JobStore,
  Longhaul,
  type NewJobsPut,
  type RejectRequest,
  type RequestCounter,
  silentLogger,
  startScheduler,
  totalRequests,
} from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { z } from 'zod';
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
type Enqueue = 'enqueue' | 'enqueueMany' | 'scheduler';
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
];

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
  readonly readUnits: number;
  /** The largest job item, estimated with DynamoDB's size rules (1 write unit per started KB). */
  readonly largestItemBytes: number;
  readonly usdPerMillion: UsdBreakdown;
  readonly minimum: {
    readonly sqsRequests: number;
    readonly writeUnits: number;
    readonly indexWriteUnits: number;
    readonly usdPerMillion: UsdBreakdown;
  };
  /** Requests made once per worker start, not per job (GetQueueAttributes for the redrive policy). */
  readonly perWorkerStart: Record<string, number>;
}

export interface UsdBreakdown {
  readonly sqs: number;
  readonly writes: number;
  readonly indexWrites: number;
  readonly reads: number;
  /** Everything counted, index writes included. */
  readonly total: number;
}

/** A BenchResult with the cost table the report renders. */
export interface CostResult extends BenchResult {
  readonly costs: {
    readonly prices: typeof prices;
    readonly rows: readonly CostRow[];
    readonly sqsOnlyWorker: {
      readonly label: string;
      readonly sqsRequests: number;
      readonly usdPerMillion: number;
    }[];
  };
}

export function usd(
  sqsRequests: number,
  writeUnits: number,
  indexWriteUnits: number,
  readUnits: number,
): UsdBreakdown {
  const sqs = sqsRequests * prices.sqsPerMillionRequests;
  const writes = writeUnits * prices.dynamoPerMillionWriteUnits;
  const indexWrites = indexWriteUnits * prices.dynamoPerMillionWriteUnits;
  const reads = readUnits * prices.dynamoPerMillionReadUnits;
  const r = (x: number) => round(x, 4);
  return {
    sqs: r(sqs),
    writes: r(writes),
    indexWrites: r(indexWrites),
    reads: r(reads),
    total: r(sqs + writes + indexWrites + reads),
  };
}

/** This design's floor: one write per status change, batches of ten for receive and delete. */
export function minimumOf(scenario: Scenario): CostRow['minimum'] {
  const attempts = scenario.outcome === 'retryOnce' ? 2 : 1;
  const send = scenario.enqueue === 'enqueueMany' ? 0.1 : 1;
  const sqsRequests = send + attempts * 0.1 + 0.1 + (attempts - 1); // + one ChangeMessageVisibility per retry
  // queued (full only), then running and a final or retrying status per attempt.
  const statusChanges = (scenario.tracking === 'full' ? 1 : 0) + attempts * 2;
  const indexWriteUnits = 3 + 2 * (statusChanges - 1);
  return {
    sqsRequests: round(sqsRequests, 3),
    writeUnits: statusChanges,
    indexWriteUnits,
    usdPerMillion: usd(sqsRequests, statusChanges, indexWriteUnits, 0),
  };
}

/**
 * Wraps a job store so each status-changing write is followed by the index writes DynamoDB makes for it:
 * it reads the job's status before and after each write (reads it takes back off the request counter).
 */
function countingIndexWrites(
  store: JobStore,
  counter: RequestCounter,
): { store: JobStore; indexWrites: () => number; batchWrittenItems: () => number } {
  let indexWrites = 0;
  // A BatchWriteItem request writes (and bills) each of its items: counted per item, not per request.
  let batchWrittenItems = 0;
  const idOf: Record<string, (args: unknown[]) => string> = {
    create: (a) => (a[0] as JobRecord).id,
    claim: (a) => (a[0] as ClaimRequest).envelope.id,
    takeOver: (a) => (a[0] as ClaimRequest).envelope.id,
    touch: (a) => a[0] as string,
    complete: (a) => a[0] as string,
    reject: (a) => (a[0] as RejectRequest).id,
    cancel: (a) => a[0] as string,
    requeue: (a) => a[0] as string,
  };
  const statusOf = async (id: string) => {
    const job = await store.get(id);
    counter.record('dynamodb', 'GetItem', -1);
    return job?.status;
  };
  const proxy = new Proxy(store, {
    get(target, property, _receiver) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'putNew') {
        // Records of new jobs (`enqueueMany`, full tracking): each writes its index entries as a create.
        return async (...args: unknown[]) => {
          const put = (await value.apply(target, args)) as NewJobsPut;
          indexWrites += 3 * put.written.length;
          batchWrittenItems += put.written.length;
          return put;
        };
      }
      const id = typeof property === 'string' ? idOf[property] : undefined;
      if (!id) return value.bind(target);
      return async (...args: unknown[]) => {
        const before = await statusOf(id(args));
        try {
          return await value.apply(target, args);
        } finally {
          const after = await statusOf(id(args));
          if (after !== undefined && before === undefined) indexWrites += 3;
          else if (after !== undefined && after !== before) indexWrites += 2;
        }
      };
    },
  });
  return { store: proxy, indexWrites: () => indexWrites, batchWrittenItems: () => batchWrittenItems };
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
      : await motoBackend(`cost-${scenario.id.replace(/\W/g, '-')}`.slice(0, 40));
  const counter = made.backend.requests;
  const counted = countingIndexWrites(made.backend.store, counter);
  const backend: Backend = { transport: made.backend.transport, store: counted.store, requests: counter };
  try {
    const tasks = makeTasks();
    const longhaul = new Longhaul({ backend, tracking: scenario.tracking });
    const task = scenario.outcome === 'retryOnce' ? tasks.flaky : tasks.noop;
    const argsList = Array.from({ length: jobs }, (_, i) => ({ i }));
    counter.reset();
    let ids: string[] = [];
    if (scenario.enqueue === 'enqueue') {
      for (const args of argsList) ids.push((await longhaul.enqueue(task, args)).id);
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
      await until(() => ids.length >= jobs, 60_000, 'the schedule to fire');
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
    });
    worker.start();
    try {
      await until(
        () => worker.stats.deleted >= fired,
        120_000,
        `${fired} jobs to finish (${scenario.id}, ${source})`,
      );
    } finally {
      await worker.stop();
    }
    const counts = counter.snapshot();
    const indexWrites = counted.indexWrites();
    const records = await Promise.all(ids.map((id) => made.backend.store.get(id)));
    const bad = records.filter((r) => r?.status !== 'succeeded');
    if (bad.length) throw new Error(`${scenario.id} on ${source}: ${bad.length} jobs did not succeed`);
    const largestItemBytes = Math.max(
      ...records.map((r) =>
        dynamoItemBytes({
          ...r,
          statusShard: 'succeeded#07',
          taskShard: `${r?.task}#07`,
          timeShard: 'all#07',
        }),
      ),
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
    const writeUnits =
      (writeOps.reduce(
        (sum, [op, n]) =>
          sum +
          (op === 'BatchWriteItem' ? counted.batchWrittenItems() : n * (op === 'TransactWriteItems' ? 2 : 1)),
        0,
      ) *
        wruPerWrite) /
      fired;
    // Every read is a strongly consistent GetItem/BatchGetItem item of under 4 KB: 1 read unit each.
    const readUnits = ((counts.dynamodb?.GetItem ?? 0) + (counts.dynamodb?.BatchGetItem ?? 0)) / fired;
    const indexWriteUnits = indexWrites / fired;
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
      readUnits: round(readUnits, 3),
      largestItemBytes,
      usdPerMillion: usd(sqsRequests, writeUnits, indexWriteUnits, readUnits),
      minimum: minimumOf(scenario),
      perWorkerStart: perStart,
    };
  } finally {
    await made.dispose();
  }
}

export async function run({ quick }: RunOptions): Promise<CostResult> {
  const jobs = quick ? 10 : 50;
  const motoJobs = quick ? 10 : 20;
  const motoScenarios = quick
    ? scenarios.filter((s) => s.id === 'success.full.enqueue' || s.id === 'success.lean.enqueueMany')
    : scenarios;
  const rows: CostRow[] = [];
  for (const scenario of scenarios) {
    rows.push(await runScenario(scenario, 'embedded', jobs));
    console.error(`costs: ${scenario.id} on the embedded backend done`);
  }
  for (const scenario of motoScenarios) {
    rows.push(await runScenario(scenario, 'moto', motoJobs));
    console.error(`costs: ${scenario.id} on moto done`);
  }
  const sqsOnlyWorker = [
    {
      label: 'hand-written SQS-only worker, SendMessage',
      sqsRequests: 1.2,
      usdPerMillion: round(1.2 * prices.sqsPerMillionRequests, 4),
    },
    {
      label: 'hand-written SQS-only worker, SendMessageBatch',
      sqsRequests: 0.3,
      usdPerMillion: round(0.3 * prices.sqsPerMillionRequests, 4),
    },
  ];
  const figures: Figure[] = [];
  for (const row of rows) {
    const key = `costs.${row.scenario}${row.source === 'moto' ? '.moto' : ''}`;
    figures.push(
      figure({
        id: `${key}.sqsRequestsPerJob`,
        label: `SQS requests per job (${row.label})`,
        value: row.sqsRequests,
        unit: 'requests/job',
        baseline: { label: 'design minimum', value: row.minimum.sqsRequests },
        better: 'lower',
        source: row.source,
      }),
      figure({
        id: `${key}.writeUnitsPerJob`,
        label: `DynamoDB write units per job, table (${row.label})`,
        value: row.writeUnits,
        unit: 'WRU/job',
        baseline: { label: 'design minimum', value: row.minimum.writeUnits },
        better: 'lower',
        source: row.source,
      }),
    );
    if (row.source === 'embedded') {
      figures.push(
        figure({
          id: `${key}.usdPerMillion`,
          label: `USD per million jobs, index writes included (${row.label})`,
          value: row.usdPerMillion.total,
          unit: 'USD/million jobs',
          baseline: { label: 'design minimum', value: row.minimum.usdPerMillion.total },
          better: 'lower',
          source: 'calculated',
          note: `${row.sqsRequests} SQS requests, ${row.writeUnits} WRU + ${row.indexWriteUnits} index WRU, ${row.readUnits} RRU per job`,
        }),
      );
    }
  }
  const leanest = rows.find((r) => r.source === 'embedded' && r.scenario === 'success.lean.enqueueMany');
  const sqsOnly = sqsOnlyWorker[1];
  if (leanest && sqsOnly) {
    figures.push(
      figure({
        id: 'costs.leanestVsSqsOnly.usdPerMillion',
        label: 'USD per million jobs, leanest Longhaul (lean, enqueueMany) vs an SQS-only worker',
        value: leanest.usdPerMillion.total,
        unit: 'USD/million jobs',
        baseline: { label: sqsOnly.label, value: sqsOnly.usdPerMillion },
        better: 'lower',
        source: 'calculated',
        note: 'the SQS-only worker keeps no job record: no status, result, retry history or listing',
      }),
    );
  }
  const agree = scenarios.every((s) => {
    const m = rows.find((r) => r.scenario === s.id && r.source === 'moto');
    const e = rows.find((r) => r.scenario === s.id && r.source === 'embedded');
    return !m || !e || (m.writeUnits === e.writeUnits && m.indexWriteUnits === e.indexWriteUnits);
  });
  return {
    name: 'costs',
    title: 'Requests and cost per job',
    command: `npm run bench -- costs${quick ? ' --quick' : ''}`,
    quick,
    at: new Date().toISOString(),
    machine: machineInfo(),
    figures,
    costs: { prices, rows, sqsOnlyWorker },
    method: [
      `Each scenario enqueues ${jobs} no-op jobs (${motoJobs} on moto) and runs them with one worker (concurrency 10, long poll 1 s) until every message is deleted; the backend's request counter gives the requests, divided by the number of jobs.`,
      'The retry scenario fails the first attempt (backoff 1 s); the scheduled scenario fires `rate(1 minute)` through `startScheduler` (its clock sped up) before the worker starts, so the runs queue like the others.',
      "Write units: 1 per write of an item under 1 KB (the largest job item is estimated with DynamoDB's size rules and shown), 2 per transactional write. Read units: 1 per strongly consistent read under 4 KB.",
      "Index writes are counted from each write's status change (the job's status is read before and after, and those reads are taken off the count): a new item writes its 3 index entries (by-status, by-task, by-time), a status change deletes and puts its by-status entry (2); heartbeats, progress and logs touch no index.",
      "The worker's one GetQueueAttributes at start (the redrive policy) is not a per-job cost and is left out. Requests that would be made by the counts aggregator (one TransactWriteItems of 2 items, 4 WRU, per batch of up to 100 stream records; a job makes 3 records full, 2 lean), `waitForResult` polling, Lambda or Fargate compute, EventBridge and CloudWatch are not counted.",
      `The design minimum: 1 send (0.1 with SendMessageBatch), a tenth of a receive per attempt, a tenth of a delete, one ChangeMessageVisibility per retry; 1 write per status change. Moto counts the SDK's requests on the wire; ${agree ? "its DynamoDB write and index counts equal the embedded backend's in every scenario run on both" : "its counts differ from the embedded backend's in some scenario (see the table)"}; SQS receives differ slightly with timing (empty and partial batches).`,
    ].join(' '),
  };
}

if (isMain(import.meta.url)) await runAsScript(run, writeResult);
