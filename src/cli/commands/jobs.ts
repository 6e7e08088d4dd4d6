/** The commands on one job or a list of jobs: `status`, `ls`, `logs`, `cancel`, `retry`. */
import { type JobRecord, JobStatus, jobStatuses } from '../../core/job.js';
import { integer, oneOf, type Register } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatAge, formatDuration, formatJob, formatLogLine, paintStatus, truncate } from '../format.js';
import type { Output } from '../output.js';
import { waitForFinal } from './wait.js';

interface JsonFlag {
  readonly json?: boolean;
}

export const registerStatus: Register = (program, act) => {
  program
    .command('status')
    .description('show a job: status, attempts, progress, timing, history, error, result and last logs')
    .argument('<id>', 'the job id')
    .option('--json', 'print the job record as JSON')
    .action(
      act<JsonFlag>(async (ctx, [id]) => {
        const job = await (await ctx.client()).getJob(id as string);
        if (ctx.out.json) ctx.out.value(job);
        else for (const line of formatJob(job, ctx.out.paint)) ctx.out.line(line);
        return ExitCode.ok;
      }),
    );
};

interface ListFlags extends JsonFlag {
  readonly status?: JobStatus;
  readonly task?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** One row of `ls`. */
function listRow(job: JobRecord, out: Output, now: number): string[] {
  const progress = job.progress ? `${Math.round(job.progress.fraction * 100)}%` : '';
  const took =
    job.finishedAt !== undefined && job.startedAt !== undefined
      ? formatDuration(job.finishedAt - job.startedAt)
      : job.startedAt !== undefined
        ? `${formatDuration(now - job.startedAt)}…`
        : '';
  return [
    job.id,
    job.task,
    paintStatus(job.status, out.paint),
    `${job.attempts}/${job.maxAttempts}`,
    progress,
    formatAge(job.enqueuedAt, now),
    took,
    job.error ? truncate(`${job.error.code}: ${job.error.message}`, 60) : '',
  ];
}

export const registerList: Register = (program, act) => {
  program
    .command('ls')
    .description('list jobs, newest first')
    .option('--status <status>', `only jobs in this status (${jobStatuses.join(', ')})`, oneOf(jobStatuses))
    .option('--task <name>', 'only jobs of this task')
    .option('--limit <n>', 'page size, 1–1000 (default 50)', integer(1, 1000))
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .option('--json', 'print the page as JSON: { jobs, nextCursor }')
    .action(
      act<ListFlags>(async (ctx, _args, flags) => {
        const page = await (await ctx.client()).list({
          ...(flags.status ? { status: flags.status } : {}),
          ...(flags.task ? { task: flags.task } : {}),
          limit: flags.limit ?? 50,
          ...(flags.cursor ? { cursor: flags.cursor } : {}),
        });
        const { out } = ctx;
        if (out.json) {
          out.value({ jobs: page.jobs, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
          return ExitCode.ok;
        }
        // A listing stops at its read bound, so a page can be empty and still have a next one.
        if (page.jobs.length === 0) out.line(page.nextCursor ? 'No jobs on this page.' : 'No jobs.');
        else {
          const now = Date.now();
          out.line(
            out.table(
              ['ID', 'TASK', 'STATUS', 'ATTEMPTS', 'PROGRESS', 'ENQUEUED', 'RAN', 'ERROR'],
              page.jobs.map((job) => listRow(job, out, now)),
            ),
          );
        }
        if (page.nextCursor) out.line(`Next page: --cursor ${page.nextCursor}`);
        return ExitCode.ok;
      }),
    );
};

interface LogsFlags extends JsonFlag {
  readonly follow?: boolean;
}

export const registerLogs: Register = (program, act) => {
  program
    .command('logs')
    .description("print a job's log lines; --follow prints new ones until the job is final (or Ctrl-C)")
    .argument('<id>', 'the job id')
    .option('-f, --follow', 'keep printing new lines until the job is final')
    .option('--json', 'print one JSON object per line: { at, level, message }')
    .action(
      act<LogsFlags>(
        async (ctx, [id], flags) => {
          const longhaul = await ctx.client();
          const { out } = ctx;
          const print = (line: JobRecord['logs'][number]) =>
            out.json ? out.record(line) : out.line(formatLogLine(line, out.paint));
          if (!flags.follow) {
            const job = await longhaul.getJob(id as string);
            for (const line of job.logs) print(line);
            return ExitCode.ok;
          }
          for await (const line of longhaul.followLogs(id as string, {
            signal: ctx.signal,
            pollIntervalMs: 500,
          })) {
            print(line);
          }
          if (ctx.signal.aborted) return ExitCode.interrupted;
          if (!out.json) {
            const job = await longhaul.getJob(id as string);
            out.note(`job ${job.id} ${job.status}`);
          }
          return ExitCode.ok;
        },
        { handlesInterrupt: true },
      ),
    );
};

export const registerCancelRetry: Register = (program, act) => {
  program
    .command('cancel')
    .description(
      'cancel a job: at once if scheduled, queued or retrying; a running one is stopped by its worker at its next heartbeat',
    )
    .argument('<id>', 'the job id')
    .option('--json', 'print the job record as JSON')
    .option('--wait', 'for a running job: wait until it has ended (exit 1 if it ended other than cancelled)')
    .action(
      act<JsonFlag & { readonly wait?: boolean }>(
        async (ctx, [id], flags) => {
          const longhaul = await ctx.client();
          let job = await longhaul.cancel(id as string);
          if (job.status === JobStatus.running && flags.wait) {
            if (!ctx.out.json)
              ctx.out.note(`cancel requested for running job ${job.id}; waiting for it to end…`);
            const ended = await waitForFinal(longhaul, job.id, { signal: ctx.signal });
            if (!ended) return ExitCode.interrupted;
            job = ended;
          }
          if (ctx.out.json) ctx.out.value(job);
          else if (job.status === JobStatus.running) {
            ctx.out.line(
              `Cancel requested for running job ${job.id} (${job.task}); its worker stops it at its next heartbeat.`,
            );
          } else if (job.status === JobStatus.cancelled)
            ctx.out.line(`Cancelled job ${job.id} (${job.task}).`);
          // A success (or a final failure) recorded before the worker saw the request wins over it.
          else ctx.out.line(`Job ${job.id} (${job.task}) ended ${job.status} before the cancel took effect.`);
          return job.status === JobStatus.running || job.status === JobStatus.cancelled
            ? ExitCode.ok
            : ExitCode.failure;
        },
        { handlesInterrupt: true },
      ),
    );
  program
    .command('retry')
    .description('run a failed or cancelled job again with a fresh attempt budget (a queued one: resend it)')
    .argument('<id>', 'the job id')
    .option('--json', 'print the job record as JSON')
    .action(
      act<JsonFlag>(async (ctx, [id]) => {
        const longhaul = await ctx.client();
        const before = await longhaul.getJob(id as string);
        const job = await longhaul.retry(id as string);
        if (ctx.out.json) ctx.out.value(job);
        else if (before.status === JobStatus.queued) {
          ctx.out.line(`Job ${job.id} (${job.task}) is still queued; its message was sent again.`);
        } else ctx.out.line(`Job ${job.id} (${job.task}) is queued again, with ${job.maxAttempts} attempts.`);
        return ExitCode.ok;
      }),
    );
};
