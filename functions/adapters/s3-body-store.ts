import type { S3Client } from '@aws-sdk/client-s3';
import { StorageUnavailableError } from '../core/shared/errors';
import type { BodyStore } from '../core/shared/ports';
import { overflowBodyKey, StoredBodyMissingError } from '../core/shared/stored-body';

type S3Module = typeof import('@aws-sdk/client-s3');

/** A reference as the item keeps it: `s3://<bucket>/<key>`, so any reader finds the body without configuration. */
export function s3Ref(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** The bucket and key of a reference; throws on anything else. */
export function parseS3Ref(ref: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(ref);
  if (!match) throw new StoredBodyMissingError(`not a body reference: "${ref}"`);
  return { bucket: match[1] as string, key: match[2] as string };
}

export interface S3BodyStoreOptions {
  /** The bucket new bodies are written to (BODY_BUCKET). Reading needs none: a reference names its bucket. */
  readonly bucket?: string;
  /** A client to use; by default one is created on first use, with the SDK's defaults and the environment's endpoint. */
  readonly client?: S3Client;
  /** Passed to the client created on first use (timeouts, retries). */
  readonly clientConfig?: ConstructorParameters<S3Module['S3Client']>[0];
}

/**
 * Bodies too large for their item, as S3 objects. The SDK's S3 client is loaded on first use (a require at first use), never
 * at cold start: almost no body overflows, and the ingest function's cold start should not pay for one that might.
 * Objects are encrypted by the bucket's default (KMS), expire with the retention by the bucket's lifecycle rule.
 */
export class S3BodyStore implements BodyStore {
  private loaded?: { s3: S3Module; client: S3Client };

  constructor(private readonly options: S3BodyStoreOptions = {}) {}

  private async load(): Promise<{ s3: S3Module; client: S3Client }> {
    if (!this.loaded) {
      // A require at first use, not an import at the top: the bundle (CommonJS) evaluates the SDK's S3 client only
      // here. (A dynamic import() would do the same in the bundle, but not under jest's CommonJS runtime.)
      const s3 = require('@aws-sdk/client-s3') as S3Module;
      const client =
        this.options.client ??
        new s3.S3Client({
          // s3rver (the local mode) serves path-style URLs only; AWS serves both.
          forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3),
          ...this.options.clientConfig,
        });
      this.loaded = { s3, client };
    }
    return this.loaded;
  }

  async put(eventId: string, bytes: Buffer): Promise<string> {
    const bucket = this.options.bucket;
    if (!bucket)
      throw new StorageUnavailableError('no bucket is configured for bodies too large for an item (BODY_BUCKET)');
    const key = overflowBodyKey(eventId, bytes);
    try {
      const { s3, client } = await this.load();
      await client.send(
        new s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: 'application/octet-stream' }),
      );
    } catch (cause) {
      throw new StorageUnavailableError(`could not write the body to bucket ${bucket}`, { cause });
    }
    return s3Ref(bucket, key);
  }

  async get(ref: string): Promise<Buffer> {
    const { bucket, key } = parseS3Ref(ref);
    const { s3, client } = await this.load();
    try {
      const { Body } = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!Body) throw new StoredBodyMissingError(`${ref} has no content`);
      return Buffer.from(await Body.transformToByteArray());
    } catch (cause) {
      if (cause instanceof Error && (cause.name === 'NoSuchKey' || cause.name === 'NotFound'))
        throw new StoredBodyMissingError(`the body ${ref} is gone (expired with the retention, or erased)`, { cause });
      throw cause;
    }
  }

  async delete(ref: string): Promise<void> {
    const { bucket, key } = parseS3Ref(ref);
    const { s3, client } = await this.load();
    await client.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
}
