// The demo's live view of its jobs, with plain ANSI escape codes: a table redrawn in place on a terminal,
// one line per change otherwise (CI, tests, a pipe).

import type { JobRecord, JobStatus } from 'longhaul';

/** Colours that turn into nothing when the output is not a terminal or NO_COLOR is set. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

export function createStyle(enabled: boolean): Style {
  const sgr = (open: number, close: number) => (text: string) =>
    enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return {
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    green: sgr(32, 39),
    red: sgr(31, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
  };
}

/** One job on screen: how the demo names it and what the app last read. */
export interface JobRow {
  readonly label: string;
  readonly job: JobRecord;
}

export interface LiveView {
  /** Shows the jobs as they stand `elapsedMs` into the run. */
  update(rows: readonly JobRow[], elapsedMs: number): void;
  /** Leaves the last frame on screen and restores the cursor. */
  close(): void;
}

export function createLiveView(out: NodeJS.WriteStream, style: Style): LiveView {
  return out.isTTY ? new TableView(out, style) : new ChangeLog(out, style);
}

const barWidth = 20;
const labelWidth = 32;

/** Redraws a compact table in place: a summary line, then one line per job. */
class TableView implements LiveView {
  #drawn = 0;
  readonly #out: NodeJS.WriteStream;
  readonly #style: Style;

  constructor(out: NodeJS.WriteStream, style: Style) {
    this.#out = out;
    this.#style = style;
    out.write('\x1b[?25l'); // hide the cursor while redrawing
  }

  update(rows: readonly JobRow[], elapsedMs: number): void {
    const width = Math.max(40, (this.#out.columns || 100) - 1);
    const lines = [
      summaryLine(rows, elapsedMs, this.#style),
      ...rows.map((row) => rowLine(row, this.#style)),
    ];
    let frame = this.#drawn > 0 ? `\x1b[${this.#drawn}F` : ''; // back to the first line of the last frame
    for (const line of lines) frame += `\x1b[2K${truncate(line, width)}\n`;
    frame += '\x1b[J'; // clear anything below
    this.#out.write(frame);
    this.#drawn = lines.length;
  }

  close(): void {
    this.#out.write('\x1b[?25h');
  }
}

/** Prints a line when a job's status, attempt or progress decile changes. */
class ChangeLog implements LiveView {
  readonly #seen = new Map<string, string>();
  readonly #out: NodeJS.WriteStream;
  readonly #style: Style;

  constructor(out: NodeJS.WriteStream, style: Style) {
    this.#out = out;
    this.#style = style;
  }

  update(rows: readonly JobRow[], elapsedMs: number): void {
    for (const row of rows) {
      const { job } = row;
      const key = `${job.status}:${job.attempts}:${Math.floor(fractionOf(job) * 10)}`;
      if (this.#seen.get(job.id) === key) continue;
      this.#seen.set(job.id, key);
      this.#out.write(`${this.#style.dim(seconds(elapsedMs).padStart(6))}  ${rowLine(row, this.#style)}\n`);
    }
  }

  close(): void {}
}

function summaryLine(rows: readonly JobRow[], elapsedMs: number, style: Style): string {
  const counts = new Map<JobStatus, number>();
  for (const { job } of rows) counts.set(job.status, (counts.get(job.status) ?? 0) + 1);
  const parts = [...counts].map(([status, n]) => paintStatus(status, `${n} ${status}`, style));
  return `${style.bold(`Jobs (${rows.length})`)}  ${parts.join(style.dim(' · '))}  ${style.dim(seconds(elapsedMs))}`;
}

function rowLine({ label, job }: JobRow, style: Style): string {
  const fraction = fractionOf(job);
  const filled = Math.round(fraction * barWidth);
  const bar = `${'█'.repeat(filled)}${style.dim('░'.repeat(barWidth - filled))}`;
  return [
    label.padEnd(labelWidth),
    style.dim(job.id.slice(0, 8)),
    paintStatus(job.status, job.status.padEnd(9), style),
    `${job.attempts}/${job.maxAttempts}`.padStart(3),
    paintStatus(job.status, bar, style),
    `${Math.round(fraction * 100)}%`.padStart(4),
    style.dim(messageOf(job)),
  ].join('  ');
}

/** How far the job got: full once it succeeded, whatever it last reported. */
function fractionOf(job: JobRecord): number {
  return job.status === 'succeeded' ? 1 : (job.progress?.fraction ?? 0);
}

function messageOf(job: JobRecord): string {
  switch (job.status) {
    case 'retrying': {
      const wait = Math.max(0, Math.ceil(((job.nextAttemptAt ?? Date.now()) - Date.now()) / 1000));
      return `retry in ${wait}s: ${job.error?.message ?? ''}`;
    }
    case 'failed':
      return `${job.error?.message ?? 'failed'}${job.deadLettered ? ' (dead-lettered)' : ''}`;
    case 'scheduled': {
      const wait = Math.max(0, Math.ceil(((job.runAt ?? Date.now()) - Date.now()) / 1000));
      return `runs in ${wait}s`;
    }
    case 'queued':
      return 'waiting for a worker';
    default:
      return job.progress?.message ?? '';
  }
}

function paintStatus(status: JobStatus, text: string, style: Style): string {
  switch (status) {
    case 'succeeded':
      return style.green(text);
    case 'failed':
    case 'cancelled':
      return style.red(text);
    case 'retrying':
      return style.yellow(text);
    case 'running':
      return style.cyan(text);
    default:
      return style.dim(text);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Cuts a line to `width` visible characters, keeping (and closing) its escape codes. */
function truncate(line: string, width: number): string {
  let visible = 0;
  let out = '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI colour codes is the point.
  for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
    if (part.startsWith('\x1b[')) {
      out += part;
      continue;
    }
    const room = width - visible;
    if (room <= 0) continue;
    const chars = [...part];
    out += chars.slice(0, room).join('');
    visible += Math.min(chars.length, room);
  }
  return visible >= width ? `${out}\x1b[0m` : out;
}
