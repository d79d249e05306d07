import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** The region every local stand-in is addressed in. DynamoDB Local runs with -sharedDb, so it ignores the region. */
export const LOCAL_REGION = 'us-east-1';

import { LOCAL_CREDENTIALS } from '../../cli/local-state';

export { LOCAL_CREDENTIALS };

/**
 * The environment the AWS SDK inside the Lambda handler needs to talk to the local stand-ins instead of AWS. Only the
 * local mode, `npm run invoke` and the integration tests apply it; nothing deployed ever sees these values.
 */
export function localAwsEnv(dynamodbEndpoint: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/**
 * Points this process's AWS SDK at the local stand-ins. Removes what could route a call to a real account (a profile,
 * a session token, a Secrets Manager ARN: the local mode reads the webhook secret from VOUCHERIFY_WEBHOOK_SECRET).
 */
export function applyLocalAwsEnv(dynamodbEndpoint: string, env: NodeJS.ProcessEnv = process.env): void {
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'WEBHOOK_SECRET_ARN']) delete env[name];
  Object.assign(env, localAwsEnv(dynamodbEndpoint));
}

/** A DynamoDB client for the local instance, configured explicitly (it does not depend on the environment). */
export function localDynamoDbClient(endpoint: string, options: { maxAttempts?: number } = {}): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 5_000 }),
  });
}
