// `npm run bench -- latency`: how long a job waits for an idle worker, and how long until its result.
//
// One job at a time: enqueue, wait for the result, repeat; the worker (concurrency 1) is idle in a 20 s
// long poll when each job arrives. Enqueue-to-start is from calling `enqueue` to the task's first line;
// enqueue-to-result until `waitForResult` returns (it polls the job every few ms). The baseline is the
// queue alone on the same backend: a raw send, and a raw long-poll receive loop (time from send to receive).
// Backends: the embedded one, moto, and dynalite + fauxqs (as the throughput benchmarks).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Backend, createWorker, defineTask, Longhaul, silentLogger } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { z } from 'zod';
import { minimalClaim } from './baseline-worker.js';
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
  percentile,
  type Series,
  writeResult,
} from './results.js';
import { isMain, motoBackend, type RunOptions, round, runAsScript } from './shared.js';

type Source = 'embedded' | 'moto' | 'dynalite+fauxqs' | typeof overNetwork;
/** dynalite + fauxqs holding every request `roundTripMs` before handling it (see `roundTripScript`). */
const overNetwork = roundTripSource;

/** How a source is named in figure ids. */
const idOf: Record<Source, string> = {
  embedded: 'embedded',
  moto: 'moto',
  'dynalite+fauxqs': 'dynalite',
  [overNetwork]: 'dynalite.roundTrip',
};

interface Latencies {
  readonly start: number[];
  readonly result: number[];
  readonly raw: number[];
  /** How long the `enqueue` call took, and on moto the raw `SendMessage` call. */
  readonly enqueue: number[];
  readonly rawSend?: number[];
  /** On moto: one conditional PutItem's round trip, measured the same way (the yardstick of the target). */
  readonly dynamo?: number[];
  /**
   * The worker's claims, timed around `JobStore.claim`: one conditional PutItem each (the envelope says
   * `plainRecord`: it replaces the producer's queued record, or creates it when the worker got there first).
   */
  readonly claim?: number[];
  /** On moto: the minimal loop's claim (`SET status, owner` if queued) on the same items, one after the other. */
  readonly rawClaim?: number[];
}

const pollIntervalMs: Record<Source, number> = {
  embedded: 2,
  moto: 10,
  'dynalite+fauxqs': 2,
  [overNetwork]: 2,
};

async function longhaulLatencies(
  backend: Backend,
  source: Source,
  jobs: number,
): Promise<Pick<Latencies, 'start' | 'result' | 'enqueue' | 'claim'>> {
  let startedAt = 0;
  let onStart: (() => void) | undefined;
  const claim: number[] = [];
  // The store's own instance, its claim timed (a wrapper object would lose its private fields).
  const store = backend.store;
  const untimed = store.claim.bind(store);
  const timedClaim: typeof store.claim = async (request) => {
    const t0 = performance.now();
    try {
      return await untimed(request);
    } finally {
      claim.push(performance.now() - t0);
    }
  };
  Object.defineProperty(store, 'claim', { value: timedClaim, configurable: true });
  const task = defineTask({
    name: 'bench.latency',
    args: z.object({ i: z.number() }),
    run: async ({ i }) => {
      startedAt = performance.now();
      onStart?.();
      return { i };
    },
  });
  const longhaul = new Longhaul({ backend });
  const worker = createWorker({
    backend,
    tasks: [task],
    concurrency: 1,
    waitTimeSeconds: 20,
    logger: silentLogger,
  });
  worker.start();
  const start: number[] = [];
  const result: number[] = [];
  const enqueue: number[] = [];
  try {
    await sleep(300); // the worker is now waiting in its long poll
    for (let i = 0; i < jobs; i++) {
      startedAt = 0;
      const started = new Promise<void>((resolve) => {
        onStart = resolve;
      });
      const t0 = performance.now();
      const job = await longhaul.enqueue(task, { i });
      enqueue.push(performance.now() - t0);
      // No polling before the task starts: an emulator answers one request at a time (moto's DynamoDB
      // here, dynalite always), so a poll's reads would queue ahead of the claim and count in the start.
      await started;
      await longhaul.waitForResult(job, { pollIntervalMs: pollIntervalMs[source], timeoutMs: 30_000 });
      result.push(performance.now() - t0);
      start.push(startedAt - t0);
      await sleep(20); // let the delete go out and the worker settle back into its long poll
    }
  } finally {
    await worker.stop();
  }
  return { start, result, enqueue, claim };
}

