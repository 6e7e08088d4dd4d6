/** `longhaul worker`: a long-running worker for the tasks module; JSON log lines on stderr. */
import { createWorker } from '../../runtime/worker.js';
import { workerOptionsFromEnv } from '../../runtime/worker-env.js';
import { aborted, integer, type Register } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { jsonLinesLogger } from '../logger.js';

interface WorkerFlags {
  readonly concurrency?: number;
}

export const registerWorker: Register = (program, act) => {
  program
    .command('worker')
    .description('run a worker for the tasks module until SIGTERM or Ctrl-C (graceful); logs JSON lines')
    .option('--concurrency <n>', 'jobs run at once (default LONGHAUL_CONCURRENCY, else 4)', integer(1, 1000))
    .action(
      act<WorkerFlags>(
        async (ctx, _args, flags) => {
          const module = await ctx.tasks('to know the tasks it runs');
          const { backend, embedded } = await ctx.backend('process');
          const logger = jsonLinesLogger(ctx.io.stderr);
          const fromEnv = workerOptionsFromEnv(ctx.io.env as NodeJS.ProcessEnv);
          const worker = createWorker({
            backend,
            tasks: module.tasks,
            ...fromEnv,
            ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
            logger,
            // Job metrics (EMF) on the CLI's stdout, the logs on its stderr; LONGHAUL_METRICS=off turns them off.
            metrics:
              fromEnv.metrics === false
                ? false
                : { ...fromEnv.metrics, sink: (line) => void ctx.io.stdout.write(`${line}\n`) },
          });
          if (embedded) {
            logger.warn('the embedded backend lives in this process: this worker sees no job from elsewhere');
          }
          logger.info('worker starting', {
            workerId: worker.options.workerId,
            tasks: module.tasks.map((task) => task.name),
            concurrency: worker.options.concurrency,
          });
          const unhook = worker.stopOnSignals();
          void aborted(ctx.signal).then(() => worker.stop());
          try {
            await worker.run();
          } finally {
            unhook();
          }
          logger.info('worker stopped', { workerId: worker.options.workerId, ...worker.stats });
          return ExitCode.ok;
        },
        { handlesInterrupt: true },
      ),
    );
};
