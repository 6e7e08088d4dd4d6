// `npm run bench -- sse-fanout`: many browsers watching a few jobs live over Server-Sent Events.
//
// 1,000 SSE subscribers on 100 running jobs (10 per job), on the embedded backend and on moto. The
// server (with the worker whose jobs report progress) runs in a child process, so its RSS is its own;
// the subscribers are plain HTTP clients in this process. Measured while every job writes progress once
// a second: the server's RSS, its store read requests per second (the backend's request counter), and
// the latency from a progress write (the time the task stamps into the progress message just before the
// write) to the `progress` event arriving at a subscriber.
//
// Baseline, side by side in the same run: the naive design, an SSE route whose every connection polls
// `getJob` itself at the same interval as `longhaul/http`'s shared poller. Same worker, same jobs, same
// subscribers, same child process layout.
import { type ChildProcess, fork } from 'node:child_process';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type BenchResult, type Figure, figure, machineInfo, percentile, writeResult } from './results.js';
import { benchChildArgs, isMain, motoBackend, type RunOptions, round, runAsScript } from './shared.js';
import type { ChildReady, ChildReport, Design, FanoutConfig, Source } from './sse-fanout-server.js';

const MiB = 2 ** 20;

interface Measured {
  readonly source: Source;
  readonly design: Design;
  readonly subscribers: number;
  readonly jobs: number;
  /** Read requests per second the server made to the store while the jobs ran. */
  readonly readsPerSecond: number;
  readonly reads: Record<string, number>;
  /** Median and peak RSS of the server process while the subscribers were connected. */
  readonly rssMiB: number;
  readonly rssPeakMiB: number;
  readonly idleRssMiB: number;
  /** Progress write → event at a subscriber, ms. */
  readonly latencies: number[];
  /** Progress events received in all; `expectedEvents` if none were coalesced. */
  readonly events: number;
  readonly expectedEvents: number;
  /** Subscribers whose stream ended with the job's `result` event. */
  readonly ended: number;
}

