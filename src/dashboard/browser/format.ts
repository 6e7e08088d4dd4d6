// How times, durations, values and progress read on the page.
import type { JobProgress } from './api-types.js';

function pad(n: number): string {
  return (n < 10 ? '0' : '') + n;
}

/** A local time as `2026-01-31 13:05:09`; a dash when absent. */
export function formatTime(ms: number | undefined): string {
  if (typeof ms !== 'number') return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration in the two largest units that matter: `850 ms`, `4.2 s`, `3 min 20 s`, `2 d 5 h`. */
export function formatDuration(ms: number | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const clamped = Math.max(ms, 0);
  if (clamped < 1000) return `${Math.round(clamped)} ms`;
  const s = clamped / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.floor(s % 60)} s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ${m % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** How long ago a time was: `5 s ago`. */
export function timeAgo(ms: number | undefined): string {
  return typeof ms === 'number' ? `${formatDuration(Date.now() - ms)} ago` : '—';
}

/** A value as indented JSON; `(none)` when absent. */
export function prettyJson(value: unknown): string {
  if (value === undefined) return '(none)';
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

/** Progress as a whole percentage from 0 to 100. */
export function progressPercent(progress: JobProgress | undefined): number {
  const f = progress && typeof progress.fraction === 'number' ? progress.fraction : 0;
  return Math.max(0, Math.min(100, Math.round(f * 100)));
}
