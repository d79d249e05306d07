import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbCaseErasure } from '../functions/adapters/dynamodb-case-erasure';
import { DynamoDbErasureLedger, dynamoDbEventsHolder } from '../functions/adapters/dynamodb-erasure';
import { parseS3Ref, S3BodyStore } from '../functions/adapters/s3-body-store';
import type { ErasureDeps } from '../functions/core/erasure/erase';
import { caseHolder } from '../functions/core/erasure/holders';

/**
 * What `erase` erases through, in find order (redaction runs in reverse: see runErasure). The one list to extend:
 * the rollback-failure cases, found through the rollback ids of the events. Bodies kept beside their item (too large
 * for it) are read, redacted and rewritten by the events holder itself, in the same conditional write.
 */
export function erasureDeps(client: DynamoDBClient, tableName: string, now?: () => number): ErasureDeps {
  return {
    holders: [
      // A body kept beside its item is rewritten in the bucket its reference names.
      dynamoDbEventsHolder(client, tableName, (ref) => new S3BodyStore({ bucket: parseS3Ref(ref).bucket })),
      caseHolder(new DynamoDbCaseErasure(client, tableName)),
    ],
    ledger: new DynamoDbErasureLedger(client, tableName, now),
    ...(now ? { now } : {}),
  };
}
