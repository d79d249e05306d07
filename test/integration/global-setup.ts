/**
 * Starts one in-memory DynamoDB Local for the whole integration run, on a free port, and tells the test workers where
 * it is through the environment (workers are started after this, so they inherit it). Each test file creates its own
 * uniquely named table in it.
 */
import { localAwsEnv } from '../../scripts/local/aws-env';
import { startDynamoDbLocal } from '../../scripts/local/dynamodb-local';
import { DYNAMODB_ENDPOINT_ENV, type RunningDynamoDb } from './support/dynamodb';

export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dynamodb = await startDynamoDbLocal();
  (globalThis as RunningDynamoDb).__integrationDynamoDb = dynamodb;
  Object.assign(process.env, localAwsEnv(dynamodb.endpoint), { [DYNAMODB_ENDPOINT_ENV]: dynamodb.endpoint });
}
