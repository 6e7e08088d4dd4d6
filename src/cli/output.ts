/**
 * Where the CLI writes, and how: human tables and colour on a terminal, plain text when piped or when
 * `NO_COLOR` is set, and JSON with `--json`.
 */
import Table from 'cli-table3';
import type { Backend } from '../core/ports.js';

/** A writable the CLI prints to: `process.stdout` or a test's buffer. */
export interface CliStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

/** What `runCli` runs with. The process entrypoint passes the real ones; tests pass their own. */
export interface CliIo {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** A backend to use instead of the configured one (tests inject a memory or AWS backend). */
  readonly backend?: Backend;
  /** Aborted on Ctrl-C: long commands stop, and the CLI exits 130 (`worker` and `dashboard` exit 0). */
  readonly signal?: AbortSignal;
}

const codes = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;

/** Paints text when colour is on; returns it unchanged otherwise. */
export type Paint = Record<keyof typeof codes, (text: string) => string>;

export function createPaint(enabled: boolean): Paint {
  return Object.fromEntries(
    Object.entries(codes).map(([name, [open, close]]) => [
      name,
      (text: string) => (enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text),
    ]),
  ) as Paint;
}

/** Printing helpers bound to one run of the CLI. */
export class Output {
  readonly io: CliIo;
  /** `--json` was given: print machine-readable JSON only. */
  json: boolean;
  readonly paint: Paint;

  constructor(io: CliIo, json = false) {
    this.io = io;
    this.json = json;
    const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
    this.paint = createPaint(io.stdout.isTTY === true && !noColor);
  }

  /** One line on stdout. */
  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** One line on stderr: notes and errors, never data. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** A value as indented JSON on stdout. */
  value(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  /** A value as one line of JSON on stdout (for streams of records). */
  record(value: unknown): void {
    this.line(JSON.stringify(value));
  }

  /** A borderless table, like `kubectl get`: a header row, then aligned columns. */
  table(head: readonly string[], rows: readonly (readonly string[])[]): string {
    const table = new Table({
      head: head.map((h) => this.paint.bold(h)),
      chars: {
        top: '',
        'top-mid': '',
        'top-left': '',
        'top-right': '',
        bottom: '',
        'bottom-mid': '',
        'bottom-left': '',
        'bottom-right': '',
        left: '',
        'left-mid': '',
        mid: '',
        'mid-mid': '',
        right: '',
        'right-mid': '',
        middle: '  ',
      },
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    });
    table.push(...rows.map((row) => [...row]));
    return table
      .toString()
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n');
  }
}
