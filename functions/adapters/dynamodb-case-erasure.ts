import { ConditionalCheckFailedException, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { caseKeyOf } from '../core/alerts/cases';
import type { ErasureMark } from '../core/erasure/erased-event';
import type { CaseErasurePort, HeldCopy, RedactOutcome } from '../core/erasure/holders';
import { StorageUnavailableError } from '../core/shared/errors';
import { CASE_ATTRIBUTES, CASE_KEY_PREFIX, DynamoDbCaseStore } from './dynamodb-case-store';
import { EVENTS_TABLE } from './table';

/** What replaces an operator's note on an erased case: notes are free text and may name the customer. */
export const ERASED_NOTE = '[erased]';

/** How often a redaction re-reads and tries again when the alerts function or the CLI changed the case meanwhile. */
const ATTEMPTS = 5;

/**
 * Erases a customer's data from the rollback-failure cases (the cases' own store, functions/adapters/
 * dynamodb-case-store.ts). A case keeps its key, state, failure code and message, voucher, campaign, amount and events,
 * so it can still be worked; its customer id, source id and the notes in its history are removed. One UpdateItem per
 * case, conditional on the version read, like every other write of a case: no lost update between erase, the alerts
 * function and an operator's ack or resolve.
 */
export class DynamoDbCaseErasure implements CaseErasurePort {
  private readonly cases: DynamoDbCaseStore;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.cases = new DynamoDbCaseStore(client, tableName);
  }

  async openCopy(rollbackId: string): Promise<HeldCopy | undefined> {
    const key = caseKeyOf({ eventId: rollbackId, rollback: { id: rollbackId } });
    const found = await this.cases.get(key);
    if (!found || found.erased) return undefined;
    return {
      key,
      summary: `case ${key} (${found.state}, ${found.eventCount} event${found.eventCount === 1 ? '' : 's'})`,
      changes: ['customer id', 'source id', 'notes'],
    };
  }

  async redact(caseKey: string, mark: ErasureMark): Promise<RedactOutcome> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const current = await this.cases.get(caseKey);
      if (!current) return 'gone';
      if (current.erased) return 'already erased';
      const history = current.history.map((entry) =>
        entry.note === undefined ? entry : { ...entry, note: ERASED_NOTE },
      );
      const a = CASE_ATTRIBUTES;
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: { [EVENTS_TABLE.partitionKey]: { S: `${CASE_KEY_PREFIX.case}${caseKey}` } },
            UpdateExpression:
              'SET #version = :next, #history = :history, #erasedAt = :at, #erasureId = :id REMOVE #customerId, #sourceId',
            ConditionExpression: '#version = :expected AND attribute_not_exists(#erasedAt)',
            ExpressionAttributeNames: {
              '#version': a.version,
              '#history': a.history,
              '#erasedAt': a.erasedAt,
              '#erasureId': a.erasureId,
              '#customerId': a.customerId,
              '#sourceId': a.customerSourceId,
            },
            ExpressionAttributeValues: {
              ':next': { N: String(current.version + 1) },
              ':expected': { N: String(current.version) },
              ':history': { S: JSON.stringify(history) },
              ':at': { S: mark.at },
              ':id': { S: mark.erasureId },
            },
          }),
        );
        return 'erased';
      } catch (cause) {
        if (cause instanceof ConditionalCheckFailedException) continue;
        throw new StorageUnavailableError(`could not erase case ${caseKey} in table ${this.tableName}`, { cause });
      }
    }
    throw new StorageUnavailableError(`case ${caseKey} kept changing while it was erased; run erase again`);
  }
}
