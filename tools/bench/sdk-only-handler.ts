/**
 * The cold-start bench's SDK-only variant (bundled by the benchmark, never deployed): a Lambda handler that makes only
 * the AWS calls of the ingest function's first request, GetSecretValue and then one conditional PutItem, through the
 * same SDK clients with the same settings (`ingestSdkClients`) and the same adapters. No verification, validation,
 * logging or metrics: what is left is the price of the SDK itself, which the receiver's cold start is compared with.
 * Environment: as the ingest function's (TABLE_NAME, WEBHOOK_SECRET_ARN; the endpoints the bench points the SDK at).
 * Event: the record the receiver would store, its body in base64 (the harness passes events as JSON).
 */
import { DynamoDbEventStore } from '../../functions/adapters/dynamodb-event-store';
import { ingestSdkClients } from '../../functions/adapters/ingest-sdk';
import { SecretsManagerSource } from '../../functions/adapters/secrets';
import type { EventRecord } from '../../functions/core/shared/event-record';

/** What the harness hands this variant: an `EventRecord` whose `body` is base64. */
export type SdkOnlyEvent = Omit<EventRecord, 'body'> & { readonly body: string };

const tableName = process.env.TABLE_NAME ?? '';
const secretArn = process.env.WEBHOOK_SECRET_ARN ?? '';
const { dynamodb, secretsManager } = ingestSdkClients({ secretsManager: true });
if (!secretsManager) throw new Error('ingestSdkClients gave no Secrets Manager client');
const secrets = new SecretsManagerSource(secretsManager, secretArn);
const store = new DynamoDbEventStore(dynamodb, tableName);

export async function handler(event: SdkOnlyEvent): Promise<{ statusCode: number }> {
  if ((await secrets.get()).length === 0) return { statusCode: 500 };
  const put = await store.putIfAbsent({ ...event, body: Buffer.from(event.body, 'base64') });
  return { statusCode: put === 'created' ? 202 : 200 };
}
