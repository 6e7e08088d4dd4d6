/**
 * The construct's payload bucket: where workers and producers offload arguments and results too large
 * for an SQS message or a DynamoDB item (see src/core/payload.ts). Private, encrypted, TLS-only, and
 * emptied by a lifecycle rule rather than by Longhaul.
 */
import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct, IConstruct } from 'constructs';
import { env, payloadObjects } from '../src/core/names.js';
import type { Retention } from '../src/core/retention.js';

const defaultPayloadPrefix = payloadObjects.prefix;

/** The payload bucket of a `LonghaulQueue`. */
export interface LonghaulQueuePayloadProps {
  /**
   * How long an offloaded payload is kept after it was written (whole days, 1–3650); at least the
   * longest job `retention`, so no job outlives its payloads. Default: the longest retention plus 7
   * days (37 days with the default retention), room for jobs that run or retry for a week.
   */
  readonly expiration?: Duration;
}

/** How long finished jobs are kept, by final status (whole seconds, 1 s to 10 years). */
export interface LonghaulQueueRetentionProps {
  /** Default 7 days. */
  readonly succeeded?: Duration;
  /** Default 30 days: failures are what people come back to investigate and retry. */
  readonly failed?: Duration;
  /** Default 7 days. */
  readonly cancelled?: Duration;
}

/** Creates the bucket, with its lifecycle rule over the payload prefix. */
export function createPayloadBucket(
  scope: Construct,
  expiration: Duration,
  removalPolicy: RemovalPolicy,
  encryptionKey: kms.IKey | undefined,
): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'PayloadBucket', {
    // With a key, an S3 Bucket Key: one KMS request per bucket and period, not one per object.
    ...(encryptionKey
      ? { encryption: s3.BucketEncryption.KMS, encryptionKey, bucketKeyEnabled: true }
      : { encryption: s3.BucketEncryption.S3_MANAGED }),
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: false,
    removalPolicy,
    lifecycleRules: [
      {
        id: 'expire-payloads',
        prefix: defaultPayloadPrefix,
        expiration,
        // Longhaul writes single objects; this only tidies uploads someone else started.
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      'The bucket holds transient job payloads that only Longhaul roles read and write, each expired by the lifecycle rule; server access logs would need a second bucket and outlive the payloads. Enable CloudTrail S3 data events to audit access.',
  });
  return bucket;
}

/** The ARN pattern of the payload objects: every grant names the prefix, never the whole bucket. */
export function payloadObjectsArn(bucket: s3.Bucket): string {
  return bucket.arnForObjects(`${defaultPayloadPrefix}*`);
}

/**
 * Acknowledges, on `grantee` when it is a construct, cdk-nag's finding on the object wildcard: S3 object
 * ARNs cannot be named one by one, since job ids are only known at run time.
 */
export function acknowledgePayloadWildcard(bucket: s3.Bucket, grantee: iam.IGrantable): void {
  const target = grantee as unknown as Partial<IConstruct>;
  if (!target.node) return;
  const bucketId = Stack.of(bucket).resolve((bucket.node.defaultChild as s3.CfnBucket).logicalId);
  Validations.of(target as IConstruct).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${defaultPayloadPrefix}*]`,
    reason:
      'Payload objects are named by job id at run time; the grant is limited to the payload prefix of the one bucket and to get and put.',
  });
}

/** The variables that give workers the bucket and the retention. */
export function payloadAndRetentionEnvironment(
  bucket: s3.Bucket | undefined,
  retention: Partial<Retention> | undefined,
): Record<string, string> {
  const variables: Record<string, string> = {};
  if (bucket) variables[env.payloadBucket] = bucket.bucketName;
  if (retention?.succeededMs !== undefined)
    variables[env.retentionSucceededMs] = String(retention.succeededMs);
  if (retention?.failedMs !== undefined) variables[env.retentionFailedMs] = String(retention.failedMs);
  if (retention?.cancelledMs !== undefined)
    variables[env.retentionCancelledMs] = String(retention.cancelledMs);
  return variables;
}
