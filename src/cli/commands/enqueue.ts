/** `longhaul enqueue TASK '{json}'`: validates, enqueues, prints the id; `--wait` waits for the result. */

import { InvalidArgumentError } from 'commander';
import ms from 'ms';
import { type Priority, priorities } from '../../core/priority.js';
import { parseJsonArgs } from '../args.js';
import { oneOf, type Register } from '../command.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { formatError } from '../format.js';
import { waitForFinal } from './wait.js';

interface EnqueueFlags {
  readonly json?: boolean;
  readonly wait?: boolean;
  readonly jobId?: string;
  readonly delay?: number;
  readonly at?: number;
  readonly priority?: Priority;
  readonly timeout?: string;
  readonly key?: string;
  readonly keyWindow?: string;
}

export const registerEnqueue: Register = (program, act) => {
  program
    .command('enqueue')
    .description("enqueue a job; its arguments are validated against the task's schema")
    .argument('<task>', 'the task name')
    .argument('[args]', 'the arguments as JSON, e.g. \'{"path":"rivers.txt"}\'')
    .option('--json', 'print JSON')
    .option(
      '--wait',
      'wait for the job to finish and print its result (exit 1 if it failed or was cancelled)',
    )
    .option('--job-id <id>', 'your own job id: enqueueing the same id again returns the existing job')
    .option(
      '--delay <duration>',
      'run the first attempt after this long: seconds or a duration such as 90s, 2h, 3d (any length)',
      delayDuration,
    )
    .option('--at <time>', 'run the first attempt at this ISO 8601 time, e.g. 2026-12-01T09:00:00Z', isoTime)
    .option('--priority <priority>', "high, normal or low (default: the task's)", oneOf(priorities))
    .option(
      '--key <key>',
      'a unique key: while a job of this task with this key is queued or running, return it instead',
    )
    .option('--key-window <duration>', 'with --key: the key also blocks this long after enqueue (e.g. 10m)')
    .option('--timeout <duration>', 'with --wait: give up after this long (e.g. 30s, 5m); the job goes on')
    .action(
      act<EnqueueFlags>(async (ctx, [taskName, argsText], flags) => {
        const timeoutMs = flags.timeout === undefined ? undefined : ms(flags.timeout as ms.StringValue);
        if (flags.timeout !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0)) {
          throw new CliError(
            ExitCode.usage,
            'invalid_option',
            `Expected --timeout to be a duration such as 30s or 5m, got ${JSON.stringify(flags.timeout)}`,
          );
        }
        const keyWindowMs = flags.keyWindow === undefined ? undefined : ms(flags.keyWindow as ms.StringValue);
        if (flags.keyWindow !== undefined && !(typeof keyWindowMs === 'number' && keyWindowMs >= 0)) {
          throw new CliError(
            ExitCode.usage,
            'invalid_option',
            `Expected --key-window to be a duration such as 30s or 10m, got ${JSON.stringify(flags.keyWindow)}`,
          );
        }
        if (flags.keyWindow !== undefined && flags.key === undefined) {
          throw new CliError(ExitCode.usage, 'invalid_option', 'Expected --key with --key-window, got none');
        }
        if (flags.delay !== undefined && flags.at !== undefined) {
          throw new CliError(
            ExitCode.usage,
            'invalid_option',
            'Expected at most one of --delay and --at, got both',
          );
        }
        const module = await ctx.tasks("to validate the job's arguments against the task's schema");
        const task = module.find(taskName as string);
        const args = parseJsonArgs(argsText);
        const longhaul = await ctx.client();
        const handle = await longhaul.enqueue(task, args, {
          ...(flags.jobId !== undefined ? { jobId: flags.jobId } : {}),
          ...(flags.delay !== undefined ? { delaySeconds: flags.delay } : {}),
          ...(flags.key !== undefined ? { key: flags.key } : {}),
          ...(keyWindowMs !== undefined ? { keyWindowMs } : {}),
          ...(flags.at !== undefined ? { runAt: flags.at } : {}),
          ...(flags.priority !== undefined ? { priority: flags.priority } : {}),
        });
        const matched = handle.matched ? { matched: handle.matched } : {};
        const { out } = ctx;
        if (!flags.wait) {
          const delayed = flags.delay !== undefined || flags.at !== undefined;
          const runAt = delayed && handle.created ? (await longhaul.getJob(handle.id)).runAt : undefined;
          if (out.json) {
            out.value({
              id: handle.id,
              task: handle.task,
              created: handle.created,
              ...matched,
              ...(runAt !== undefined ? { runAt: new Date(runAt).toISOString() } : {}),
            });
          } else {
            out.line(handle.id);
            if (handle.matched === 'key') {
              out.note(`job ${handle.id} holds key ${JSON.stringify(flags.key ?? '')}; nothing was enqueued`);
            } else if (!handle.created) out.note(`job ${handle.id} already existed; nothing was enqueued`);
            if (runAt !== undefined) out.note(`scheduled to run at ${new Date(runAt).toISOString()}`);
          }
          return ExitCode.ok;
        }
        if (!out.json) out.note(`enqueued ${handle.id}; waiting for it to finish…`);
        const job = await waitForFinal(longhaul, handle.id, {
          signal: ctx.signal,
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        });
        if (!job) {
          if (ctx.signal.aborted) return ExitCode.interrupted;
          const current = await longhaul.getJob(handle.id);
          if (out.json)
            out.value({
              id: handle.id,
              task: handle.task,
              created: handle.created,
              ...matched,
              status: current.status,
            });
          else out.note(`job ${handle.id} is still ${current.status} after ${flags.timeout}; it goes on`);
          return ExitCode.failure;
        }
        if (out.json) {
          out.value({
            id: job.id,
            task: job.task,
            created: handle.created,
            ...matched,
            status: job.status,
            ...(job.result !== undefined ? { result: job.result } : {}),
            ...(job.error ? { error: job.error } : {}),
          });
        } else if (job.status === 'succeeded') {
          out.value(job.result ?? null);
        } else {
          out.note(`job ${job.id} ${job.status}`);
          if (job.error) for (const line of formatError(job.error, out.paint)) out.note(line);
        }
        return job.status === 'succeeded' ? ExitCode.ok : ExitCode.failure;
      }),
    );
};

/** `--delay`: whole seconds (`90`) or a duration (`90s`, `2h`, `3d`), as whole seconds. */
function delayDuration(value: string): number {
  const text = value.trim();
  const millis = /^\d+$/.test(text) ? Number(text) * 1000 : ms(text as ms.StringValue);
  if (typeof millis !== 'number' || !Number.isFinite(millis) || millis < 0 || millis % 1000 !== 0) {
    throw new InvalidArgumentError(
      `Expected a delay in whole seconds such as 90, 90s, 2h or 3d, got ${JSON.stringify(value)}.`,
    );
  }
  return millis / 1000;
}

/** `--at`: a full ISO 8601 time with its zone, as epoch milliseconds. */
function isoTime(value: string): number {
  const at = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value.trim())
    ? Date.parse(value.trim())
    : Number.NaN;
  if (!Number.isFinite(at)) {
    throw new InvalidArgumentError(
      `Expected an ISO 8601 time with its zone such as 2026-12-01T09:00:00Z, got ${JSON.stringify(value)}.`,
    );
  }
  return at;
}
