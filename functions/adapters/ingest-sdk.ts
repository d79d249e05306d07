import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { sdkRequestHandler } from './http';

/** The AWS SDK clients of the ingest function, built once per cold start. */
export interface IngestSdkClients {
  readonly dynamodb: DynamoDBClient;
  /** The HTTP handler with the ingest timeouts, for a client built later (the S3 client, at a body's first overflow). */
  readonly requestHandler: ReturnType<typeof sdkRequestHandler>;
  /** Only when the secret comes from Secrets Manager (the local mode and tests give it inline). */
  readonly secretsManager?: SecretsManagerClient;
}

/**
 * The ingest function's SDK clients and their settings, in one place: the handler uses them, and so does the bench's
 * SDK-only cold-start variant (tools/bench/sdk-only-handler.ts), which must make its calls exactly as the handler does.
 *
 * Voucherify gives up on an answer after 10 s and the function times out at 8 s. Worst case, every attempt hanging to
 * its timeout: one secret read (0.5 + 1.2 s; a failed read is not cached, the next request tries again) + 3 puts
 * x (0.5 + 1.2) s + back-off stays under 8 s, so the answer is our own 503, not a timeout. A PutItem normally takes ms.
 */
export function ingestSdkClients(options: { readonly secretsManager: boolean }): IngestSdkClients {
  const requestHandler = sdkRequestHandler({ connectionTimeoutMs: 500, requestTimeoutMs: 1_200 });
  return {
    requestHandler,
    dynamodb: new DynamoDBClient({ maxAttempts: 3, requestHandler }),
    ...(options.secretsManager ? { secretsManager: new SecretsManagerClient({ maxAttempts: 1, requestHandler }) } : {}),
  };
}
