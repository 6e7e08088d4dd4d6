/**
 * Job metrics in CloudWatch Embedded Metric Format: counts and distributions are added up in memory per
 * (queue, task) and written as a few JSON lines per flush, which CloudWatch Logs turns into metrics with
 * no API call and no IAM permission. Distributions go out as EMF's arrays of values (100 per metric per
 * line), the one form the EMF specification defines for many values, so CloudWatch computes percentiles
 * (p50, p99) from them. The `{Values, Counts}` histogram object of PutMetricData is not in that
 * specification, so it is not relied on here, at the price of more lines on a busy worker.
 *
 * Written here rather than with `@aws-lambda-powertools/metrics`: Powertools Metrics is built around one
 * Lambda invocation (one dimension set per flush, raw values repeated rather than counted), while the
 * long-running worker flushes on a timer for many tasks at once; this file is the whole format.
 */

import { jobMetricNames } from '../core/names.js';

/** The counters, one per job event, each in `Count`. */
export const JobCounter = jobMetricNames.counters;
export type JobCounter = (typeof JobCounter)[keyof typeof JobCounter];

/** The distributions, each in `Milliseconds`. */
export const JobTiming = jobMetricNames.timings;
export type JobTiming = (typeof JobTiming)[keyof typeof JobTiming];

/** The dimensions of every metric: CloudWatch bills each (queue, task) pair as its own metrics. */
export const metricDimensions = jobMetricNames.dimensions;

/** EMF accepts at most 100 values per metric in one line. */
export const maxValuesPerLine = 100;

/** Where EMF lines go: stdout by default (Lambda and ECS both ship it to CloudWatch Logs). */
export type MetricsSink = (line: string) => void;

const stdoutSink: MetricsSink = (line) => {
  process.stdout.write(`${line}\n`);
};

/** What `JobMetrics` takes; every field has a default. */
export interface JobMetricsOptions {
  /** The CloudWatch namespace. Default `Longhaul`. */
  readonly namespace?: string;
  /** Where each EMF line is written. Default: a line on stdout. */
  readonly sink?: MetricsSink;
  /** The clock of `_aws.Timestamp`. Default `Date.now`. */
  readonly now?: () => number;
}

/** The default namespace. */
export const defaultMetricsNamespace = jobMetricNames.defaultNamespace;

interface Series {
  readonly queue: string;
  readonly task: string;
  readonly counts: Map<JobCounter, number>;
  /** Per distribution: rounded value → how many times it was seen. */
  readonly timings: Map<JobTiming, Map<number, number>>;
}

/**
 * Adds up job metrics until `flush()` writes them. Values are rounded to two significant digits (at most
 * 5% off), so thousands of jobs share a few dozen distinct values and a flush stays a few lines long.
 */
export class JobMetrics {
  readonly namespace: string;
  readonly #sink: MetricsSink;
  readonly #now: () => number;
  #series = new Map<string, Series>();
  /** The series found last (until the next flush starts new ones). */
  #last: Series | undefined;

  constructor(options: JobMetricsOptions = {}) {
    this.namespace = options.namespace ?? defaultMetricsNamespace;
    this.#sink = options.sink ?? stdoutSink;
    this.#now = options.now ?? Date.now;
  }

  /** Adds one to `counter` of the task on the queue. */
  count(queue: string, task: string, counter: JobCounter): void {
    const counts = this.#of(queue, task).counts;
    counts.set(counter, (counts.get(counter) ?? 0) + 1);
  }

  /** Adds a duration (ms; negative ones, from clocks apart, count as 0) to a distribution. */
  time(queue: string, task: string, timing: JobTiming, ms: number): void {
    if (!Number.isFinite(ms)) return;
    const timings = this.#of(queue, task).timings;
    const values = timings.get(timing) ?? new Map<number, number>();
    timings.set(timing, values);
    const value = roundToTwoDigits(Math.max(0, ms));
    values.set(value, (values.get(value) ?? 0) + 1);
  }

  /** Writes what was added since the last flush (nothing when nothing was), then starts again from zero. */
  flush(): void {
    const series = this.#series;
    if (series.size === 0) return;
    this.#series = new Map();
    this.#last = undefined;
    const timestamp = this.#now();
    for (const one of series.values()) {
      for (const line of this.#lines(one, timestamp)) this.#sink(JSON.stringify(line));
    }
  }

  #of(queue: string, task: string): Series {
    // A job counts several metrics of the same (queue, task) in a row: no key to build for those.
    const last = this.#last;
    if (last !== undefined && last.queue === queue && last.task === task) return last;
    const key = `${queue}\u0000${task}`;
    let series = this.#series.get(key);
    if (!series) {
      series = { queue, task, counts: new Map(), timings: new Map() };
      this.#series.set(key, series);
    }
    this.#last = series;
    return series;
  }

  /**
   * The lines of one (queue, task): every counter (zeros included, so failure rates divide cleanly) in
   * the first, and each distribution's values spread over as many lines as it needs, 100 per line.
   */
  #lines(series: Series, timestamp: number): Record<string, unknown>[] {
    const chunks = new Map<JobTiming, number[][]>();
    for (const [timing, values] of series.timings) {
      // Each rounded value repeated as often as it was seen: the array is the distribution.
      const samples = [...values]
        .sort((a, b) => a[0] - b[0])
        .flatMap(([value, count]) => Array.from({ length: count }, () => value));
      const parts: number[][] = [];
      for (let i = 0; i < samples.length; i += maxValuesPerLine)
        parts.push(samples.slice(i, i + maxValuesPerLine));
      chunks.set(timing, parts);
    }
    const lineCount = Math.max(1, ...[...chunks.values()].map((parts) => parts.length));
    const lines: Record<string, unknown>[] = [];
    for (let index = 0; index < lineCount; index++) {
      const metrics: { Name: string; Unit: string }[] = [];
      const values: Record<string, unknown> = {};
      if (index === 0) {
        for (const counter of Object.values(JobCounter)) {
          metrics.push({ Name: counter, Unit: 'Count' });
          values[counter] = series.counts.get(counter) ?? 0;
        }
      }
      for (const [timing, parts] of chunks) {
        const part = parts[index];
        if (!part) continue;
        metrics.push({ Name: timing, Unit: 'Milliseconds' });
        values[timing] = part;
      }
      lines.push({
        _aws: {
          Timestamp: timestamp,
          CloudWatchMetrics: [
            { Namespace: this.namespace, Dimensions: [[...metricDimensions]], Metrics: metrics },
          ],
        },
        Queue: series.queue,
        Task: series.task,
        ...values,
      });
    }
    return lines;
  }
}

function roundToTwoDigits(value: number): number {
  if (value < 100) return Math.round(value);
  const scale = 10 ** (Math.floor(Math.log10(value)) - 1);
  return Math.round(value / scale) * scale;
}
