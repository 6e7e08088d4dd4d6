/**
 * Loads the operator's tasks module: a file path given on the command line, in LONGHAUL_TASKS or in the
 * config file (never a name read from a message), and collects the tasks it exports.
 */
import { stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Longhaul } from '../client/longhaul.js';
import type { AnyTask } from '../core/task.js';
import { CliError, ExitCode } from './exit-codes.js';

/** The tasks a module exports, by name, and its optional `sampleJobs` for `dashboard --demo`. */
export interface TasksModule {
  readonly path: string;
  readonly tasks: readonly AnyTask[];
  /** The task named `name`. Throws a usage error listing the module's tasks when there is none. */
  find(name: string): AnyTask;
  /** Enqueues a few sample jobs, when the module exports `sampleJobs(longhaul)`. */
  readonly sampleJobs?: (longhaul: Longhaul) => unknown;
}

/** True for a value made by `defineTask`. */
export function isTask(value: unknown): value is AnyTask {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof AnyTask, unknown>>;
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.parseArgs === 'function' &&
    typeof candidate.execute === 'function' &&
    typeof candidate.retry === 'object' &&
    candidate.retry !== null
  );
}

/** Every task among a module's exports: tasks, and arrays of tasks. The same task exported twice counts once. */
export function collectTasks(exports: Record<string, unknown>, path: string): AnyTask[] {
  const byName = new Map<string, AnyTask>();
  for (const value of Object.values(exports)) {
    const candidates = Array.isArray(value) ? value : [value];
    for (const candidate of candidates) {
      if (!isTask(candidate)) continue;
      const existing = byName.get(candidate.name);
      if (existing && existing !== candidate) {
        throw new CliError(
          ExitCode.usage,
          'invalid_tasks_module',
          `The tasks module ${path} exports two different tasks named "${candidate.name}"`,
        );
      }
      byName.set(candidate.name, candidate);
    }
  }
  return [...byName.values()];
}

/** Imports the module at `path` (absolute) and collects its tasks. */
export async function loadTasksModule(path: string): Promise<TasksModule> {
  try {
    await stat(path);
  } catch {
    throw new CliError(ExitCode.usage, 'invalid_tasks_module', `The tasks module ${path} does not exist`);
  }
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const typescript = code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[mc]?tsx?$/.test(path);
    throw new CliError(
      ExitCode.usage,
      'invalid_tasks_module',
      `Cannot load the tasks module ${path}: ${(error as Error).message ?? String(error)}`,
      typescript
        ? 'A TypeScript tasks module needs the CLI to run under tsx (`npx tsx node_modules/.bin/longhaul ...`); or compile the module to JavaScript.'
        : undefined,
    );
  }
  const tasks = collectTasks(exports, path);
  if (tasks.length === 0) {
    throw new CliError(
      ExitCode.usage,
      'invalid_tasks_module',
      `The tasks module ${path} exports no tasks (export each task made by defineTask, or an array of them)`,
    );
  }
  const byName = new Map(tasks.map((task) => [task.name, task]));
  const sampleJobs = exports.sampleJobs;
  return {
    path,
    tasks,
    find(name) {
      const task = byName.get(name);
      if (!task) {
        throw new CliError(
          ExitCode.usage,
          'unknown_task',
          `Unknown task "${name}"; the tasks module ${path} has: ${[...byName.keys()].join(', ')}`,
        );
      }
      return task;
    },
    ...(typeof sampleJobs === 'function'
      ? { sampleJobs: sampleJobs as (longhaul: Longhaul) => unknown }
      : {}),
  };
}
