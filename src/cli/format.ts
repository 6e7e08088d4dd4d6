/** How the CLI shows jobs, times and durations to a person. */
import type { SerializedError } from '../core/errors.js';
import type { JobLogLine, JobRecord, JobStatus } from '../core/job.js';
import type { Paint } from './output.js';

/** A duration as a person reads it: `850ms`, `4.2s`, `3m 12s`, `2h 5m`, `3d 4h`. */
export function formatDuration(ms: number): string {
  const n = Math.max(0, Math.round(ms));
  if (n < 1_000) return `${n}ms`;
  if (n < 10_000) return `${(n / 1_000).toFixed(1)}s`;
  const s = Math.round(n / 1_000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** An epoch time as ISO 8601 (UTC). */
export function formatTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** How long ago, from `now`: `3m 12s ago`. */
export function formatAge(epochMs: number, now = Date.now()): string {
  return `${formatDuration(now - epochMs)} ago`;
}

/** A progress bar in plain ASCII: `[########------------]  40%`. */
export function progressBar(fraction: number, width = 20): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}%`;
}

/** The status, coloured by outcome. */
export function paintStatus(status: JobStatus, paint: Paint): string {
  switch (status) {
    case 'succeeded':
      return paint.green(status);
    case 'failed':
      return paint.red(status);
    case 'cancelled':
      return paint.yellow(status);
    case 'scheduled':
    case 'running':
    case 'retrying':
      return paint.cyan(status);
    default:
      return status;
  }
}

/** Shortens text to `max` characters with an ellipsis, on one line. */
export function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A log line: `2026-05-01T12:00:00.000Z info  message`. */
export function formatLogLine(line: JobLogLine, paint: Paint): string {
  const level = line.level === 'error' ? paint.red : line.level === 'warn' ? paint.yellow : (t: string) => t;
  return `${paint.dim(formatTime(line.at))} ${level(line.level.padEnd(5))} ${line.message}`;
}

/** An error with its code and stack, indented. */
export function formatError(error: SerializedError, paint: Paint, indent = '  '): string[] {
  const lines = [`${indent}${paint.red(`${error.code}: ${error.message}`)}`];
  if (error.stack) {
    // The stack's first line repeats name and message.
    const frames = error.stack.split('\n').slice(1);
    lines.push(...frames.map((frame) => `${indent}${paint.dim(frame.trim())}`));
  }
  return lines;
}

function indentJson(value: unknown, indent: string): string[] {
  return (JSON.stringify(value, null, 2) ?? 'undefined').split('\n').map((line) => `${indent}${line}`);
}

/** Everything an operator wants to know about one job, as lines. */
export function formatJob(
  job: JobRecord,
  paint: Paint,
  options: { logLines?: number; now?: number } = {},
): string[] {
  const now = options.now ?? Date.now();
  const label = (name: string) => paint.bold(name.padEnd(10));
  const lines = [
    `${label('Job')}${job.id}`,
    `${label('Task')}${job.task}${job.schedule ? paint.dim(` (schedule ${job.schedule})`) : ''}`,
    `${label('Status')}${paintStatus(job.status, paint)}${job.deadLettered ? paint.red(' (dead-lettered)') : ''}`,
    `${label('Args')}${truncate(JSON.stringify(job.args) ?? 'null', 200)}`,
    `${label('Attempts')}${job.attempts} of ${job.maxAttempts}${job.interruptions ? paint.dim(` (${job.interruptions} interrupted)`) : ''}`,
  ];
  if (job.workerId) lines.push(`${label('Worker')}${job.workerId}`);
  if (job.progress) {
    lines.push(
      `${label('Progress')}${progressBar(job.progress.fraction)}${job.progress.message ? ` ${job.progress.message}` : ''}`,
    );
  }
  lines.push(
    `${label('Queued')}${formatTime(job.enqueuedAt)} ${paint.dim(`(${formatAge(job.enqueuedAt, now)})`)}`,
  );
  if (job.startedAt !== undefined) {
    lines.push(
      `${label('Started')}${formatTime(job.startedAt)} ${paint.dim(`(waited ${formatDuration(job.startedAt - job.enqueuedAt)})`)}`,
    );
  }
  if (job.finishedAt !== undefined) {
    const ran = job.startedAt !== undefined ? `ran ${formatDuration(job.finishedAt - job.startedAt)}, ` : '';
    lines.push(
      `${label('Finished')}${formatTime(job.finishedAt)} ${paint.dim(`(${ran}total ${formatDuration(job.finishedAt - job.enqueuedAt)})`)}`,
    );
  } else if (job.startedAt !== undefined) {
    lines.push(`${label('Running')}${formatDuration(now - job.startedAt)} so far`);
  }
  if (job.cancelRequestedAt !== undefined && job.status === 'running') {
    lines.push(
      `${label('Cancel')}requested at ${formatTime(job.cancelRequestedAt)}; stops at the next heartbeat`,
    );
  }
  if (job.expiresAt !== undefined) {
    lines.push(
      `${label('Expires')}${formatTime(job.expiresAt)} ${paint.dim(`(in ${formatDuration(job.expiresAt - now)})`)}`,
    );
  }
  if (job.runAt !== undefined && job.status === 'scheduled') {
    lines.push(
      `${label('Runs')}at ${formatTime(job.runAt)} ${paint.dim(`(in ${formatDuration(Math.max(0, job.runAt - now))})`)}`,
    );
  }
  if (job.priority !== undefined) lines.push(`${label('Priority')}${job.priority}`);
  if (job.nextAttemptAt !== undefined && job.status === 'retrying') {
    lines.push(`${label('Next')}attempt at ${formatTime(job.nextAttemptAt)}`);
  }
  if (job.key !== undefined) lines.push(`${label('Key')}${job.key}`);
  if (job.limited) {
    const { by, limit, until } = job.limited;
    lines.push(`${label('Limited')}waited for the ${by} limit of ${limit} until ${formatTime(until)}`);
  }
  if (job.history.length) {
    lines.push(paint.bold('History'));
    for (const event of job.history) {
      const parts = [
        paint.dim(formatTime(event.at)),
        `${paintStatus(event.status, paint)}${' '.repeat(Math.max(0, 9 - event.status.length))}`,
        `attempt ${event.attempt}`,
        ...(event.workerId ? [`worker ${event.workerId}`] : []),
        ...(event.error ? [paint.red(`${event.error.code}: ${truncate(event.error.message, 120)}`)] : []),
      ];
      lines.push(`  ${parts.join('  ')}`);
    }
  }
  if (job.error) {
    lines.push(paint.bold('Error'), ...formatError(job.error, paint));
  }
  if (job.status === 'succeeded' || job.result !== undefined) {
    lines.push(paint.bold('Result'), ...indentJson(job.result ?? null, '  '));
  }
  const logLines = options.logLines ?? 10;
  if (job.logs.length) {
    const shown = job.logs.slice(-logLines);
    const heading =
      shown.length < job.logs.length ? `Logs (last ${shown.length} of ${job.logs.length})` : 'Logs';
    lines.push(paint.bold(heading), ...shown.map((line) => `  ${formatLogLine(line, paint)}`));
  }
  return lines;
}
