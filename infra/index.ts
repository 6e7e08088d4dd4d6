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
export {
  LonghaulQueue,
  type LonghaulQueueAlarmProps,
  type LonghaulQueueFargateProps,
  type LonghaulQueueLambdaProps,
  type LonghaulQueueProps,
} from './longhaul-queue.js';
export type { LonghaulQueuePayloadProps, LonghaulQueueRetentionProps } from './payload-bucket.js';
export { longhaulQueueDefaults } from './resolve-props.js';