/** A raw send and a raw long-poll receive loop on the embedded queue. */
async function rawEmbedded(jobs: number): Promise<number[]> {
  const { transport } = memoryBackend();
  const stop = new AbortController();
  let received: ((at: number) => void) | undefined;
  const loop = (async () => {
    while (!stop.signal.aborted) {
      const messages = await transport
        .receive({ maxMessages: 1, waitTimeSeconds: 20, visibilityTimeoutSeconds: 30 }, stop.signal)
        .catch(() => []);
      const at = performance.now();
      if (messages.length) {
        received?.(at);
        await transport.delete(messages);
      }
    }
  })();
  const out: number[] = [];
  await sleep(100);
  for (let i = 0; i < jobs; i++) {
    const got = new Promise<number>((resolve) => {
      received = resolve;
    });
    const t0 = performance.now();
    await transport.send([{ body: JSON.stringify({ i }) }]);
    out.push((await got) - t0);
    await sleep(20);
  }
  stop.abort();
  await loop;
  return out;
}

/** A hand-written SDK loop on an emulator: SendMessage, and ReceiveMessage with WaitTimeSeconds 20. */
async function rawSqs(
  sqs: SQSClient,
  queueUrl: string,
  jobs: number,
): Promise<{ raw: number[]; rawSend: number[] }> {
  const stop = new AbortController();
  let received: ((at: number) => void) | undefined;
  const loop = (async () => {
    while (!stop.signal.aborted) {
      const output = await sqs
        .send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 20 }),
          {
            abortSignal: stop.signal,
          },
        )
        .catch(() => ({ Messages: [] }));
      const at = performance.now();
      for (const m of output.Messages ?? []) {
        received?.(at);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  })();
  const out: number[] = [];
  const sends: number[] = [];
  await sleep(300);
  try {
    for (let i = 0; i < jobs; i++) {
      const got = new Promise<number>((resolve) => {
        received = resolve;
      });
      const t0 = performance.now();
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ i }) }));
      sends.push(performance.now() - t0);
      out.push((await got) - t0);
      await sleep(20);
    }
  } finally {
    stop.abort();
    await loop;
  }
  return { raw: out, rawSend: sends };
}

/**
 * One DynamoDB round trip on the same table: a conditional PutItem of a new item (as `enqueue` writes a
 * record) through a DocumentClient of its own, one after the other; then the minimal loop's claim of
 * that item (scripts/bench/baseline-worker.ts), to show what the claim's own expression costs there.
 */
async function rawDynamo(clients: { dynamoClient: DynamoDBClient }, tableName: string, jobs: number) {
  const doc = DynamoDBDocumentClient.from(clients.dynamoClient);
  const put: number[] = [];
  const claim: number[] = [];
  for (let i = 0; i < jobs; i++) {
    const id = `raw-${i}-${Math.random().toString(36).slice(2)}`;
    let t0 = performance.now();
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { id, task: 'bench.latency', status: 'queued' },
        ConditionExpression: 'attribute_not_exists(#id)',
        ExpressionAttributeNames: { '#id': 'id' },
      }),
    );
    put.push(performance.now() - t0);
    t0 = performance.now();
    await doc.send(minimalClaim(tableName, id, `owner-${i}`));
    claim.push(performance.now() - t0);
  }
  return { dynamo: put, rawClaim: claim };
}

/**
 * On an AWS emulator: Longhaul's latencies on `backend`, then on a queue and table of their own (see
 * `run`) the raw SQS loop and the raw DynamoDB round trips.
 */
async function awsLatencies(
  source: Source,
  backend: Backend,
  raw: {
    resources: { queueUrl: string; tableName: string };
    clients: { sqsClient: SQSClient; dynamoClient: DynamoDBClient };
  },
  jobs: number,
): Promise<Latencies> {
  const longhaul = await longhaulLatencies(backend, source, jobs);
  const sqs = await rawSqs(raw.clients.sqsClient, raw.resources.queueUrl, jobs);
  const dynamo = await rawDynamo(raw.clients, raw.resources.tableName, jobs);
  return { ...longhaul, ...sqs, ...dynamo };
}

