/** `longhaul purge --status S --older-than 7d`: deletes finished jobs. */
import ms from 'ms';
import type { Longhaul } from '../../client/longhaul.js';
import { isFinalStatus, type JobQuery, type JobStatus, jobStatuses } from '../../core/job.js';
import { oneOf, type Register } from '../command.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { formatTime } from '../format.js';
import { progressReporter } from '../progress.js';

interface PurgeFlags {
  readonly status: JobStatus;
  readonly olderThan: string;
  readonly task?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

const finalStatuses = jobStatuses.filter(isFinalStatus);

/** How many jobs match: pages through the listing, as `purge` would. */
async function countMatching(longhaul: Longhaul, query: JobQuery): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  for (;;) {
    const page = await longhaul.list({ ...query, limit: 1000, ...(cursor ? { cursor } : {}) });
    count += page.jobs.length;
    if (!page.nextCursor) return count;
    cursor = page.nextCursor;
  }
}

export const registerPurge: Register = (program, act) => {
  program
    .command('purge')
    .description(
      'delete finished jobs (succeeded, failed or cancelled) enqueued longer ago than --older-than',
    )
    .requiredOption(
      '--status <status>',
      `which finished jobs: ${finalStatuses.join(', ')}`,
      oneOf(jobStatuses),
    )
    .requiredOption('--older-than <duration>', 'only jobs enqueued at least this long ago, e.g. 7d, 12h, 30m')
    .option('--task <name>', 'only jobs of this task')
    .option('--dry-run', 'count what would be deleted; delete nothing')
    .option('--json', 'print JSON: { deleted } or { wouldDelete }')
    .action(
      act<PurgeFlags>(async (ctx, _args, flags) => {
        if (!isFinalStatus(flags.status)) {
          throw new CliError(
            ExitCode.usage,
            'invalid_option',
            `Refusing to purge ${flags.status} jobs: only finished jobs (${finalStatuses.join(', ')}) are ever purged`,
          );
        }
        const olderThanMs = ms(flags.olderThan as ms.StringValue);
        if (typeof olderThanMs !== 'number' || !Number.isFinite(olderThanMs) || olderThanMs < 0) {
          throw new CliError(
            ExitCode.usage,
            'invalid_option',
            `Expected --older-than to be a duration such as 7d, 12h or 30m, got ${JSON.stringify(flags.olderThan)}`,
          );
        }
        const longhaul = await ctx.client();
        const { out } = ctx;
        const enqueuedBefore = Date.now() - olderThanMs;
        const query: JobQuery = {
          status: flags.status,
          ...(flags.task ? { task: flags.task } : {}),
          enqueuedBefore,
        };
        const what = `${flags.status}${flags.task ? ` ${flags.task}` : ''} job`;
        if (flags.dryRun) {
          const wouldDelete = await countMatching(longhaul, query);
          if (out.json) out.value({ wouldDelete, enqueuedBefore });
          else {
            out.line(
              `Would delete ${wouldDelete} ${what}${wouldDelete === 1 ? '' : 's'} enqueued before ${formatTime(enqueuedBefore)}.`,
            );
          }
          return ExitCode.ok;
        }
        // On a terminal, count first so the bar has a total.
        const total = ctx.io.stderr.isTTY && !out.json ? await countMatching(longhaul, query) : 0;
        const progress = out.json ? undefined : progressReporter(ctx.io.stderr, 'Purging', total);
        let deleted: number;
        try {
          ({ deleted } = await longhaul.purge({
            status: flags.status,
            olderThanMs,
            ...(flags.task ? { task: flags.task } : {}),
            onProgress: (p) => progress?.update(p.deleted),
          }));
        } finally {
          progress?.stop();
        }
        if (out.json) out.value({ deleted });
        else
          out.line(
            `Deleted ${deleted} ${what}${deleted === 1 ? '' : 's'} enqueued before ${formatTime(enqueuedBefore)}.`,
          );
        return ExitCode.ok;
      }),
    );
};
