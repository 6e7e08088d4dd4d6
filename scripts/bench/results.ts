// The one format every benchmark script writes and the report generator reads: each script measures
// Longhaul side by side with a baseline in the same run and records figures with their ratio.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const resultsDir = fileURLToPath(new URL('../../bench-results/', import.meta.url));

/** One measured figure: Longhaul's value, and the baseline's measured in the same run. */
export interface Figure {
  /** Stable id, e.g. `worker.jobsPerSecond.c16`. */
  readonly id: string;
  readonly label: string;
  readonly value: number;
  /** `jobs/s`, `ms`, `ms CPU/job`, `requests/job`, `MiB`, `USD/million jobs`, `KiB`. */
  readonly unit: string;
  readonly baseline?: { readonly label: string; readonly value: number };
  /** value / baseline.value. */
  readonly ratio?: number;
  /** Which direction is good, so the report can say "better" or "worse". */
  readonly better: 'higher' | 'lower';
  /** Which backend or emulator produced it: `embedded`, `moto`, `dynalite+fauxqs`, `calculated`. */
  readonly source: string;
  readonly note?: string;
}

/** A series for a plot (scaling, latency distribution). */
export interface Series {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** `log` for concurrency or queue sizes spanning orders of magnitude. */
  readonly xScale?: 'linear' | 'log';
  readonly lines: ReadonlyArray<{
    readonly label: string;
    readonly points: ReadonlyArray<readonly [x: number, y: number]>;
  }>;
}

export interface BenchResult {
  /** File name without extension, e.g. `worker-overhead`. */
  readonly name: string;
  readonly title: string;
  /** The command that produced it, e.g. `npm run bench -- worker-overhead`. */
  readonly command: string;
  readonly quick: boolean;
  readonly at: string;
  readonly machine: MachineInfo;
  readonly figures: readonly Figure[];
  readonly series?: readonly Series[];
  /** Free text for the report: what was run, how many jobs, what the baseline does. */
  readonly method: string;
}

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
}

export function machineInfo(): MachineInfo {
  const cpu = cpus()[0]?.model ?? 'unknown';
  return { cpu, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
}

/** A figure with its ratio filled in. */
export function figure(f: Omit<Figure, 'ratio'>): Figure {
  return f.baseline && f.baseline.value !== 0 ? { ...f, ratio: f.value / f.baseline.value } : f;
}

export function writeResult(result: BenchResult): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${result.name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

export function readResults(): BenchResult[] {
  let names: string[];
  try {
    names = readdirSync(resultsDir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  return names.sort().map((name) => JSON.parse(readFileSync(join(resultsDir, name), 'utf8')) as BenchResult);
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * What a figure's median of rounds comes from, for its note: the number of rounds and the ratio of the
 * side to its baseline round by round (both measured in the same round), lowest and highest. On a shared
 * machine a round's figures move together with its load, so that range says how far one run's ratio can
 * be trusted.
 */
export function roundsNote(values: readonly number[], baseline: readonly number[]): string {
  const ratios = values.map((value, i) => value / (baseline[i] as number)).filter(Number.isFinite);
  if (ratios.length < 2) return `median of ${values.length}`;
  const low = Math.min(...ratios).toFixed(2);
  const high = Math.max(...ratios).toFixed(2);
  return `median of ${values.length}; round by round ${low}–${high}x`;
}

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Prints each figure on a line: value, baseline and ratio, and its source. */
export function printFigures(figures: readonly Figure[]): void {
  for (const f of figures) {
    const against = f.baseline ? ` vs ${f.baseline.value.toFixed(3)} (${f.ratio?.toFixed(2)}x)` : '';
    console.log(`${f.label}: ${f.value.toFixed(3)} ${f.unit}${against} [${f.source}]`);
  }
}
