import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbCaseErasure } from '../functions/adapters/dynamodb-case-erasure';
import { DynamoDbErasureLedger, dynamoDbEventsHolder } from '../functions/adapters/dynamodb-erasure';
import type { ErasureDeps } from '../functions/core/erasure/erase';
import { caseHolder } from '../functions/core/erasure/holders';

/**
 * What `erase` erases through, in find order (redaction runs in reverse: see runErasure). The one list to extend:
 * the rollback-failure cases (found through the rollback ids of the events) and overflow bodies (`overflowBodyHolder(port, redactBody)`) go
 * after the events holder, whose finds lead to them.
 */
export function erasureDeps(client: DynamoDBClient, tableName: string, now?: () => number): ErasureDeps {
  return {
    holders: [dynamoDbEventsHolder(client, tableName), caseHolder(new DynamoDbCaseErasure(client, tableName))],
    ledger: new DynamoDbErasureLedger(client, tableName, now),
    ...(now ? { now } : {}),
  };
}
