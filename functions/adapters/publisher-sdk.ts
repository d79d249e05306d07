import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { sdkRequestHandler } from './http';

/**
 * The SDK clients of the functions that publish (alerts, the scheduled case function), built once per cold start. No
 * caller is waiting, but a hung connection would hold a stream shard or a schedule run: fail fast and let the SDK
 * retry.
 */
export function publisherSdkClients(): { readonly sns: SNSClient; readonly dynamodb: DynamoDBClient } {
  const requestHandler = sdkRequestHandler({ connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000 });
  return {
    sns: new SNSClient({ maxAttempts: 3, requestHandler }),
    dynamodb: new DynamoDBClient({ maxAttempts: 3, requestHandler }),
  };
}