/** Longhaul's latencies and the raw paths on a dynalite + fauxqs of their own, `roundTripMs` added to every request. */
async function onDynaliteFauxqs(source: Source, roundTrip: number, jobs: number): Promise<Latencies> {
  const emulator = await startDynaliteFauxqs({ roundTripMs: roundTrip });
  try {
    const worked = await benchResources(emulator, 'latency');
    const rawSide = await benchResources(emulator, 'latency-raw');
    try {
      return await awsLatencies(
        source,
        worked.backend,
        { resources: rawSide.resources, clients: clientsFor(emulator) },
        jobs,
      );
    } finally {
      worked.destroy();
      rawSide.destroy();
    }
  } finally {
    await emulator.stop();
  }
}

/** Sorted latencies as (percentile, ms) points. */
function cdf(values: readonly number[]): Array<readonly [number, number]> {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.map((v, i) => [round(((i + 1) / sorted.length) * 100, 2), round(v, 3)] as const);
}

function figuresOf(source: Source, l: Latencies): Figure[] {
  const out: Figure[] = [];
  const baselineLabel =
    source === 'embedded' ? 'raw embedded queue send → receive' : 'raw SDK send → long-poll receive';
  const key = idOf[source];
  for (const p of [50, 99] as const) {
    const raw = round(percentile(l.raw, p), 2);
    out.push(
      figure({
        id: `latency.${key}.start.p${p}`,
        label: `enqueue → task starts, p${p}`,
        value: round(percentile(l.start, p), 2),
        unit: 'ms',
        baseline: { label: baselineLabel, value: raw },
        better: 'lower',
        source,
      }),
      figure({
        id: `latency.${key}.result.p${p}`,
        label: `enqueue → waitForResult returns, p${p}`,
        value: round(percentile(l.result, p), 2),
        unit: 'ms',
        baseline: { label: baselineLabel, value: raw },
        better: 'lower',
        source,
        note: `includes the claim and completion writes and result polling every ${pollIntervalMs[source]} ms; the baseline only delivers the message`,
      }),
    );
  }
  if (l.rawSend) {
    out.push(
      figure({
        id: `latency.${key}.enqueueCall.p50`,
        label: 'the `enqueue` call, p50',
        value: round(percentile(l.enqueue, 50), 2),
        unit: 'ms',
        baseline: { label: 'a raw SendMessage call, p50', value: round(percentile(l.rawSend, 50), 2) },
        better: 'lower',
        source,
        note: 'full tracking: the message and the record (run at once for a job with a generated id)',
      }),
    );
  }
  if (l.dynamo) {
    const over = percentile(l.start, 50) - percentile(l.raw, 50);
    out.push(
      figure({
        id: `latency.${key}.start.p50.overRaw`,
        label: 'enqueue → task starts, p50, beyond the raw send → receive p50',
        value: round(over, 2),
        unit: 'ms',
        baseline: {
          label: 'one DynamoDB PutItem round trip, p50',
          value: round(percentile(l.dynamo, 50), 2),
        },
        better: 'lower',
        source,
        note: 'target: at most one DynamoDB round trip (ratio ≤ 1): the claim a task needs before it starts',
      }),
    );
  }
  if (l.dynamo && l.claim?.length && l.rawClaim?.length) {
    const over = percentile(l.start, 50) - percentile(l.raw, 50);
    out.push(
      figure({
        id: `latency.${key}.start.p50.overRaw.vsClaim`,
        label: "enqueue → task starts, p50, beyond the raw send → receive p50, against the worker's claim",
        value: round(over, 2),
        unit: 'ms',
        baseline: {
          label: "the worker's claim (one conditional PutItem) round trip, p50",
          value: round(percentile(l.claim, 50), 2),
        },
        better: 'lower',
        source,
        note: 'the one DynamoDB round trip a task waits for, as this emulator answers it',
      }),
      figure({
        id: `latency.${key}.claim.p50`,
        label: "the worker's claim round trip, p50",
        value: round(percentile(l.claim, 50), 2),
        unit: 'ms',
        baseline: {
          label: "the minimal loop's claim UpdateItem, p50",
          value: round(percentile(l.rawClaim, 50), 2),
        },
        better: 'lower',
        source,
        note: `the claim puts the whole running record (with its index key), the minimal claim sets two attributes of a three-attribute item; a conditional PutItem of that item: ${round(percentile(l.dynamo, 50), 2)} ms`,
      }),
    );
  }
  return out;
}

function seriesOf(id: string, source: Source, l: Latencies): Series {
  return {
    id,
    title: `Latency with an idle long-polling worker (${source === 'embedded' ? 'embedded backend' : source})`,
    xLabel: 'percentile',
    yLabel: 'ms',
    lines: [
      { label: 'Longhaul: enqueue → result', points: cdf(l.result) },
      { label: 'Longhaul: enqueue → start', points: cdf(l.start) },
      {
        label: source === 'embedded' ? 'raw queue: send → receive' : 'raw SDK: send → receive',
        points: cdf(l.raw),
      },
    ],
  };
}

