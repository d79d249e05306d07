/**
 * Starts one in-memory DynamoDB Local and one fauxqs (SNS/SQS) for the whole integration run, on free ports, and tells
 * the test workers where they are through the environment (workers are started after this, so they inherit it). Each
 * test file creates its own uniquely named table, topics and queues in them.
 */
import { startLocalSns } from '../../local/runtime/alerts';
import { localAwsEnv } from '../../local/runtime/aws-env';
import { startDynamoDbLocal } from '../../local/runtime/dynamodb-local';
import { localS3Env, startLocalS3 } from '../../local/runtime/s3-local';
import { type RunningSns, SNS_ENDPOINT_ENV } from '../helpers/alerts';
import { DYNAMODB_ENDPOINT_ENV, type RunningDynamoDb } from '../helpers/dynamodb';

export type RunningS3 = typeof globalThis & { __integrationS3?: { stop(): Promise<void> } };

export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // fauxqs first: it runs in this process, so nothing outlives a failure of the DynamoDB Local start after it.
  // It is an ES module; startLocalSns loads it with a real dynamic import, which works here (outside jest's sandbox).
  const sns = await startLocalSns();
  (globalThis as RunningSns).__integrationSns = sns;
  // s3rver (bodies too large for their item) also runs in this process; its endpoint and bucket reach the workers and
  // every handler they load through the environment, as BODY_BUCKET reaches the function in AWS.
  const s3 = await startLocalS3();
  (globalThis as RunningS3).__integrationS3 = s3;
  Object.assign(process.env, localS3Env(s3));
  const dynamodb = await startDynamoDbLocal();
  (globalThis as RunningDynamoDb).__integrationDynamoDb = dynamodb;
  Object.assign(process.env, localAwsEnv(dynamodb.endpoint), {
    [DYNAMODB_ENDPOINT_ENV]: dynamodb.endpoint,
    [SNS_ENDPOINT_ENV]: sns.endpoint,
  });
}
