/** Stops the DynamoDB Local that global-setup started (by its pid; waits until Java has exited). */
import type { RunningDynamoDb } from './support/dynamodb';

export default async function globalTeardown(): Promise<void> {
  const running = globalThis as RunningDynamoDb;
  await running.__integrationDynamoDb?.stop();
  running.__integrationDynamoDb = undefined;
}
