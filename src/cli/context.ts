/** What every command gets: output, the interrupt signal, and lazily the config, backend and tasks. */
import { Longhaul } from '../client/longhaul.js';
import type { Backend } from '../core/ports.js';
import { type BackendUse, type OpenBackend, openBackend } from './backend.js';
import { type CliConfig, type ConfigFlags, howToSet, resolveConfig } from './config.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { CliIo, Output } from './output.js';
import { loadTasksModule, type TasksModule } from './tasks-module.js';

export interface CommandContext {
  readonly io: CliIo;
  readonly out: Output;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  /** The command's full name, e.g. `dlq redrive`. */
  readonly command: string;
  config(): Promise<CliConfig>;
  /** The backend: `shared` for commands that read or change jobs other processes see. */
  backend(use: BackendUse): Promise<{ backend: Backend; embedded: boolean }>;
  /** A client on the shared backend. */
  client(): Promise<Longhaul>;
  /** The tasks module; a usage error saying why it is needed when none is configured. */
  tasks(why: string): Promise<TasksModule>;
}

/** A context, and what `runCli` needs back from it: the endpoint for hints, and cleanup. */
export interface ContextHandle {
  readonly context: CommandContext;
  readonly endpoint: () => string | undefined;
  close(): void;
}

export function createContext(
  io: CliIo,
  out: Output,
  signal: AbortSignal,
  command: string,
  flags: ConfigFlags,
): ContextHandle {
  let config: Promise<CliConfig> | undefined;
  let resolved: CliConfig | undefined;
  const opened: OpenBackend[] = [];
  let tasks: Promise<TasksModule> | undefined;
  const context: CommandContext = {
    io,
    out,
    signal,
    command,
    config() {
      config ??= resolveConfig(flags, io.env, io.cwd).then((value) => {
        resolved = value;
        return value;
      });
      return config;
    },
    async backend(use) {
      if (io.backend) return { backend: io.backend, embedded: false };
      const open = openBackend(await context.config(), io.env, command, use);
      opened.push(open);
      return { backend: open.backend, embedded: open.embedded };
    },
    async client() {
      return new Longhaul({ backend: (await context.backend('shared')).backend });
    },
    async tasks(why) {
      const { tasks: path } = await context.config();
      if (!path) {
        throw new CliError(
          ExitCode.usage,
          'no_tasks_module',
          `\`longhaul ${command}\` needs the tasks module ${why}`,
          `Name it: ${howToSet('tasks')}.`,
        );
      }
      tasks ??= loadTasksModule(path);
      return tasks;
    },
  };
  return {
    context,
    endpoint: () => resolved?.endpoint,
    close() {
      for (const open of opened) open.close();
    },
  };
}
