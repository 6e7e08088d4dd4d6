/**
 * The long-running worker on ECS Fargate, for tasks longer than Lambda's 15 minutes: a cluster, a task
 * definition running the user's image, a service that rolls deploys without dropping jobs, its scaling
 * on the job queues, and (unless the user brings one) a VPC without NAT gateways.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as applicationautoscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { env } from '../src/core/names.js';
import { sumOverQueues } from './delays-and-priorities.js';
import type { QueueGrants } from './grants.js';
import { createLogGroup, type LogSettings } from './node-function.js';
import type { LonghaulQueueFargateProps } from './props.js';
import type { ResolvedFargate } from './resolve-props.js';

/** The service with its cluster, task role, log group and scaling. */
export function createFargateWorker(
  scope: Construct,
  options: {
    readonly config: ResolvedFargate;
    readonly props: LonghaulQueueFargateProps;
    readonly settings: LogSettings;
    /** The construct's worker environment; it wins over the user's `environment`. */
    readonly workerEnvironment: Readonly<Record<string, string>>;
    /** The job queues, highest priority first; the service scales on all of them. */
    readonly workQueues: readonly sqs.Queue[];
    readonly grants: QueueGrants;
  },
): ecs.FargateService {
  const { config, props, settings } = options;
  const prefix = settings.namePrefix;
  const ownVpc = props.vpc === undefined;
  const vpc: ec2.IVpc = props.vpc ?? (createVpc(scope, settings) as ec2.IVpc);
  const cluster = new ecs.Cluster(scope, 'Cluster', {
    vpc,
    ...(prefix ? { clusterName: `${prefix}-workers` } : {}),
    containerInsightsV2: ecs.ContainerInsights.ENABLED,
  });
  const taskRole = new iam.Role(scope, 'ServiceTaskRole', {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    description: 'The Longhaul Fargate worker',
  });
  options.grants.worker(taskRole, true);
  const taskDefinition = new ecs.FargateTaskDefinition(scope, 'ServiceTask', {
    cpu: config.cpu,
    memoryLimitMiB: config.memoryLimitMiB,
    taskRole,
    runtimePlatform: {
      cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64,
      operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
    },
  });
  const logGroup = createLogGroup(
    scope,
    'ServiceLogs',
    prefix ? `/longhaul/${prefix}-workers` : undefined,
    settings,
  );
  taskDefinition.addContainer('worker', {
    image: props.image,
    essential: true,
    readonlyRootFilesystem: true,
    stopTimeout: config.stopTimeout,
    logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'worker' }),
    environment: {
      ...config.environment,
      ...options.workerEnvironment,
      [env.concurrency]: String(config.concurrency),
      [env.shutdownGraceMs]: String(config.shutdownGrace.toMilliseconds()),
      NODE_OPTIONS: '--enable-source-maps',
    },
  });
  const securityGroup = createSecurityGroup(scope, vpc, props.allowAllOutbound === true);
  const service = new ecs.FargateService(scope, 'Service', {
    cluster: cluster as ecs.ICluster,
    taskDefinition,
    ...(prefix ? { serviceName: `${prefix}-worker` } : {}),
    securityGroups: [securityGroup],
    assignPublicIp: props.assignPublicIp ?? ownVpc,
    ...(props.vpcSubnets || ownVpc
      ? { vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PUBLIC } }
      : {}),
    // Workers take no traffic: replace them one batch at a time, roll back a deploy that cannot start.
    minHealthyPercent: 100,
    maxHealthyPercent: 200,
    circuitBreaker: { rollback: true },
  });
  scaleService(service, config, options.workQueues);
  Validations.of(taskDefinition).acknowledge(
    {
      id: 'AwsSolutions-ECS2',
      reason:
        'The variables are resource names, URLs and tuning numbers the worker reads (LONGHAUL_*), never secrets.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken, which the execution role needs to pull the image, has no resource-level permissions: its Resource must be "*".',
    },
  );
  return service;
}

/**
 * No ingress. Egress: TCP 443 only (AWS APIs, the image registry; DNS to the VPC resolver is not
 * filtered by security groups), or everything with `allowAllOutbound`. More rules can be added through
 * the service's `connections`. The default's description predates the rule: kept, so that existing
 * deployments update the rule in place rather than replace the group.
 */
function createSecurityGroup(scope: Construct, vpc: ec2.IVpc, allowAllOutbound: boolean): ec2.SecurityGroup {
  const securityGroup = new ec2.SecurityGroup(scope, 'ServiceSecurityGroup', {
    vpc,
    description: allowAllOutbound
      ? 'Longhaul workers: no inbound traffic; all outbound traffic'
      : 'Longhaul workers: no inbound traffic; outbound HTTPS to AWS APIs',
    allowAllOutbound,
  });
  if (!allowAllOutbound)
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs');
  return securityGroup;
}

function createVpc(scope: Construct, settings: LogSettings): ec2.Vpc {
  // Public subnets and no NAT gateway: a worker only calls AWS APIs, so it needs outbound HTTPS and
  // no inbound path (its security group has no ingress rule). NAT gateways or interface endpoints
  // would cost more than the workers themselves; DynamoDB goes through a free gateway endpoint.
  return new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
    gatewayEndpoints: { DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } },
    // Nothing runs in the default security group; restricting it would add a custom-resource Lambda.
    restrictDefaultSecurityGroup: false,
    flowLogs: {
      rejected: {
        trafficType: ec2.FlowLogTrafficType.REJECT,
        destination: ec2.FlowLogDestination.toCloudWatchLogs(
          createLogGroup(scope, 'VpcFlowLogs', undefined, settings),
        ),
      },
    },
  });
}

/**
 * Scales out while jobs wait (visible messages mean every worker slot is busy) and scales in only
 * when nothing is waiting or running, so scaling never stops a task in the middle of a long job.
 */
function scaleService(
  service: ecs.FargateService,
  config: ResolvedFargate,
  workQueues: readonly sqs.Queue[],
): void {
  const scaling = service.autoScaleTaskCount({
    minCapacity: config.minTasks,
    maxCapacity: config.maxTasks,
  });
  const perMinute = { period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM };
  // Summed over the priority queues when there are some: a high job alone must scale the service out.
  const waiting = sumOverQueues(
    workQueues,
    (queue) => queue.metricApproximateNumberOfMessagesVisible(perMinute),
    'Jobs waiting',
    'visible',
  );
  scaling.scaleOnMetric('ScaleOutOnWaitingJobs', {
    metric: waiting,
    adjustmentType: applicationautoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
    scalingSteps: [
      { upper: 0, change: 0 },
      { lower: 1, change: +1 },
      { lower: 10 * config.concurrency, change: +2 },
      { lower: 50 * config.concurrency, change: +4 },
    ],
    cooldown: Duration.minutes(2),
  });
  const backlog = new cloudwatch.MathExpression({
    expression: 'visible + inFlight',
    usingMetrics: {
      visible: waiting,
      inFlight: sumOverQueues(
        workQueues,
        (queue) => queue.metricApproximateNumberOfMessagesNotVisible(perMinute),
        'Jobs running',
        'inFlight',
      ),
    },
    label: 'Jobs waiting or running',
    period: Duration.minutes(1),
  });
  scaling.scaleOnMetric('ScaleInWhenIdle', {
    metric: backlog,
    // Down to minTasks (the scalable target clamps the change); a zero step adds no scale-out policy.
    adjustmentType: applicationautoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
    scalingSteps: [
      { upper: 0, change: -config.maxTasks },
      { lower: 1, change: 0 },
    ],
    evaluationPeriods: 15,
    cooldown: Duration.minutes(5),
  });
}
