/**
 * The construct's CloudWatch dashboard: queue depth, the oldest waiting job, the dead-letter queue, the
 * workers (Lambda and/or Fargate), the table's writes and, with job metrics, each task's failure rate,
 * attempt duration and time in queue; three graphs a row.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { type JobMetricsSource, jobMetricWidgets } from './job-metrics.js';
import type { JobQueues } from './queues.js';

/** The dashboard, named `<prefix>-jobs` with a prefix. */
export function createDashboard(
  scope: Construct,
  options: {
    readonly prefix: string | undefined;
    readonly queues: JobQueues;
    readonly table: dynamodb.Table;
    readonly workerFunction: lambda.IFunction | undefined;
    readonly fargateService: ecs.FargateService | undefined;
    /** The job metrics the workers write; undefined with `metrics: false`. */
    readonly jobMetrics: JobMetricsSource | undefined;
  },
): cloudwatch.Dashboard {
  const { prefix, queues } = options;
  const { queue, deadLetterQueue } = queues;
  const period = Duration.minutes(1);
  const max = { period, statistic: cloudwatch.Stats.MAXIMUM };
  const sum = { period, statistic: cloudwatch.Stats.SUM };
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    ...(prefix ? { dashboardName: `${prefix}-jobs` } : {}),
    defaultInterval: Duration.hours(3),
  });
  const widgets: cloudwatch.IWidget[] = [
    new cloudwatch.GraphWidget({
      title: 'Queue depth',
      left: [
        queue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'waiting' }),
        queue.metricApproximateNumberOfMessagesNotVisible({ ...max, label: 'running or backing off' }),
        queue.metricApproximateNumberOfMessagesDelayed({ ...max, label: 'delayed' }),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Oldest waiting job (seconds)',
      left: [queue.metricApproximateAgeOfOldestMessage({ ...max, label: 'age' })],
    }),
    new cloudwatch.GraphWidget({
      title: 'Dead-letter queue',
      left: [deadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'messages' })],
    }),
  ];
  const fn = options.workerFunction;
  if (fn) {
    widgets.push(
      new cloudwatch.GraphWidget({
        title: 'Lambda worker',
        left: [
          fn.metricInvocations({ ...sum, label: 'invocations' }),
          fn.metricErrors({ ...sum, label: 'errors' }),
          fn.metricThrottles({ ...sum, label: 'throttles' }),
        ],
        right: [fn.metricDuration({ period, statistic: cloudwatch.Stats.p(99), label: 'duration p99' })],
      }),
    );
  }
  const service = options.fargateService;
  if (service) {
    widgets.push(
      new cloudwatch.GraphWidget({
        title: 'Fargate workers',
        left: [
          new cloudwatch.Metric({
            namespace: 'ECS/ContainerInsights',
            metricName: 'RunningTaskCount',
            dimensionsMap: { ClusterName: service.cluster.clusterName, ServiceName: service.serviceName },
            ...max,
            label: 'running tasks',
          }),
        ],
        right: [service.metricCpuUtilization({ period, label: 'CPU %' })],
      }),
    );
  }
  widgets.push(
    new cloudwatch.GraphWidget({
      title: 'Job table writes',
      left: [options.table.metricConsumedWriteCapacityUnits({ ...sum, label: 'write units' })],
    }),
  );
  if (options.jobMetrics) widgets.push(...jobMetricWidgets(options.jobMetrics));
  for (let i = 0; i < widgets.length; i += 3) dashboard.addWidgets(...widgets.slice(i, i + 3));
  return dashboard;
}
