import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_CREDENTIALS } from '../../cli/local-state';

/** The bucket the local mode and the tests keep bodies too large for their item in (BODY_BUCKET). */
export const LOCAL_BODY_BUCKET = 'voucherify-event-bodies';

export interface LocalS3 {
  /** `http://127.0.0.1:<port>`: what AWS_ENDPOINT_URL_S3 is set to. */
  readonly endpoint: string;
  readonly bucket: string;
  stop(): Promise<void>;
}

/** The few members of s3rver (3.7, CommonJS, no types) used here. */
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

/**
 * S3 on this machine for bodies too large for their item: s3rver (Node 20; fauxqs 2.x also serves S3 but needs Node
 * 22), on a free port, with the body bucket created. Files go under `directory` (kept, for npm start's LOCAL_DIR) or a
 * temporary folder removed on stop. S3 features the stack relies on that s3rver lacks (KMS encryption, the lifecycle
 * rule) are checked on the synthesized template instead.
 */
export async function startLocalS3(options: { port?: number; directory?: string } = {}): Promise<LocalS3> {
  const temporary = options.directory === undefined;
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'voucherify-s3-'));
  // require, not import: s3rver is loaded only by the local mode and the tests, never by what is deployed.
  const S3rver = require('s3rver') as S3rverClass;
  // s3rver knows one key pair (S3RVER/S3RVER); teach it the one every local stand-in is called with, so the handlers'
  // SDK clients need nothing S3-specific.
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as {
    DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
  };
  DUMMY_ACCOUNT.createKeyPair(LOCAL_CREDENTIALS.accessKeyId, LOCAL_CREDENTIALS.secretAccessKey);
  const server = new S3rver({
    port: options.port ?? 0,
    address: '127.0.0.1',
    directory,
    silent: true,
    configureBuckets: [{ name: LOCAL_BODY_BUCKET }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: LOCAL_BODY_BUCKET,
    stop: async () => {
      await server.close();
      if (temporary) rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** What points the ingest handler's body store (and every reader) at the local S3. */
export function localS3Env(s3: Pick<LocalS3, 'endpoint' | 'bucket'>): Record<string, string> {
  return { AWS_ENDPOINT_URL_S3: s3.endpoint, BODY_BUCKET: s3.bucket };
}