export async function run({ quick }: RunOptions): Promise<BenchResult> {
  const jobs = quick ? 20 : 200;
  const embedded: Latencies = {
    ...(await longhaulLatencies(memoryBackend(), 'embedded', jobs)),
    raw: await rawEmbedded(jobs),
  };
  console.error('latency: embedded backend done');
  // Separate queues: a long poll aborted by the client stays open on the server and would take the next
  // message (hidden for its visibility timeout), so the baseline must not follow the worker on one queue.
  const moto = await motoBackend('latency');
  const rawQueue = await motoBackend('latency-raw');
  let onMoto: Latencies;
  try {
    onMoto = await awsLatencies('moto', moto.backend, rawQueue, jobs);
  } finally {
    await moto.dispose();
    await rawQueue.dispose();
  }
  console.error('latency: moto done');
  // The emulators the throughput figures run on: their requests cost about what DynamoDB's and SQS's do
  // relative to each other, where moto's Python expression evaluation makes a longer update far slower.
  const onDynalite = await onDynaliteFauxqs('dynalite+fauxqs', 0, jobs);
  console.error('latency: dynalite+fauxqs done');
  // The same with a round trip added to every request: on loopback the producer's second request and the
  // claim wait for the CPU the emulators share with them, where within a region they wait on the network.
  const onNetwork = await onDynaliteFauxqs(overNetwork, roundTripMs, jobs);
  console.error(`latency: ${overNetwork} done`);
  return {
    name: 'latency',
    title: 'Latency with an idle worker',
    command: `npm run bench -- latency${quick ? ' --quick' : ''}`,
    quick,
    at: new Date().toISOString(),
    machine: machineInfo(),
    figures: [
      ...figuresOf('embedded', embedded),
      ...figuresOf('moto', onMoto),
      ...figuresOf('dynalite+fauxqs', onDynalite),
      ...figuresOf(overNetwork, onNetwork),
    ],
    series: [
      seriesOf('latency', 'moto', onMoto),
      seriesOf('latency-dynalite', 'dynalite+fauxqs', onDynalite),
      seriesOf('latency-dynalite-round-trip', overNetwork, onNetwork),
      seriesOf('latency-embedded', 'embedded', embedded),
    ],
    method: [
      `${jobs} jobs one at a time (enqueue, wait for the result, pause 20 ms, repeat) through a worker with concurrency 1 and a 20 s long poll, idle when each job arrives; full tracking.`,
      "Enqueue → start: from calling `enqueue` to the task's first line (the same process, `performance.now()`). Enqueue → result: until `waitForResult` returns, called once the task has started (on an emulator that answers one request at a time, reads polling meanwhile would delay the claim and count in the start figure); it polls the job record every 2 ms on the embedded backend and dynalite and every 10 ms on moto, so the poll interval is part of the figure.",
      "Backends: the embedded one; moto; and dynalite + fauxqs, the emulators the throughput figures run on, whose requests cost about what DynamoDB's and SQS's do relative to each other (moto evaluates update expressions in Python, so there a longer update takes far longer than a put).",
      'Baseline on each backend: the queue alone, a raw send and a raw long-poll receive loop (WaitTimeSeconds 20, one message), from the send call to the receive returning; on the AWS emulators a hand-written `@aws-sdk/client-sqs` loop with the clients Longhaul uses.',
      "On the AWS emulators the start figure beyond the raw path is compared with one DynamoDB round trip: a conditional PutItem of a new item on the same emulator, one after the other (p50), and with the worker's own claim round trip (timed around `JobStore.claim` during the run); the claim is also set against the minimal loop's claim of the PutItem's items.",
      `Last, the same on a second dynalite + fauxqs whose servers hold every request ${roundTripMs} ms before handling it (a timer, no CPU): a stand-in for the network round trip within an AWS region, which loopback does not have; there the producer's two requests and the worker's claim wait on that round trip rather than on the CPU the emulators share with them on this machine's two cores.`,
      'The result ratio compares the whole tracked round trip (send + record write, receive, claim write, run, completion write, result poll) with message delivery alone.',
    ].join(' '),
  };
}

if (isMain(import.meta.url)) await runAsScript(run, writeResult);
