/**
 * Runs a function in a worker thread or a child process that can be killed: the way to make a timeout or
 * a cancel really stop CPU-bound work, which never looks at its abort signal. The module to run is named
 * by the calling code (a URL beside it), never by a job's message.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, type ResourceLimits, Worker, workerData } from 'node:worker_threads';
import { ConfigError, ErrorCode, IsolateExitedError, UnrecoverableError } from '../core/errors.js';

/** Where an isolated function runs: a worker thread (cheap to start) or a child process (own heap). */
export type Isolation = 'thread' | 'process';

/** What `runIsolated` takes besides the module and its input. */
export interface IsolateOptions {
  /** Aborting it kills the thread or process; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Default `thread`. */
  readonly isolation?: Isolation;
  /** For a process: how long it has to exit after SIGTERM before SIGKILL. Default 1 000. */
  readonly killGraceMs?: number;
  /**
   * Node options of the thread or process. Default: the process's own `process.execArgv`. To run a
   * TypeScript module in a child process without building it, pass `['--import', 'tsx']`.
   */
  readonly execArgv?: readonly string[];
  /** For a thread: V8 heap limits, so a runaway allocation ends the thread, not the worker. */
  readonly resourceLimits?: ResourceLimits;
}

/** Every default of {@link IsolateOptions}. */
export const isolateDefaults = { isolation: 'thread', killGraceMs: 1_000 } as const;

/** Marks a thread or process started by `runIsolated`, so `serveIsolated` knows to answer it. */
const isolateMarker = 'LONGHAUL_ISOLATE';

/** The one message the isolated side sends back. */
type IsolateReply =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly error: { name: string; message: string; stack?: string; code?: string };
    };

/**
 * Runs the function that the module at `moduleUrl` serves with {@link serveIsolated}, on `input`, in a
 * fresh worker thread or child process, and resolves with its result. `input` and the result must be
 * structured-cloneable (plain data). An error thrown there rejects here with its name, message, stack
 * and `code` (an `UnrecoverableError` stays one). When `signal` aborts, the thread is terminated or the
 * process killed, and the promise rejects with the signal's reason once it is gone.
 *
 * @example
 * // tasks.ts
 * export const hash = defineTask({
 *   name: 'hash',
 *   timeoutMs: 60_000,
 *   run: (args, ctx) => runIsolated(new URL('./hash-worker.js', import.meta.url), args, { signal: ctx.signal }),
 * });
 * // hash-worker.ts
 * serveIsolated((args: { text: string }) => slowHash(args.text));
 */
export function runIsolated<TResult = unknown>(
  moduleUrl: URL,
  input: unknown,
  options: IsolateOptions = {},
): Promise<TResult> {
  const isolation = options.isolation ?? isolateDefaults.isolation;
  const killGraceMs = options.killGraceMs ?? isolateDefaults.killGraceMs;
  if (!(moduleUrl instanceof URL) || moduleUrl.protocol !== 'file:') {
    throw new ConfigError(
      `Expected \`moduleUrl\` to be a file: URL, got ${JSON.stringify(String(moduleUrl))}`,
    );
  }
  if (isolation !== 'thread' && isolation !== 'process') {
    throw new ConfigError(
      `Expected \`isolation\` to be "thread" or "process", got ${JSON.stringify(isolation)}`,
    );
  }
  if (!Number.isInteger(killGraceMs) || killGraceMs < 0 || killGraceMs > 60_000) {
    throw new ConfigError(
      `Expected \`killGraceMs\` to be an integer from 0 to 60000, got \`${killGraceMs}\``,
    );
  }
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return isolation === 'thread'
    ? inThread<TResult>(moduleUrl, input, options, signal)
    : inProcess<TResult>(moduleUrl, input, options, signal, killGraceMs);
}

