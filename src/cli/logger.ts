/** A worker logger that writes one JSON line per event to the CLI's stderr, info included. */
import type { Logger } from '../core/logger.js';
import type { CliStream } from './output.js';

export function jsonLinesLogger(
  stream: CliStream,
  levels: ReadonlySet<string> = new Set(['info', 'warn', 'error']),
): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    if (!levels.has(level)) return;
    stream.write(`${JSON.stringify({ at: new Date().toISOString(), level, message, ...fields })}\n`);
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
