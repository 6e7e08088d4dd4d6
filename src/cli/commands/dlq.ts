/** `longhaul dlq ls` and `longhaul dlq redrive`: the dead-letter queue. */
import { integer, type Register } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatAge, truncate } from '../format.js';
import { type ProgressReporter, progressReporter } from '../progress.js';

interface DlqListFlags {
  readonly json?: boolean;
  readonly limit?: number;
}

interface RedriveFlags {
  readonly json?: boolean;
  readonly task?: string;
  readonly jobId?: string;
  readonly limit?: number;
}

export const registerDlq: Register = (program, act) => {
  const dlq = program.command('dlq').description('the dead-letter queue: list and redrive');
  dlq
    .command('ls')
    .description('list dead letters with their job, task, error code, message and age')
    .option('--limit <n>', 'at most this many (default 100)', integer(1, 10_000))
    .option('--json', 'print JSON')
    .action(
      act<DlqListFlags>(async (ctx, _args, flags) => {
        const letters = await (await ctx.client()).deadLetters({ limit: flags.limit ?? 100 });
        const { out } = ctx;
        if (out.json) {
          out.value(letters);
          return ExitCode.ok;
        }
        if (letters.length === 0) {
          out.line('The dead-letter queue is empty.');
          return ExitCode.ok;
        }
        const now = Date.now();
        out.line(
          out.table(
            ['JOB ID', 'TASK', 'CODE', 'MESSAGE', 'AGE'],
            letters.map((letter) => [
              letter.jobId ?? out.paint.dim(`(message ${letter.messageId})`),
              letter.task ?? '',
              letter.code ?? out.paint.dim('(moved by SQS)'),
              truncate(letter.message ?? '', 70),
              formatAge(letter.sentAt, now),
            ]),
          ),
        );
        return ExitCode.ok;
      }),
    );
  dlq
    .command('redrive')
    .description('send dead-lettered jobs back to work with a fresh attempt budget (as by retry)')
    .option('--task <name>', 'only jobs of this task')
    .option('--job-id <id>', 'only this job')
    .option('--limit <n>', 'at most this many', integer(1))
    .option('--json', 'print JSON: { redriven, left }')
    .action(
      act<RedriveFlags>(async (ctx, _args, flags) => {
        const longhaul = await ctx.client();
        const { out } = ctx;
        // The bar starts with the first job redriven, when redrive knows the dead-letter queue's depth.
        let progress: ProgressReporter | undefined;
        let result: Awaited<ReturnType<typeof longhaul.redrive>>;
        try {
          result = await longhaul.redrive({
            ...(flags.task ? { task: flags.task } : {}),
            ...(flags.jobId ? { jobId: flags.jobId } : {}),
            ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
            onProgress: ({ done, total }) => {
              const shown = Math.min(total, flags.limit ?? total);
              if (!out.json) progress ??= progressReporter(ctx.io.stderr, 'Redriving', shown);
              progress?.update(done, Math.max(done, shown));
            },
          });
        } finally {
          progress?.stop();
        }
        if (out.json) out.value(result);
        else {
          const n = result.redriven.length;
          out.line(
            `Redrove ${n} job${n === 1 ? '' : 's'}${n ? `: ${result.redriven.join(', ')}` : ''}; ${result.left} dead letter${result.left === 1 ? '' : 's'} left.`,
          );
        }
        return ExitCode.ok;
      }),
    );
};
