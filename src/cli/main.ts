/**
 * The `longhaul` command line: operate a Longhaul queue (enqueue, inspect, cancel, retry, dead letters,
 * purge, stats), run a worker, or serve the dashboard. Every command goes through the `Longhaul` client,
 * so it behaves the same on every backend.
 *
 * @example
 * // In this repository: npm run longhaul -- ls --status failed
 * // Programmatically (tests): const code = await runCli(['status', id, '--json'], io);
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import type { Act } from './command.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerDlq } from './commands/dlq.js';
import { registerEnqueue } from './commands/enqueue.js';
import { registerCancelRetry, registerList, registerLogs, registerStatus } from './commands/jobs.js';
import { registerMigrateIndexes } from './commands/migrate-indexes.js';
import { registerPurge } from './commands/purge.js';
import { registerRun } from './commands/run.js';
import { registerStats } from './commands/stats.js';
import { registerWorker } from './commands/worker.js';
import { registerWorkflow } from './commands/workflow.js';
import { type ConfigFlags, cliEnv, defaultConfigFile } from './config.js';
import { type ContextHandle, createContext } from './context.js';
import { type ErrorReport, ExitCode, issuePath, reportError } from './exit-codes.js';
import { type CliIo, Output } from './output.js';

export { ExitCode } from './exit-codes.js';
export type { CliIo, CliStream } from './output.js';

/** Prints an error report on stderr: a JSON object with `--json`, else a message, issues and a hint. */
function printError(out: Output, report: ErrorReport): void {
  if (out.json) {
    out.note(JSON.stringify({ error: report }));
    return;
  }
  out.note(`longhaul: ${report.message}`);
  for (const issue of report.issues ?? []) out.note(`  ${issuePath(issue)}: ${issue.message}`);
  if (report.hint) for (const line of report.hint.split('\n')) out.note(`hint: ${line}`);
}

function buildProgram(io: CliIo, act: Act): Command {
  const program = new Command('longhaul')
    .description('Operate a Longhaul job queue: jobs on SQS, records in DynamoDB.')
    .option('--backend <kind>', `aws or memory (default aws; env ${cliEnv.backend})`)
    .option('--queue-url <url>', 'the job queue (env LONGHAUL_QUEUE_URL)')
    .option('--dlq-url <url>', 'the dead-letter queue (env LONGHAUL_DLQ_URL)')
    .option('--table <name>', 'the job table (env LONGHAUL_TABLE_NAME)')
    .option('--endpoint <url>', 'an AWS endpoint such as the local emulator (env AWS_ENDPOINT_URL)')
    .option('--region <region>', 'the AWS region (env AWS_REGION)')
    .option('--tasks <path>', `the tasks module, a .js file (or .ts under tsx) (env ${cliEnv.tasks})`)
    .option('--payload-bucket <name>', 'the bucket of large payloads (env LONGHAUL_PAYLOAD_BUCKET)')
    .option('--config <file>', `a JSON config file (default ./${defaultConfigFile} if present)`)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(run `longhaul --help` for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 failed outcome, 2 usage or bad input, 3 job or workflow not found, 4 backend unreachable or not configured, 130 interrupted.\nSee docs/cli.md.',
    );
  for (const register of [
    registerEnqueue,
    registerRun,
    registerStatus,
    registerList,
    registerLogs,
    registerCancelRetry,
    registerDlq,
    registerPurge,
    registerStats,
    registerWorker,
    registerDashboard,
    registerWorkflow,
    registerMigrateIndexes,
  ]) {
    register(program, act);
  }
  return program;
}

/** The full name of a subcommand: `dlq redrive`. */
function commandName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Runs the CLI on `argv` (the arguments after the program name) and resolves with the exit code. Never
 * throws and never exits the process: the entrypoint does.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const out = new Output(io, argv.includes('--json'));
  const signal = io.signal ?? new AbortController().signal;
  let exitCode: number = ExitCode.ok;
  let handle: ContextHandle | undefined;
  const act: Act =
    (handler, settings = {}) =>
    async (...params: unknown[]) => {
      const command = params.at(-1) as Command;
      const options = command.opts();
      out.json = options.json === true;
      handle = createContext(io, out, signal, commandName(command), command.optsWithGlobals<ConfigFlags>());
      const work = handler(handle.context, command.processedArgs as (string | undefined)[], options as never);
      if (settings.handlesInterrupt) {
        exitCode = await work;
        return;
      }
      let onAbort: (() => void) | undefined;
      const interrupted = new Promise<number>((resolve) => {
        onAbort = () => resolve(ExitCode.interrupted);
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        exitCode = await Promise.race([work, interrupted]);
      } finally {
        if (onAbort) signal.removeEventListener('abort', onAbort);
      }
      if (exitCode === ExitCode.interrupted) work.catch(() => {});
    };
  const program = buildProgram(io, act);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version were asked for; `commander.help` is help shown because no command was given.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      return ExitCode.usage;
    }
    const report = reportError(error, { endpoint: handle?.endpoint() });
    printError(out, report);
    return report.exitCode;
  } finally {
    handle?.close();
  }
}

/**
 * Runs the CLI as this process: real streams and environment, Ctrl-C and SIGTERM stop long commands
 * (a second one exits at once), and the exit code becomes the process's.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(ExitCode.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.exitCode = code;
  // An interrupted command may leave a request or timer behind; do not wait for it.
  if (code === ExitCode.interrupted) process.exit(code);
}

/** True when this file is the process's entrypoint (`tsx src/cli/main.ts`), not imported. */
function isEntrypoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntrypoint()) await main();
