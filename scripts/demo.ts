// `npm run demo`: Longhaul end to end in one process. It plays the web app (enqueues jobs and watches
// them through `longhaul.getJob`, as a status page would) and runs two workers that do the work.
//
//   npm run demo               embedded backend: no AWS account, no emulator
//   npm run demo -- --local    the AWS backend (SQS + DynamoDB) on the local emulator; starts moto
//                              unless AWS_ENDPOINT_URL is set
//
// Exits 0 when every job ended as intended (the broken one failed into the dead-letter queue), else 1.

import { setTimeout as sleep } from 'node:timers/promises';
import {
  createWorker,
  isFinalStatus,
  type JobHandle,
  type JobRecord,
  JobStatus,
  Longhaul,
  type Scheduler,
  silentLogger,
  startScheduler,
  type TaskResult,
  type Worker,
} from 'longhaul';
import { demoSchedules } from '../examples/demo-schedules.js';
import {
  type dashboardRefresh,
  demoTasks,
  listDocs,
  portfolioAnalyze,
  reportBroken,
  reportFlaky,
  wordCount,
} from '../examples/demo-tasks.js';
import { type DemoBackend, openLocalAwsBackend, openMemoryBackend } from './demo/backends.js';
import { createLiveView, createStyle, type JobRow, type LiveView } from './demo/render.js';
import { printReport } from './demo/report.js';

const runTimeoutMs = 90_000;
const pollIntervalMs = 250;
/** The demo's schedule clock runs 20x fast: `rate(1 minute)` fires every 3 s. */
const scheduleTimeScale = 20;
/** Scheduled refresh runs the demo waits for. */
const scheduledRunsWanted = 2;

const style = createStyle(process.stdout.isTTY === true && !process.env.NO_COLOR);
const print = (line = '') => {
  process.stdout.write(`${line}\n`);
};