function inThread<T>(
  moduleUrl: URL,
  input: unknown,
  options: IsolateOptions,
  signal: AbortSignal | undefined,
): Promise<T> {
  const worker = new Worker(moduleUrl, {
    workerData: { [isolateMarker]: true, input },
    ...(options.execArgv ? { execArgv: [...options.execArgv] } : {}),
    ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
  });
  return settle<T>(signal, (done) => {
    const onAbort = () => {
      void worker.terminate().finally(() => done.reject(signal?.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (reply: IsolateReply) => {
      done.reply(reply);
      // Whatever timers the function left behind must not keep the thread alive.
      void worker.terminate();
    });
    worker.once('error', (error) => done.reject(error));
    worker.once('exit', (code) => done.reject(new IsolateExitedError('thread', `exit code ${code}`)));
    return () => signal?.removeEventListener('abort', onAbort);
  });
}

function inProcess<T>(
  moduleUrl: URL,
  input: unknown,
  options: IsolateOptions,
  signal: AbortSignal | undefined,
  killGraceMs: number,
): Promise<T> {
  const child: ChildProcess = fork(fileURLToPath(moduleUrl), [], {
    execArgv: [...(options.execArgv ?? process.execArgv)],
    env: { ...process.env, [isolateMarker]: '1' },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return settle<T>(signal, (done) => {
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      // SIGTERM first, so the process may close what it holds; SIGKILL if it does not go in time.
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), killGraceMs);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (message: IsolateReply | { readonly ready: true }) => {
      // The input goes once the module listens for it: a message sent before would be lost.
      if ('ready' in message) {
        child.send({ input });
        return;
      }
      done.reply(message);
      child.kill('SIGKILL');
    });
    child.once('error', (error) => done.reject(error));
    child.once('exit', (code, exitSignal) => {
      clearTimeout(killTimer);
      if (signal?.aborted) done.reject(signal.reason);
      else
        done.reject(
          new IsolateExitedError('process', exitSignal ? `signal ${exitSignal}` : `exit code ${code}`),
        );
    });
    return () => signal?.removeEventListener('abort', onAbort);
  });
}

interface Settler {
  reply(reply: IsolateReply): void;
  reject(error: unknown): void;
}

/** One promise that settles once, from whichever event comes first, and then unhooks. */
function settle<T>(signal: AbortSignal | undefined, wire: (done: Settler) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let unhook: () => void = () => {};
    const once = (action: () => void) => {
      if (settled) return;
      // An abort decides the outcome even when the thread's exit event comes first.
      if (signal?.aborted) {
        settled = true;
        unhook();
        return reject(signal.reason);
      }
      settled = true;
      unhook();
      action();
    };
    unhook = wire({
      reply: (reply) => once(() => (reply.ok ? resolve(reply.value as T) : reject(revive(reply.error)))),
      reject: (error) => once(() => reject(error)),
    });
  });
}

/** Rebuilds an error sent back by the isolated side. */
function revive(error: { name: string; message: string; stack?: string; code?: string }): Error {
  const revived =
    error.code === ErrorCode.unrecoverable ? new UnrecoverableError(error.message) : new Error(error.message);
  revived.name = error.name;
  if (error.stack !== undefined) revived.stack = error.stack;
  if (error.code !== undefined) Object.assign(revived, { code: error.code });
  return revived;
}

/**
 * Serves `fn` to the `runIsolated` call that started this module: call it once, at the top level of the
 * module `runIsolated` names. It receives the input, runs `fn`, sends back its result or error, and the
 * thread or process ends. Throws a `ConfigError` in any other context (the module was imported normally).
 *
 * @example
 * // hash-worker.ts, run with runIsolated(new URL('./hash-worker.js', import.meta.url), { text })
 * import { serveIsolated } from 'longhaul';
 * serveIsolated(({ text }: { text: string }) => slowHash(text));
 */
export function serveIsolated<TInput, TResult>(fn: (input: TInput) => TResult | Promise<TResult>): void {
  const data = workerData as Record<string, unknown> | null;
  if (!isMainThread && parentPort && data?.[isolateMarker] === true) {
    const port = parentPort;
    void answer(fn, data.input as TInput).then((reply) => {
      try {
        port.postMessage(reply);
      } catch (error) {
        port.postMessage(notCloneable(error));
      }
    });
    return;
  }
  const send = process.send?.bind(process);
  if (send && process.env[isolateMarker] === '1') {
    process.once('message', (message: { input: TInput }) => {
      void answer(fn, message.input).then((reply) => {
        try {
          send(reply);
        } catch (error) {
          send(notCloneable(error));
        }
      });
    });
    send({ ready: true });
    return;
  }
  throw new ConfigError('serveIsolated() must run in a module started by runIsolated()');
}

async function answer<TInput, TResult>(
  fn: (input: TInput) => TResult | Promise<TResult>,
  input: TInput,
): Promise<IsolateReply> {
  try {
    return { ok: true, value: await fn(input) };
  } catch (error) {
    return { ok: false, error: plainError(error) };
  }
}

function notCloneable(error: unknown): IsolateReply {
  const { stack: _stack, ...rest } = plainError(error);
  return {
    ok: false,
    error: { ...rest, message: `The isolated function's result cannot be sent back: ${rest.message}` },
  };
}

function plainError(error: unknown): { name: string; message: string; stack?: string; code?: string } {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code: unknown = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(error.stack ? { stack: error.stack } : {}),
    ...(typeof code === 'string' ? { code } : {}),
  };
}
