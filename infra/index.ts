/**
 * `longhaul/cdk`: the AWS CDK construct that deploys a Longhaul queue (SQS, DynamoDB, Lambda and/or
 * Fargate workers, EventBridge schedules, alarms, a dashboard), and the esbuild settings its workers are
 * bundled with. Needs `aws-cdk-lib` and `constructs` (optional peer dependencies).
 *
 * @example
 * import { LonghaulQueue } from 'longhaul/cdk';
 * new LonghaulQueue(this, 'Jobs', { tasks, schedules, lambda: { entry: 'functions/lambda.ts' } });
 */
export { lambdaBundling, lambdaEsbuildOptions, nodeTarget, requireBanner } from './bundling.js';
export { LonghaulQueue } from './longhaul-queue.js';
export type { LonghaulQueuePayloadProps, LonghaulQueueRetentionProps } from './payload-bucket.js';
export type {
  LonghaulQueueAlarmProps,
  LonghaulQueueFargateProps,
  LonghaulQueueLambdaProps,
  LonghaulQueueProps,
} from './props.js';
export { longhaulQueueDefaults } from './resolve-props.js';
