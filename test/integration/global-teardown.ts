/** Stops what global-setup started: DynamoDB Local (by its pid; waits until Java has exited) and fauxqs. */
import type { RunningSns } from '../helpers/alerts';
import type { RunningDynamoDb } from '../helpers/dynamodb';

export default async function globalTeardown(): Promise<void> {
  const running = globalThis as RunningDynamoDb & RunningSns;
  await running.__integrationDynamoDb?.stop();
  running.__integrationDynamoDb = undefined;
  await running.__integrationSns?.stop();
  running.__integrationSns = undefined;
}
