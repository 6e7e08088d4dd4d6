/**
 * How the construct makes its Lambda functions (the worker and the counts aggregator) and the log groups
 * of every worker: one place for the runtime, architecture, bundling, naming and logging they share.
 */
import { type Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { lambdaBundling } from './bundling.js';
import type { ResolvedProps } from './resolve-props.js';

/** The resolved props every function and log group of the construct follows. */
export type LogSettings = Pick<
  ResolvedProps,
  'namePrefix' | 'logRetention' | 'removalPolicy' | 'encryptionKey'
>;

/** A log group with the construct's retention, removal policy and key; named `name` when given. */
export function createLogGroup(
  scope: Construct,
  id: string,
  name: string | undefined,
  settings: LogSettings,
): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    ...(name ? { logGroupName: name } : {}),
    retention: settings.logRetention,
    removalPolicy: settings.removalPolicy,
    ...(settings.encryptionKey ? { encryptionKey: settings.encryptionKey } : {}),
  });
}

/**
 * A Node 22 function on ARM, bundled with the shared esbuild settings, with its own log group and an
 * explicit role instead of the default one with AWSLambdaBasicExecutionRole: it may write to that log
 * group only, and never create log groups.
 */
export function createNodeFunction(
  scope: Construct,
  id: string,
  settings: LogSettings,
  options: {
    readonly nameSuffix: string;
    readonly entry: string;
    readonly handler: string;
    readonly timeout: Duration;
    readonly memorySize: number;
    readonly description: string;
    readonly environment: Record<string, string>;
    readonly bundling?: nodejs.BundlingOptions | undefined;
    readonly reservedConcurrentExecutions?: number | undefined;
  },
): { fn: nodejs.NodejsFunction; role: iam.Role } {
  const prefix = settings.namePrefix;
  const functionName = prefix ? `${prefix}-${options.nameSuffix}` : undefined;
  const logGroup = createLogGroup(
    scope,
    `${id}Logs`,
    functionName ? `/aws/lambda/${functionName}` : undefined,
    settings,
  );
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `The Longhaul ${options.nameSuffix} function`,
  });
  logGroup.grantWrite(role);
  const fn = new nodejs.NodejsFunction(scope, id, {
    ...(functionName ? { functionName } : {}),
    entry: options.entry,
    handler: options.handler,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    timeout: options.timeout,
    memorySize: options.memorySize,
    role,
    logGroup,
    ...(options.reservedConcurrentExecutions !== undefined
      ? { reservedConcurrentExecutions: options.reservedConcurrentExecutions }
      : {}),
    description: options.description,
    environment: { ...options.environment, NODE_OPTIONS: '--enable-source-maps' },
    bundling: { ...lambdaBundling, ...options.bundling },
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'Longhaul targets Node.js 22 deliberately: the bundle is built for node22 and tested on it; a newer runtime is adopted with its own release.',
  });
  return { fn, role };
}
