/**
 * The job metrics the workers write (CloudWatch Embedded Metric Format, names in src/core/names.ts) as
 * CDK metrics, and the dashboard widgets and failure-rate alarms built from them. The construct knows
 * every task's name from its `tasks`, so each task gets its own line without a SEARCH expression.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { jobMetricNames } from '../src/core/names.js';

/** Where the job metrics of one queue are. */
export interface JobMetricsSource {
  readonly namespace: string;
  /** The `Queue` dimension: the job queue's name. */
  readonly queueName: string;
  readonly taskNames: readonly string[];
}

const period = Duration.minutes(1);

function metricOf(
  source: JobMetricsSource,
  task: string,
  metricName: string,
  statistic: string,
  label: string,
) {
  return new cloudwatch.Metric({
    namespace: source.namespace,
    metricName,
    dimensionsMap: { Queue: source.queueName, Task: task },
    statistic,
    period,
    label,
  });
}

/** The share of a task's finished jobs that failed, in percent (no line while none finished). */
function failureRate(source: JobMetricsSource, task: string, index: number, window = period) {
  const { succeeded, failed } = jobMetricNames.counters;
  return new cloudwatch.MathExpression({
    expression: `100 * f${index} / (f${index} + s${index})`,
    usingMetrics: {
      [`f${index}`]: metricOf(source, task, failed, cloudwatch.Stats.SUM, 'failed').with({ period: window }),
      [`s${index}`]: metricOf(source, task, succeeded, cloudwatch.Stats.SUM, 'succeeded').with({
        period: window,
      }),
    },
    label: task,
    period: window,
  });
}

/** Per task: failure rate, attempt duration p50 and p99, time in queue p99, and jobs by outcome. */
export function jobMetricWidgets(source: JobMetricsSource): cloudwatch.IWidget[] {
  const { counters, timings } = jobMetricNames;
  const tasks = source.taskNames;
  const { SUM } = cloudwatch.Stats;
  const p = cloudwatch.Stats.p;
  return [
    new cloudwatch.GraphWidget({
      title: 'Job failure rate by task (%)',
      left: tasks.map((task, i) => failureRate(source, task, i)),
      leftYAxis: { min: 0, max: 100 },
    }),
    new cloudwatch.GraphWidget({
      title: 'Attempt duration by task (ms, p50 and p99)',
      left: tasks.flatMap((task) => [
        metricOf(source, task, timings.attemptDuration, p(50), `${task} p50`),
        metricOf(source, task, timings.attemptDuration, p(99), `${task} p99`),
      ]),
    }),
    new cloudwatch.GraphWidget({
      title: 'Time in queue by task (ms, p99)',
      left: tasks.map((task) => metricOf(source, task, timings.timeInQueue, p(99), task)),
    }),
    new cloudwatch.GraphWidget({
      title: 'Jobs by outcome (all tasks)',
      left: (['succeeded', 'failed', 'retried', 'cancelled', 'timedOut'] as const).map((outcome, i) => {
        const ids = tasks.map((_, t) => `${outcome.toLowerCase()}${i}x${t}`);
        return new cloudwatch.MathExpression({
          expression: ids.join(' + '),
          usingMetrics: Object.fromEntries(
            tasks.map((task, t) => [ids[t], metricOf(source, task, counters[outcome], SUM, task)]),
          ),
          label: outcome,
          period,
        });
      }),
    }),
  ];
}

/**
 * One alarm per task: over `thresholdPercent` of its jobs that finished in 5 minutes failed. Quiet
 * while no job finishes.
 */
export function taskFailureRateAlarms(
  scope: Construct,
  source: JobMetricsSource,
  thresholdPercent: number,
): cloudwatch.Alarm[] {
  return source.taskNames.map((task, i) =>
    failureRate(source, task, i, Duration.minutes(5)).createAlarm(scope, `FailureRateAlarm${i}`, {
      alarmDescription: `Longhaul: over ${thresholdPercent}% of the "${task}" jobs that finished in 5 minutes failed`,
      threshold: thresholdPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
  );
}
