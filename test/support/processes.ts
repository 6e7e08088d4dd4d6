// Runs a TypeScript file of this repository as a real Node.js process, the way a user or a container would.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface TsProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves when the process has exited. */
  readonly done: Promise<{ code: number | null; output: string }>;
  /** Resolves with the first line of output that matches, rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<string>;
}

export function runTs(
  file: string,
  env: Record<string, string> = {},
  args: readonly string[] = [],
): TsProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', file, ...args], {
    cwd: repositoryRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const done = new Promise<{ code: number | null; output: string }>((resolve) => {
    child.on('close', (code) => resolve({ code, output }));
  });
  return {
    child,
    output: () => output,
    done,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = output.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) {
            listeners.delete(check);
            resolve(line);
          }
        };
        listeners.add(check);
        check();
        void done.then(() => {
          check();
          reject(new Error(`process exited before printing ${pattern}:\n${output}`));
        });
      });
    },
  };
}
