/** Parses a task's JSON arguments from the command line. */
import { CliError, ExitCode } from './exit-codes.js';

/** `undefined` when no arguments were given (a task without a schema takes none). */
export function parseJsonArgs(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(
      ExitCode.usage,
      'invalid_json',
      `The task's arguments are not valid JSON: ${(error as Error).message}`,
      `Quote them for the shell, e.g. '{"path":"rivers.txt"}'.`,
    );
  }
}