/** One subscriber: reads the SSE stream, timing each `progress` event by the stamp in its message. */
function subscribe(
  url: string,
  token: string,
  onProgress: (latencyMs: number) => void,
): { connected: Promise<void>; done: Promise<boolean>; close: () => void } {
  let connected: () => void = () => undefined;
  let failed: (error: Error) => void = () => undefined;
  const connectedPromise = new Promise<void>((resolve, reject) => {
    connected = resolve;
    failed = reject;
  });
  let response: IncomingMessage | undefined;
  const done = new Promise<boolean>((resolve) => {
    const req = httpRequest(
      url,
      { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` }, agent: false },
      (res) => {
        response = res;
        if (res.statusCode !== 200) {
          failed(new Error(`${url}: HTTP ${res.statusCode}`));
          res.resume();
          resolve(false);
          return;
        }
        res.setEncoding('utf8');
        let buffer = '';
        let ended = false;
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let cut = buffer.indexOf('\n\n');
          while (cut >= 0) {
            const frame = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            cut = buffer.indexOf('\n\n');
            let event = 'message';
            let data = '';
            for (const line of frame.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data += line.slice(5).trimStart();
            }
            if (event === 'snapshot') connected();
            else if (event === 'progress') {
              const at = Date.now();
              const stamp = Number(
                (JSON.parse(data) as { progress?: { message?: string } }).progress?.message,
              );
              if (Number.isFinite(stamp)) onProgress(at - stamp);
            } else if (event === 'result') ended = true;
          }
        });
        res.on('end', () => resolve(ended));
        res.on('error', () => resolve(false));
      },
    );
    req.on('error', (error) => {
      failed(error);
      resolve(false);
    });
    req.end();
  });
  return { connected: connectedPromise, done, close: () => response?.destroy() };
}

function message<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; body: T }) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m.body);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`sse-fanout child exited (${code}) before "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function measure(config: FanoutConfig): Promise<Measured> {
  const child = fork(fileURLToPath(new URL('./sse-fanout-server.ts', import.meta.url)), ['--child'], {
    execArgv: ['--expose-gc', ...benchChildArgs()],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    child.send({ type: 'config', body: config });
    const ready = await message<ChildReady>(child, 'ready');
    const latencies: number[] = [];
    const subscribers = ready.jobs.flatMap((job) =>
      Array.from({ length: config.subscribersPerJob }, () =>
        subscribe(`http://127.0.0.1:${ready.port}${job.path}`, job.token, (ms) => latencies.push(ms)),
      ),
    );
    // Connect in full before the jobs start reporting, so every subscriber sees every progress write.
    await Promise.all(subscribers.map((s) => s.connected));
    child.send({ type: 'go' });
    const report = await message<ChildReport>(child, 'report');
    const ended = await Promise.race([
      Promise.all(subscribers.map((s) => s.done)),
      new Promise<boolean[]>((resolve) => setTimeout(() => resolve([]), 30_000)),
    ]);
    for (const s of subscribers) s.close();
    const reads = Object.values(report.reads).reduce((sum, n) => sum + n, 0);
    return {
      source: config.source,
      design: config.design,
      subscribers: subscribers.length,
      jobs: ready.jobs.length,
      readsPerSecond: reads / (report.windowMs / 1000),
      reads: report.reads,
      rssMiB: round(report.rssMedian / MiB, 1),
      rssPeakMiB: round(report.rssPeak / MiB, 1),
      idleRssMiB: round(ready.idleRss / MiB, 1),
      latencies,
      events: latencies.length,
      expectedEvents: subscribers.length * report.progressWrites,
      ended: ended.filter(Boolean).length,
    };
  } finally {
    child.kill();
  }
}

function figuresOf(
  source: Source,
  longhaul: Measured,
  naive: Measured,
  config: Omit<FanoutConfig, 'design'>,
): Figure[] {
  const baseline = (value: number) => ({ label: 'each subscriber polls getJob itself', value });
  const who = `${longhaul.subscribers.toLocaleString('en')} subscribers on ${longhaul.jobs} jobs`;
  const coalesced = (m: Measured) =>
    `${m.events.toLocaleString('en')} of ${m.expectedEvents.toLocaleString('en')} progress writes delivered (${Math.round((m.events / Math.max(1, m.expectedEvents)) * 100)}%), ${m.ended} of ${m.subscribers} streams ended with the result`;
  return [
    figure({
      id: `sse.${source}.readsPerSecond`,
      label: `Store reads per second, ${who}`,
      value: round(longhaul.readsPerSecond, 1),
      unit: 'requests/s',
      baseline: baseline(round(naive.readsPerSecond, 1)),
      better: 'lower',
      source,
      note: `polling every ${config.pollIntervalMs} ms while a job runs; Longhaul ${JSON.stringify(longhaul.reads)}, baseline ${JSON.stringify(naive.reads)}`,
    }),
    figure({
      id: `sse.${source}.rss`,
      label: `Server RSS with ${who} connected (median)`,
      value: longhaul.rssMiB,
      unit: 'MiB',
      baseline: baseline(naive.rssMiB),
      better: 'lower',
      source,
      note: `peak ${longhaul.rssPeakMiB} vs ${naive.rssPeakMiB} MiB; before any subscriber ${longhaul.idleRssMiB} vs ${naive.idleRssMiB} MiB (worker and backend in the same process)`,
    }),
    ...([50, 99] as const).map((p) =>
      figure({
        id: `sse.${source}.latency.p${p}`,
        label: `Progress write → event at a subscriber, p${p}`,
        value: round(percentile(longhaul.latencies, p), 1),
        unit: 'ms',
        baseline: baseline(round(percentile(naive.latencies, p), 1)),
        better: 'lower',
        source,
        ...(p === 50 ? { note: `Longhaul: ${coalesced(longhaul)}; baseline: ${coalesced(naive)}` } : {}),
      }),
    ),
  ];
}

export async function run({ quick }: RunOptions): Promise<BenchResult> {
  const base = {
    jobs: quick ? 5 : 100,
    subscribersPerJob: 10,
    progressEveryMs: 1_000,
    progressWrites: quick ? 2 : 20,
    // `longhaul/http`'s default interval for a running job.
    pollIntervalMs: 500,
  };
  const figures: Figure[] = [];
  const embedded = { ...base, source: 'embedded' as const };
  // Alternating order would need twice the runs; the baseline runs first on both backends.
  const naiveEmbedded = await measure({ ...embedded, design: 'naive' });
  const longhaulEmbedded = await measure({ ...embedded, design: 'longhaul' });
  figures.push(...figuresOf('embedded', longhaulEmbedded, naiveEmbedded, embedded));
  console.error('sse-fanout: embedded backend done');

  // One queue and table for both designs: each run's jobs are finished and deleted before the next starts.
  const moto = await motoBackend('sse');
  let naiveMoto: Measured;
  let longhaulMoto: Measured;
  try {
    const onMoto = { ...base, source: 'moto' as const, resources: moto.resources };
    naiveMoto = await measure({ ...onMoto, design: 'naive' });
    longhaulMoto = await measure({ ...onMoto, design: 'longhaul' });
  } finally {
    await moto.dispose();
  }
  figures.push(...figuresOf('moto', longhaulMoto, naiveMoto, { ...base, source: 'moto' }));
  console.error('sse-fanout: moto done');

  const subscribers = base.jobs * base.subscribersPerJob;
  return {
    name: 'sse-fanout',
    title: 'Watching jobs live: SSE fan-out',
    command: `npm run bench -- sse-fanout${quick ? ' --quick' : ''}`,
    quick,
    at: new Date().toISOString(),
    machine: machineInfo(),
    figures,
    method: [
      `${subscribers.toLocaleString('en')} SSE subscribers (${base.subscribersPerJob} per job) on ${base.jobs} running jobs; each job reports progress ${base.progressWrites} times, on average once every ${base.progressEveryMs} ms (each pause drawn from 0.5x to 1.5x, so writes do not lock into step with the pollers), through a worker with \`progressIntervalMs: 0\` (each report is one UpdateItem).`,
      'The server (`longhaul/http`, mounted with `toNodeListener` on node:http) and the worker run in one child process; its RSS is sampled every 250 ms while the jobs report, the median and peak reported. The subscribers are node:http clients in the parent process, all connected (first `snapshot` event received) before the jobs start reporting.',
      "Store reads per second: the server process's backend request counter (DynamoDB read operations: GetItem, BatchGetItem, Query) over the reporting window, divided by its length; the worker itself reads nothing while its jobs run.",
      'Latency: the task stamps `Date.now()` into the progress message just before the write; the subscriber subtracts it from `Date.now()` when the `progress` event arrives (one clock, one machine). A poller that reads once per interval delivers each write after half an interval on average; writes between two polls are coalesced into one event.',
      `Baseline: the naive SSE route, in the same child process layout, where each connection runs its own \`getJob\` loop every ${base.pollIntervalMs} ms (the shared poller's interval for running jobs) and sends a \`progress\` event when the progress changed. It checks no token.`,
    ].join(' '),
  };
}

if (isMain(import.meta.url)) await runAsScript(run, writeResult);
