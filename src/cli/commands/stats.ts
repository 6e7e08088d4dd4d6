/**
 * `longhaul stats`: counts by status and task, queue depth, dead letters, the oldest queued job; with
 * `--rebuild`, the counts are first recounted from the job records.
 */
import { jobStatuses } from '../../core/job.js';
import type { Register } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatAge, formatTime } from '../format.js';

interface StatsFlags {
  readonly json?: boolean;
  readonly rebuild?: boolean;
}

export const registerStats: Register = (program, act) => {
  program
    .command('stats')
    .description('jobs by status and by task, queue depth, dead-letter queue depth, oldest queued job')
    .option('--rebuild', 'first recount the jobs from their records and overwrite the counters (see below)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
--rebuild repairs counts that drifted: run it when the counts aggregator's failure queue
(<prefix>-counts-failures, alarm CountsFailureAlarm) has messages, then purge that queue.
On DynamoDB it scans the whole table (no index knows the status), one read unit per
8 KB of items (about 250,000 per million 2 KB jobs), and writes the counts item once. Jobs that change status in the
second before the write may be miscounted: run it when the queue is quiet. It fails
(exit 1, counts_changed) if the aggregator applied changes during each of three recounts.
On the embedded backend the counts are always exact and --rebuild changes nothing.`,
    )
    .action(
      act<StatsFlags>(async (ctx, _args, flags) => {
        const client = await ctx.client();
        if (flags.rebuild) await client.rebuildCounts();
        const stats = await client.stats();
        const { out } = ctx;
        if (out.json) {
          out.value(stats);
          return ExitCode.ok;
        }
        const { counts, depth } = stats;
        const total = jobStatuses.reduce((sum, status) => sum + counts.byStatus[status], 0);
        if (flags.rebuild) out.line(out.paint.bold('Counts rebuilt from the job records.'));
        out.line(out.paint.bold('Jobs by status'));
        out.line(
          out.table(
            [...jobStatuses.map((s) => s.toUpperCase()), 'TOTAL'],
            [[...jobStatuses.map((s) => String(counts.byStatus[s])), String(total)]],
          ),
        );
        out.line();
        out.line(out.paint.bold('Jobs by task'));
        const tasks = Object.keys(counts.byTask).sort();
        if (tasks.length === 0) out.line('No jobs.');
        else {
          out.line(
            out.table(
              ['TASK', ...jobStatuses.map((s) => s.toUpperCase())],
              tasks.map((task) => [task, ...jobStatuses.map((s) => String(counts.byTask[task]?.[s] ?? 0))]),
            ),
          );
        }
        out.line();
        out.line(
          `${out.paint.bold('Queue')}              ${depth.available} available, ${depth.inFlight} in flight, ${depth.delayed} delayed`,
        );
        out.line(
          `${out.paint.bold('Dead-letter queue')}  ${depth.deadLettered} message${depth.deadLettered === 1 ? '' : 's'}`,
        );
        out.line(
          `${out.paint.bold('Oldest queued')}      ${
            stats.oldestQueued
              ? `${stats.oldestQueued.id}, enqueued ${formatTime(stats.oldestQueued.enqueuedAt)} (${formatAge(stats.oldestQueued.enqueuedAt, stats.oldestQueued.enqueuedAt + stats.oldestQueued.ageMs)})`
              : 'none'
          }`,
        );
        out.line(out.paint.dim(`Counted at ${formatTime(counts.at)}; queue depths are approximate.`));
        return ExitCode.ok;
      }),
    );
};
