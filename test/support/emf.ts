// Reads CloudWatch Embedded Metric Format lines as CloudWatch Logs would, checking the structure the
// format requires, and adds their values up per (queue, task) so a test can compare them with a known run.
import { expect } from 'vitest';

export interface MetricTotals {
  /** Counters summed over every line. */
  readonly counts: Record<string, number>;
  /** For each distribution, how many values it holds and every value seen. */
  readonly samples: Record<string, number>;
  readonly values: Record<string, number[]>;
}

/**
 * Parses `lines` and checks each against the EMF specification: `_aws.Timestamp` a number of milliseconds,
 * `_aws.CloudWatchMetrics` directives with a namespace, dimension sets whose names are top-level strings,
 * and metrics with a name and a unit whose values are top-level numbers or arrays of at most 100 numbers.
 */
export function parseEmf(lines: readonly string[], namespace = 'Longhaul'): Record<string, unknown>[] {
  return lines.map((line) => {
    const doc = JSON.parse(line) as Record<string, unknown>;
    const aws = doc._aws as { Timestamp: unknown; CloudWatchMetrics: unknown };
    expect(aws).toBeDefined();
    expect(Number.isInteger(aws.Timestamp) && (aws.Timestamp as number) > 1_600_000_000_000).toBe(true);
    const directives = aws.CloudWatchMetrics as {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
    expect(directives).toHaveLength(1);
    for (const directive of directives) {
      expect(directive.Namespace).toBe(namespace);
      expect(directive.Dimensions).toEqual([['Queue', 'Task']]);
      for (const dimension of directive.Dimensions.flat()) expect(typeof doc[dimension]).toBe('string');
      expect(directive.Metrics.length).toBeGreaterThan(0);
      expect(directive.Metrics.length).toBeLessThanOrEqual(100);
      for (const metric of directive.Metrics) {
        expect(['Count', 'Milliseconds']).toContain(metric.Unit);
        const value = doc[metric.Name];
        if (metric.Unit === 'Count') {
          expect(typeof value).toBe('number');
          continue;
        }
        expect(Array.isArray(value)).toBe(true);
        const samples = value as number[];
        expect(samples.length).toBeGreaterThan(0);
        expect(samples.length).toBeLessThanOrEqual(100);
        for (const n of samples) expect(Number.isFinite(n)).toBe(true);
      }
    }
    return doc;
  });
}

/** Adds up the parsed lines of one (queue, task). */
export function totalsOf(
  docs: readonly Record<string, unknown>[],
  task: string,
  queue?: string,
): MetricTotals {
  const counts: Record<string, number> = {};
  const samples: Record<string, number> = {};
  const values: Record<string, number[]> = {};
  for (const doc of docs) {
    if (doc.Task !== task || (queue !== undefined && doc.Queue !== queue)) continue;
    const [directive] = (doc._aws as { CloudWatchMetrics: { Metrics: { Name: string; Unit: string }[] }[] })
      .CloudWatchMetrics;
    for (const { Name, Unit } of directive?.Metrics ?? []) {
      if (Unit === 'Count') {
        counts[Name] = (counts[Name] ?? 0) + (doc[Name] as number);
      } else {
        const seen = doc[Name] as number[];
        samples[Name] = (samples[Name] ?? 0) + seen.length;
        values[Name] = [...(values[Name] ?? []), ...seen];
      }
    }
  }
  return { counts, samples, values };
}
