/**
 * `longhaul dashboard`: serves the web UI on the configured backend. With `--backend memory`, `--worker`
 * runs a worker in the same process and `--demo` enqueues the tasks module's sample jobs, so the UI can be
 * tried without AWS.
 */

import { Longhaul } from '../../client/longhaul.js';
import { env } from '../../core/names.js';
import { createWorker, type Worker } from '../../runtime/worker.js';
import { aborted, integer, type Register } from '../command.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { jsonLinesLogger } from '../logger.js';

interface DashboardFlags {
  readonly host: string;
  readonly port: number;
  readonly token?: string;
  readonly worker?: boolean;
  readonly demo?: boolean;
}

export const registerDashboard: Register = (program, act) => {
  program
    .command('dashboard')
    .description('serve the web dashboard until Ctrl-C')
    .option('--host <host>', 'interface to listen on; a non-loopback host needs --token', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', integer(0, 65_535), 8080)
    .option(
      '--token <token>',
      `require this bearer token, at least 16 characters (default ${env.dashboardToken})`,
    )
    .option('--worker', 'also run a worker for the tasks module in this process')
    .option('--demo', "enqueue the tasks module's sampleJobs(longhaul), if it exports one")
    .action(
      act<DashboardFlags>(
        async (ctx, _args, flags) => {
          const { backend, embedded } = await ctx.backend('process');
          const longhaul = new Longhaul({ backend });
          const { out } = ctx;
          let worker: Worker | undefined;
          if (flags.worker) {
            const module = await ctx.tasks('to run a worker (--worker)');
            worker = createWorker({
              backend,
              tasks: module.tasks,
              logger: jsonLinesLogger(ctx.io.stderr),
              // A local worker beside the dashboard, which shows the same numbers: no metric lines.
              metrics: false,
            }).start();
          } else if (embedded) {
            out.note(
              'note: the embedded backend has no other worker; add --worker to run the jobs in this process',
            );
          }
          if (flags.demo) {
            const module = await ctx.tasks('to enqueue its sample jobs (--demo)');
            if (module.sampleJobs) await module.sampleJobs(longhaul);
            else out.note(`note: ${module.path} exports no sampleJobs(longhaul); the queue starts empty`);
          }
          const token = flags.token ?? ctx.io.env[env.dashboardToken];
          // Loaded here, so the other commands never load the web server.
          const { serveDashboard } = await import('../../dashboard/index.js');
          let server: Awaited<ReturnType<typeof serveDashboard>>;
          try {
            server = await serveDashboard({
              longhaul,
              host: flags.host,
              port: flags.port,
              ...(token ? { token } : {}),
              log: (line) => out.note(line),
            });
          } catch (error) {
            await worker?.stop();
            await worker?.run(); // its last long poll hands back what it took before the clients close
            const code = (error as NodeJS.ErrnoException).code;
            if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
              throw new CliError(
                ExitCode.usage,
                'cannot_listen',
                `Cannot listen on ${flags.host}:${flags.port}: ${code}`,
                'Choose another --port (0 picks a free one) or --host.',
              );
            }
            throw error;
          }
          out.line(`Dashboard: ${server.url}`);
          await aborted(ctx.signal);
          await server.close();
          await worker?.stop();
          await worker?.run(); // its last long poll hands back what it took before the clients close
          return ExitCode.ok;
        },
        { handlesInterrupt: true },
      ),
    );
};
