/**
 * The job table of a `LonghaulQueue`: one item per job, keyed and indexed as src/core/names.ts says, so
 * the construct and the AWS backend agree on every key and index name.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { ConfigError } from '../src/core/errors.js';
import { jobIndexes, jobTable, legacyJobIndexes } from '../src/core/names.js';
import type { JobTableIndexName } from './props.js';

const knownIndexes = [...jobIndexes, ...legacyJobIndexes];

/** The indexes a table gets: `names` (for a table moving from an earlier layout), else the current ones. */
export function tableIndexSpecs(names: readonly JobTableIndexName[] | undefined): typeof knownIndexes {
  if (names === undefined) return [...jobIndexes];
  const unknown = names.filter((name) => !knownIndexes.some((index) => index.name === name));
  if (unknown.length > 0) {
    throw new ConfigError(
      `Invalid LonghaulQueue props: expected \`tableIndexes\` to name only ${knownIndexes.map((i) => `\`${i.name}\``).join(', ')}, got ${unknown.map((n) => `\`${n}\``).join(', ')}`,
    );
  }
  return knownIndexes.filter((index) => names.includes(index.name));
}

/** Creates the on-demand table with point-in-time recovery, TTL, and the `by-time-v2` and `by-attention` indexes. */
export function createJobTable(
  scope: Construct,
  options: {
    readonly prefix: string | undefined;
    /** Stream new and old images, for the counts aggregator. */
    readonly stream: boolean;
    readonly deletionProtection: boolean;
    readonly removalPolicy: RemovalPolicy;
    /** A customer-managed key; without one, the AWS-managed key. */
    readonly encryptionKey: kms.IKey | undefined;
    /** See `LonghaulQueueProps.tableIndexes`. */
    readonly indexes?: readonly JobTableIndexName[] | undefined;
  },
): dynamodb.Table {
  const table = new dynamodb.Table(scope, 'Table', {
    ...(options.prefix ? { tableName: `${options.prefix}-jobs` } : {}),
    partitionKey: { name: jobTable.partitionKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: jobTable.ttlAttribute,
    ...(options.stream ? { stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES } : {}),
    // The `encryptionKey`, or the AWS-managed key (aws/dynamodb) rather than the default AWS-owned one:
    // its use shows in CloudTrail and the template states the encryption. Grantees need KMS permissions
    // for the first only (see encryption-key.ts), and the stream is encrypted with the same key.
    ...(options.encryptionKey
      ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: options.encryptionKey }
      : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
    deletionProtection: options.deletionProtection,
    removalPolicy: options.removalPolicy,
  });
  // Sharded partition keys (see jobTable in src/core/names.ts), keyed and projected on attributes that
  // never change (plus the sparse attention key): heartbeats, progress and a quick job's status changes
  // never write to an index, and no index partition takes every write.
  for (const index of tableIndexSpecs(options.indexes)) {
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: index.sortKey, type: dynamodb.AttributeType.NUMBER },
      ...(index.include.length > 0
        ? { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...index.include] }
        : { projectionType: dynamodb.ProjectionType.KEYS_ONLY }),
    });
  }
  return table;
}

/** The ARNs of the indexes the library reads, named one by one rather than `<table>/index/*`. */
export function jobIndexArns(table: dynamodb.Table): string[] {
  return jobIndexes.map((index) => `${table.tableArn}/index/${index.name}`);
}
