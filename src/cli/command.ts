/** The glue between commander and the commands: typed actions, and option parsers. */
import { type Command, InvalidArgumentError } from 'commander';
import type { CommandContext } from './context.js';

/** A command's implementation: resolves with the exit code. */
export type Handler<TOptions> = (
  ctx: CommandContext,
  args: readonly (string | undefined)[],
  options: TOptions,
) => Promise<number>;

/** Turns a handler into a commander action. `handlesInterrupt`: it stops on Ctrl-C itself. */
export type Act = <TOptions>(
  handler: Handler<TOptions>,
  settings?: { handlesInterrupt?: boolean },
) => (...params: unknown[]) => Promise<void>;

/** Registers one command (or a group) on the program. */
export type Register = (program: Command, act: Act) => void;

/** An option parser for an integer from `min` to `max`. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(
        `Expected an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}, got ${JSON.stringify(value)}.`,
      );
    }
    return n;
  };
}

/** An option parser for one of `choices`. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`Expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}.`);
    }
    return value as T;
  };
}

/** Resolves when `signal` aborts (never, without one). */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
