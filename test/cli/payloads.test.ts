// The CLI reads and writes offloaded payloads once it knows the bucket (--payload-bucket,
// LONGHAUL_PAYLOAD_BUCKET or "payloadBucket" in the config file), on the emulator.
import {
  createClients,
  createJobResources,
  createS3Client,
  deleteJobResources,
  type JobResources,
} from 'longhaul/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../support/backends.js';
import { cli, emulatorEnv } from './helpers.js';

describe('the CLI with a payload bucket', () => {
  const clients = createClients();
  const s3Client = createS3Client();
  let resources: JobResources;
  let environment: Record<string, string>;
  const pad = 'p'.repeat(150_000);
  beforeAll(async () => {
    resources = await createJobResources({
      ...clients,
      s3Client,
      payloadBucket: true,
      prefix: uniquePrefix('cli/payloads'),
    });
    environment = {
      ...emulatorEnv(),
      LONGHAUL_QUEUE_URL: resources.queueUrl,
      LONGHAUL_DLQ_URL: resources.deadLetterQueueUrl,
      LONGHAUL_TABLE_NAME: resources.tableName,
    };
  });
  afterAll(async () => {
    await deleteJobResources({ ...clients, s3Client }, resources);
  });

  it('enqueues large arguments with --payload-bucket and shows them in status', async () => {
    const args = JSON.stringify({ a: 1, b: 2, pad });
    const bucket = ['--payload-bucket', resources.payloadBucketName as string];
    const enqueued = await cli(['enqueue', 'math.add', args, '--json', ...bucket], { env: environment });
    expect(enqueued.code).toBe(0);
    const { id } = enqueued.json<{ id: string }>();

    const status = await cli(['status', id, '--json'], {
      env: { ...environment, LONGHAUL_PAYLOAD_BUCKET: resources.payloadBucketName },
    });
    expect(status.code).toBe(0);
    expect(status.json()).toMatchObject({ id, status: 'queued', args: { a: 1, b: 2, pad } });
  });

  it('refuses them without a bucket, naming the limit, and cannot read an offloaded job', async () => {
    const args = JSON.stringify({ a: 1, b: 2, pad });
    const refused = await cli(['enqueue', 'math.add', args], { env: environment });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('the limit is 98304 bytes');

    const bucket = ['--payload-bucket', resources.payloadBucketName as string];
    const { id } = (
      await cli(['enqueue', 'math.add', args, '--json', ...bucket], { env: environment })
    ).json<{
      id: string;
    }>();
    const status = await cli(['status', id], { env: environment });
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('no payload store configured');
  });
});
