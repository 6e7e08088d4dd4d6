// The demo's closing report: what each kind of job produced, the retry and the dead letter, the requests
// made per job, and whether everything ended as it should (the demo doubles as a smoke test).

import {
  dynamoWriteOperations,
  type JobEvent,
  type JobRecord,
  type QueueDepth,
  type TaskResult,
  totalRequests,
} from 'longhaul';
import type {
  dashboardRefresh,
  portfolioAnalyze,
  reportBroken,
  reportFlaky,
  WordCount,
  wordCount,
} from '../../examples/demo-tasks.js';
import type { Style } from './render.js';

/** A task's job as read back, typed with the task's result. */
type Final<T> = JobRecord<unknown, TaskResult<T>>;

/** Every job of the run as it ended. */
export interface FinalJobs {
  readonly docs: ReadonlyArray<Final<typeof wordCount>>;
  readonly portfolios: ReadonlyArray<Final<typeof portfolioAnalyze>>;
  readonly flaky: Final<typeof reportFlaky>;
  readonly broken: Final<typeof reportBroken>;
  readonly refreshes: ReadonlyArray<Final<typeof dashboardRefresh>>;
}

export interface ReportInput {
  readonly jobs: FinalJobs;
  readonly depth: QueueDepth;
  readonly requests: Record<string, Record<string, number>>;
  readonly backendName: string;
}

/** Prints the results and returns what did not end as it should (empty when the demo passed). */
export function printReport(input: ReportInput, print: (line?: string) => void, style: Style): string[] {
  const { jobs } = input;
  const section = (title: string) => {
    print();
    print(style.bold(title));
  };
  print();
  print(style.bold('Results'));

  const counted = jobs.docs.flatMap((job) => (job.result ? [job.result] : []));
  const totalWords = counted.reduce((sum, r) => sum + r.words, 0);
  section(`Word counts: ${counted.length} documents, ${number(totalWords)} words in all`);
  for (const r of counted) {
    const top = r.topWords.map((w) => `${w.word} ${w.count}`).join(', ');
    print(`  ${r.path.padEnd(16)} ${number(r.words).padStart(6)} words   ${style.dim(top)}`);
  }
  const merged = new Map<string, number>();
  for (const r of counted)
    for (const w of r.topWords) merged.set(w.word, (merged.get(w.word) ?? 0) + w.count);
  const across: WordCount[] = [...merged]
    .map(([word, count]) => ({ word, count }))
    .sort((a, b) => b.count - a.count || a.word.localeCompare(b.word))
    .slice(0, 8);
  print(`  top words across docs: ${across.map((w) => `${w.word} ${w.count}`).join(', ')}`);

  section('Portfolio analyses');
  for (const job of jobs.portfolios) {
    const r = job.result;
    if (!r) continue;
    print(
      `  ${r.portfolio.padEnd(16)} ${String(r.positions).padStart(2)} positions   value ${money(r.value)}   ` +
        `volatility ${percent(r.volatility)}   1-day VaR(95%) ${money(r.valueAtRisk95)}   ` +
        `largest ${r.largestPosition.ticker} ${percent(r.largestPosition.weight)}`,
    );
    print(style.dim(`    ${job.logs.length} log lines, last: ${job.logs.at(-1)?.message ?? '(none)'}`));
  }

  const { flaky, broken } = jobs;
  section(`Retry: report.flaky ${flaky.status} on attempt ${flaky.attempts} of ${flaky.maxAttempts}`);
  print(`  history: ${historyLine(flaky.history)}`);
  for (const line of failures(flaky.history)) print(style.dim(`  ${line}`));

  section(
    `Dead letter: report.broken ${broken.status} after ${broken.attempts} of ${broken.maxAttempts} attempts`,
  );
  print(`  history: ${historyLine(broken.history)}`);
  print(`  error: ${broken.error?.message ?? '(none)'} ${style.dim(`[${broken.error?.code ?? '?'}]`)}`);
  print(
    `  dead-letter queue: ${input.depth.deadLettered} message${input.depth.deadLettered === 1 ? '' : 's'}; ` +
      `job marked deadLettered: ${broken.deadLettered === true}`,
  );
  const { available, inFlight, delayed } = input.depth;
  print(style.dim(`  job queue: ${available} available, ${inFlight} in flight, ${delayed} delayed`));

  section(`Scheduled refreshes: dashboard.refresh x${jobs.refreshes.length}, one job per firing`);
  for (const job of jobs.refreshes) {
    if (job.result) print(`  ${job.id.padEnd(44)} ${job.result.activeUsers} active users`);
  }

  const all: JobRecord[] = [...jobs.docs, ...jobs.portfolios, flaky, broken, ...jobs.refreshes];
  const { requests } = input;
  const sqs = totalRequests(requests, 'sqs');
  const writes = totalRequests(requests, 'dynamodb', dynamoWriteOperations);
  const reads = totalRequests(requests, 'dynamodb') - writes;
  const perJob = (n: number) => (n / all.length).toFixed(1);
  section(`Requests: ${input.backendName}, ${all.length} jobs`);
  print(
    `  SQS requests per job: ${perJob(sqs)}  ${style.dim(`(${sqs} in all: ${breakdown(requests.sqs)})`)}`,
  );
  print(
    `  DynamoDB writes per job: ${perJob(writes)}  ` +
      style.dim(`(${writes} in all: ${breakdown(requests.dynamodb, dynamoWriteOperations)})`),
  );
  print(style.dim(`  DynamoDB reads: ${reads} in all, mostly this demo polling getJob every 250 ms`));
  print(
    style.dim(
      '  A plain successful job costs 3 writes and at most 3 SQS requests; the rest here are the live progress\n' +
        '  this demo asks for every 200 ms, the retries, the dead letter and idle long polls (README, "Cost per job").',
    ),
  );

  const problems: string[] = [];
  for (const job of all) {
    if (job === broken || job.status === 'succeeded') continue;
    problems.push(`${job.task} ${job.id} ended ${job.status}${job.error ? `: ${job.error.message}` : ''}`);
  }
  if (broken.status !== 'failed' || broken.deadLettered !== true) {
    problems.push(
      `report.broken ${broken.id} should end failed and dead-lettered, ended ${broken.status} (deadLettered: ${broken.deadLettered})`,
    );
  }
  if (input.depth.deadLettered < 1) problems.push('the dead-letter queue is empty');
  return problems;
}

function historyLine(history: readonly JobEvent[]): string {
  return history.map((event) => event.status).join(' → ');
}

function failures(history: readonly JobEvent[]): string[] {
  return history.flatMap((event) =>
    event.error ? [`attempt ${event.attempt} failed: ${event.error.message} [${event.error.code}]`] : [],
  );
}

function breakdown(counts: Record<string, number> | undefined, only?: ReadonlySet<string>): string {
  return Object.entries(counts ?? {})
    .filter(([operation]) => !only || only.has(operation))
    .sort(([, a], [, b]) => b - a)
    .map(([operation, n]) => `${operation} ${n}`)
    .join(', ');
}

const number = (n: number) => n.toLocaleString('en-US');
const money = (n: number) =>
  n.toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
const percent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;