async function main(argv: readonly string[]): Promise<number> {
  const unknown = argv.filter((arg) => arg !== '--local');
  if (unknown.length > 0) {
    process.stderr.write(`Unknown argument ${unknown.join(' ')}\nUsage: npm run demo [-- --local]\n`);
    return 2;
  }
  const local = argv.includes('--local');
  const interrupted = new AbortController();
  process.once('SIGINT', () => interrupted.abort());

  print(style.bold('Longhaul demo'));
  const demo: DemoBackend = local
    ? await openLocalAwsBackend((line) => print(style.dim(line)))
    : openMemoryBackend();
  print(`Backend: ${demo.description}`);
  const workers: Worker[] = [];
  let scheduler: Scheduler | undefined;
  let view: LiveView | undefined;
  try {
    const { backend } = demo;
    // The web app's side: a client that enqueues and reads jobs.
    const longhaul = new Longhaul({ backend });
    // The workers' side: two of them, three jobs at a time each.
    for (const n of [1, 2]) {
      const worker = createWorker({
        backend,
        tasks: demoTasks,
        workerId: `demo-worker-${n}`,
        concurrency: 3,
        visibilityTimeoutSeconds: 10,
        heartbeatIntervalSeconds: 3,
        waitTimeSeconds: 1,
        progressIntervalMs: 200,
        logger: silentLogger,
        // The demo draws its own screen on stdout.
        metrics: false,
      });
      workers.push(worker.start());
    }

    // The periodic refresh: the same schedule the CDK app deploys as an EventBridge rule, fired here
    // in-process. Each run is an ordinary job whose id is the schedule's name and firing time.
    const scheduledRuns: Array<{ label: string; id: string }> = [];
    scheduler = startScheduler({
      schedules: demoSchedules,
      transport: backend.transport,
      timeScale: scheduleTimeScale,
      onFire: (run) =>
        scheduledRuns.push({
          label: `${run.schedule.task} (scheduled ${run.firedAt.slice(11, 16)})`,
          id: run.jobId,
        }),
      logger: silentLogger,
    });

    const docs = await listDocs();
    const [docJobs, portfolioJobs, flakyJob, brokenJob] = await Promise.all([
      Promise.all(docs.map((path) => longhaul.enqueue(wordCount, { path }))),
      Promise.all([
        longhaul.enqueue(portfolioAnalyze, { portfolio: 'growth-fund', positions: 12 }),
        longhaul.enqueue(portfolioAnalyze, { portfolio: 'income-fund', positions: 8 }),
      ]),
      longhaul.enqueue(reportFlaky, { report: 'weekly-revenue' }),
      longhaul.enqueue(reportBroken, { report: 'quarterly-v2' }),
    ]);
    const tracked: Array<{ label: string; handle: JobHandle }> = [
      ...docJobs.map((handle, i) => ({ label: `${handle.task} ${docs[i]}`, handle })),
      ...portfolioJobs.map((handle, i) => ({
        label: `${handle.task} ${i === 0 ? 'growth' : 'income'}`,
        handle,
      })),
      { label: `${flakyJob.task} (fails once)`, handle: flakyJob },
      { label: `${brokenJob.task} (always fails)`, handle: brokenJob },
    ];
    print(
      `Enqueued ${tracked.length} jobs: ${docJobs.length} word counts, ${portfolioJobs.length} portfolio analyses, ` +
        `1 flaky report, 1 broken report; 2 workers x 3 slots`,
    );
    print(
      `Schedule: ${demoSchedules.map((d) => `${d.name} ${d.expression}`).join(', ')}, on a clock running ` +
        `${scheduleTimeScale}x fast (a run every ${60 / scheduleTimeScale} s)`,
    );
    print();

    // Watch the jobs as the app sees them until every one is final.
    const started = Date.now();
    view = createLiveView(process.stdout, style);
    for (;;) {
      const rows: JobRow[] = await Promise.all([
        ...tracked.map(async ({ label, handle }) => ({ label, job: await longhaul.getJob(handle) })),
        ...scheduledRuns.map(async ({ label, id }) => ({ label, job: await scheduledJob(longhaul, id) })),
      ]);
      view.update(rows, Date.now() - started);
      if (rows.every(({ job }) => isFinalStatus(job.status)) && scheduledRuns.length >= scheduledRunsWanted) {
        if (!scheduler) break;
        // Stop firing, then wait for a run fired in the meantime.
        await scheduler.stop();
        scheduler = undefined;
        continue;
      }
      if (interrupted.signal.aborted) {
        print('Interrupted: stopping the workers and cleaning up');
        return 130;
      }
      if (Date.now() - started > runTimeoutMs) {
        const pending = rows.filter(({ job }) => !isFinalStatus(job.status));
        print();
        print(
          style.red(
            `Timed out after ${runTimeoutMs / 1000} s with ${pending.length} job(s) not finished: ` +
              pending.map(({ label, job }) => `${label} ${job.id.slice(0, 8)} (${job.status})`).join(', '),
          ),
        );
        return 1;
      }
      await sleep(pollIntervalMs, undefined, { signal: interrupted.signal }).catch(() => undefined);
    }
    view.close();
    view = undefined;
    print();
    print(
      `All ${tracked.length + scheduledRuns.length} jobs final after ${((Date.now() - started) / 1000).toFixed(1)} s; stopping the workers`,
    );
    // Stopping flushes the last batch of deletes, so the request counts below are complete.
    await Promise.all(workers.map((worker) => worker.stop()));
    for (const worker of workers) {
      const s = worker.stats;
      print(
        style.dim(
          `  ${worker.options.workerId}: received ${s.received}, finished ${s.deleted}, retried ${s.retried}, ` +
            `dead-lettered ${s.deadLettered}`,
        ),
      );
    }

    const requests = backend.requests.snapshot();
    let depth = await backend.transport.depth();
    // SQS's counts are approximate and may lag a moment behind the move.
    for (let i = 0; i < 10 && depth.deadLettered < 1; i++) {
      await sleep(500);
      depth = await backend.transport.depth();
    }
    const problems = printReport(
      {
        jobs: {
          docs: await Promise.all(docJobs.map((h) => longhaul.getJob(h))),
          portfolios: await Promise.all(portfolioJobs.map((h) => longhaul.getJob(h))),
          flaky: await longhaul.getJob(flakyJob),
          broken: await longhaul.getJob(brokenJob),
          refreshes: await Promise.all(
            scheduledRuns.map(({ id }) => longhaul.getJob<TaskResult<typeof dashboardRefresh>>(id)),
          ),
        },
        depth,
        requests,
        backendName: local ? 'AWS backend' : 'embedded backend',
      },
      print,
      style,
    );
    print();
    if (problems.length > 0) {
      print(style.red(`Demo FAILED: ${problems.length} job(s) did not end as intended`));
      for (const problem of problems) print(style.red(`  - ${problem}`));
      return 1;
    }
    print(
      style.green(
        `Demo OK: ${tracked.length + scheduledRuns.length - 1} jobs succeeded; report.broken failed into the dead-letter queue as intended`,
      ),
    );
    return 0;
  } finally {
    view?.close();
    await scheduler?.stop();
    await Promise.all(workers.map((worker) => worker.stop()));
    await demo.close();
  }
}

/**
 * A scheduled run's job. The EventBridge rule (here, the scheduler) sends its message straight to the
 * queue, so the record appears when a worker claims it; until then the app shows it as queued.
 */
async function scheduledJob(longhaul: Longhaul, id: string): Promise<JobRecord> {
  try {
    return await longhaul.getJob(id);
  } catch (error) {
    if ((error as { code?: string }).code !== 'job_not_found') throw error;
    const now = Date.now();
    return {
      id,
      task: 'dashboard.refresh',
      status: JobStatus.queued,
      args: null,
      attempts: 0,
      maxAttempts: 1,
      enqueuedAt: now,
      logs: [],
      history: [],
    };
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `Demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
