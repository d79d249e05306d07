/**
 * Starts one in-memory DynamoDB Local and one fauxqs (SNS/SQS) for the whole integration run, on free ports, and tells
 * the test workers where they are through the environment (workers are started after this, so they inherit it). Each
 * test file creates its own uniquely named table, topics and queues in them.
 */
import { startLocalSns } from '../../local/runtime/alerts';
import { localAwsEnv } from '../../local/runtime/aws-env';
import { startDynamoDbLocal } from '../../local/runtime/dynamodb-local';
import { type RunningSns, SNS_ENDPOINT_ENV } from '../helpers/alerts';
import { DYNAMODB_ENDPOINT_ENV, type RunningDynamoDb } from '../helpers/dynamodb';

export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // fauxqs first: it runs in this process, so nothing outlives a failure of the DynamoDB Local start after it.
  // It is an ES module; startLocalSns loads it with a real dynamic import, which works here (outside jest's sandbox).
  const sns = await startLocalSns();
  (globalThis as RunningSns).__integrationSns = sns;
  const dynamodb = await startDynamoDbLocal();
  (globalThis as RunningDynamoDb).__integrationDynamoDb = dynamodb;
  Object.assign(process.env, localAwsEnv(dynamodb.endpoint), {
    [DYNAMODB_ENDPOINT_ENV]: dynamodb.endpoint,
    [SNS_ENDPOINT_ENV]: sns.endpoint,
  });
}
