/** Stops what global-setup started: DynamoDB Local (by its pid; waits until Java has exited), fauxqs and s3rver. */
import type { RunningSns } from '../helpers/alerts';
import type { RunningDynamoDb } from '../helpers/dynamodb';
import type { RunningS3 } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const running = globalThis as RunningDynamoDb & RunningSns & RunningS3;
  await running.__integrationDynamoDb?.stop();
  running.__integrationDynamoDb = undefined;
  await running.__integrationSns?.stop();
  running.__integrationSns = undefined;
  await running.__integrationS3?.stop();
  running.__integrationS3 = undefined;
}
