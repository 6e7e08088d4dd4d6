import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../../core/errors.js';
import { payloadObjects } from '../../core/names.js';
import { type PayloadLimits, type PayloadOptions, resolvePayloadLimits } from '../../core/payload.js';
import type { PayloadStore } from '../../core/ports.js';

/** Where the S3 payload store keeps its objects. */
export interface S3PayloadStoreOptions {
  readonly client: S3Client;
  readonly bucketName: string;
  /** Prepended to every key. Default `payloads/`, the prefix the construct's lifecycle rule covers. */
  readonly prefix?: string;
  /** When payloads are offloaded and how large they may be. Defaults: see `payloadDefaults`. */
  readonly limits?: PayloadOptions;
}

/** The default key prefix, shared with the CDK construct's lifecycle rule. */
export const defaultPayloadPrefix: string = payloadObjects.prefix;

/**
 * Offloaded arguments and results as S3 objects (JSON). Encryption at rest is the bucket's default
 * encryption, which the construct sets; objects expire by the bucket's lifecycle rule, never by Longhaul.
 * Usually made by `awsBackend({ payloads: { bucketName } })` rather than by hand.
 *
 * @example
 * const payloads = new S3PayloadStore({ client: createS3Client(), bucketName: 'my-longhaul-payloads' });
 */
export class S3PayloadStore implements PayloadStore {
  readonly limits: PayloadLimits;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(options: S3PayloadStoreOptions) {
    if (
      typeof options.bucketName !== 'string' ||
      !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucketName)
    ) {
      throw new ConfigError(
        `Expected \`payloads.bucketName\` to be an S3 bucket name (3–63 lowercase letters, digits, "." or "-"), got ${JSON.stringify(options.bucketName)}`,
      );
    }
    const prefix = options.prefix ?? defaultPayloadPrefix;
    if (typeof prefix !== 'string' || prefix.length > 100 || prefix.startsWith('/')) {
      throw new ConfigError(
        `Expected \`payloads.prefix\` to be at most 100 characters not starting with "/", got ${JSON.stringify(prefix)}`,
      );
    }
    this.limits = resolvePayloadLimits(options.limits);
    this.#client = options.client;
    this.#bucket = options.bucketName;
    this.#prefix = prefix;
  }

  async put(key: string, body: string): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: this.#prefix + key,
        Body: body,
        ContentType: 'application/json',
      }),
    );
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const output = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }),
      );
      return output.Body ? await output.Body.transformToString('utf8') : '';
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }
}
