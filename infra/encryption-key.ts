/**
 * The optional customer-managed key (`encryptionKey`) of a `LonghaulQueue`: how each part is encrypted
 * with it, what the key policy must allow the AWS services that write with it on the construct's behalf
 * (CloudWatch Logs for the log groups, EventBridge for scheduled runs), and which KMS actions a grant
 * adds. Without a key every part keeps its AWS-managed encryption and no grant names KMS.
 */
import { Annotations, Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** What a grantee that only reads encrypted data needs. */
const decryptActions = ['kms:Decrypt', 'kms:DescribeKey'];
/**
 * What a grantee that writes encrypted data needs: SQS `SendMessage` and S3 `PutObject` generate a data
 * key, DynamoDB writes encrypt. Named one by one: no `kms:GenerateDataKey*` wildcard.
 */
const encryptDecryptActions = [...decryptActions, 'kms:Encrypt', 'kms:GenerateDataKey'];
/** The actions after which a grantee writes to a queue, the table or the bucket. */
const writeActions = new Set([
  'sqs:SendMessage',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  's3:PutObject',
]);
/** The services whose data the key encrypts. */
const encryptedServices = ['sqs:', 'dynamodb:', 's3:'];

/** The encryption props of a queue: the key, or SQS-managed SSE without one. */
export function queueEncryption(
  key: kms.IKey | undefined,
): Pick<sqs.QueueProps, 'encryption' | 'encryptionMasterKey'> {
  return key
    ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key }
    : { encryption: sqs.QueueEncryption.SQS_MANAGED };
}

/**
 * The KMS statement a grant of `actions` needs: decrypt for reads, encrypt and decrypt for writes, on
 * the key only; none without a key or without an action on an encrypted service.
 */
export function keyStatements(
  key: kms.IKey | undefined,
  actions: readonly string[],
): { actions: string[]; resourceArns: string[] }[] {
  if (!key || !actions.some((a) => encryptedServices.some((service) => a.startsWith(service)))) return [];
  const writes = actions.some((a) => writeActions.has(a));
  return [{ actions: writes ? encryptDecryptActions : decryptActions, resourceArns: [key.keyArn] }];
}

/** What EventBridge Scheduler's role needs to send delayed jobs to an encrypted queue. */
export function schedulerKeyStatement(key: kms.IKey): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: encryptDecryptActions, resources: [key.keyArn] });
}

/**
 * Adds to the key's policy what the services need: CloudWatch Logs of the stack's region may use it for
 * this account's log groups (AWS's statement for encrypted log groups), and EventBridge of this account
 * may send scheduled runs to the encrypted queues and dead-letter queue. The second names the account
 * rather than the rules: the rules depend on the queues, which depend on the key. A key imported from
 * elsewhere has a policy the construct cannot change: a warning then says what it must allow.
 */
export function allowServicesToUseKey(scope: Construct, key: kms.IKey, schedules: boolean): void {
  const region = Stack.of(scope).region;
  const statements = [
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsOfTheLonghaulLogGroups',
      principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${region}:${Aws.ACCOUNT_ID}:log-group:*`,
        },
      },
    }),
    ...(schedules
      ? [
          new iam.PolicyStatement({
            sid: 'AllowEventBridgeToSendLonghaulSchedules',
            principals: [new iam.ServicePrincipal('events.amazonaws.com')],
            actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
            resources: ['*'],
            conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
          }),
        ]
      : []),
  ];
  const added = statements.map((statement) => key.addToResourcePolicy(statement, true).statementAdded);
  if (added.every(Boolean)) return;
  Annotations.of(scope).addWarningV2(
    'longhaul:encryptionKeyPolicy',
    `The key policy of \`encryptionKey\` cannot be changed from this stack: it must allow logs.<region>.amazonaws.com kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey* and kms:Describe* for this account's log groups${schedules ? ', and events.amazonaws.com kms:Decrypt and kms:GenerateDataKey for scheduled runs' : ''}, and let IAM policies of this account use it (see docs/deploy.md, "Customer-managed key").`,
  );
}
