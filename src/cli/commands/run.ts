/**
 * `longhaul run TASK '{json}'`: runs one job of the task in this process on the embedded backend, through
 * the real lifecycle (validation, attempts, retries with their backoff), and prints its final record.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { memoryBackend } from '../../backends/memory/index.js';
import { Longhaul } from '../../client/longhaul.js';
import { isFinalStatus, type JobRecord } from '../../core/job.js';
import { createWorker } from '../../runtime/worker.js';
import { parseJsonArgs } from '../args.js';
import type { Register } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatJob } from '../format.js';
import { jsonLinesLogger } from '../logger.js';

interface RunFlags {
  readonly json?: boolean;
}

export const registerRun: Register = (program, act) => {
  program
    .command('run')
    .description('run one job of a task in this process (embedded backend) and print its final record')
    .argument('<task>', 'the task name')
    .argument('[args]', 'the arguments as JSON')
    .option('--json', 'print the job record as JSON')
    .action(
      act<RunFlags>(
        async (ctx, [taskName, argsText]) => {
          const module = await ctx.tasks('to find the task to run');
          const task = module.find(taskName as string);
          const args = parseJsonArgs(argsText);
          // Always the embedded backend: running a job here must not take other jobs off a shared queue.
          const backend = memoryBackend();
          const longhaul = new Longhaul({ backend });
          const handle = await longhaul.enqueue(task, args);
          const worker = createWorker({
            backend,
            tasks: module.tasks,
            concurrency: 1,
            waitTimeSeconds: 1,
            progressIntervalMs: 0,
            deleteBatchWindowMs: 0,
            shutdownGraceMs: 1_000,
            workerId: 'longhaul-run',
            logger: jsonLinesLogger(ctx.io.stderr, new Set(['warn', 'error'])),
            // One job run locally: its result is this command's output, with no metric lines around it.
            metrics: false,
          });
          worker.start();
          let job: JobRecord;
          try {
            for (;;) {
              job = await longhaul.getJob(handle.id);
              if (isFinalStatus(job.status)) break;
              if (ctx.signal.aborted) return ExitCode.interrupted;
              await sleep(50);
            }
          } finally {
            await worker.stop();
          }
          const { out } = ctx;
          if (out.json) out.value(job);
          else for (const line of formatJob(job, out.paint, { logLines: 100 })) out.line(line);
          return job.status === 'succeeded' ? ExitCode.ok : ExitCode.failure;
        },
        { handlesInterrupt: true },
      ),
    );
};
