import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ErasureLedger, ErasureLookup, ErasureRecord } from '../core/erasure/erase';
import { eraseEventRecord } from '../core/erasure/erased-event';
import { type ErasureIndex, erasedPrefix } from '../core/erasure/erased-index';
import type { ErasureSubject, HeldCopy, Holder, RedactOutcome } from '../core/erasure/holders';
import { StorageUnavailableError } from '../core/shared/errors';
import type { BodyStore } from '../core/shared/ports';
import { INLINE_BODY_MAX_BYTES, withInlineBody } from '../core/shared/stored-body';
import { ERASURE_ATTRIBUTES, fromItem } from './dynamodb-event-store';
import { EVENTS_INDEXES, EVENTS_TABLE, INDEX_KEYS } from './table';

type Item = Record<string, AttributeValue>;

/**
 * Erasure records live in the events table under `erasure#<customer key>`: no index attribute, so no index holds them,
 * `list` and `stats` never see them, and the alerts filter (new items of a rollback-failure type) passes them by. The
 * table's TTL removes one after the retention period. The prefix is also what the ingest function's read is limited to
 * (`dynamodb:LeadingKeys`), so it can read no event.
 */
export const ERASURE_KEY_PREFIX = 'erasure#';

/** The one item listing erased customers' key prefixes (not a hash, so it never collides with a record's key). */
export const ERASURE_INDEX_KEY = `${ERASURE_KEY_PREFIX}index`;
export const ERASED_PREFIXES_ATTRIBUTE = 'erasedPrefixes';

const isConditionFailure = (error: unknown) =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

const text = (item: Item, name: string) => item[name]?.S ?? '';
const number = (item: Item, name: string) => Number(item[name]?.N ?? 0);

function recordOf(item: Item): ErasureRecord {
  return {
    customerKey: text(item, 'customerKey'),
    erasureId: text(item, ERASURE_ATTRIBUTES.erasureId),
    erasedAt: text(item, 'firstRunAt'),
    erasedBy: text(item, 'firstRunBy'),
    lastRunAt: text(item, 'lastRunAt'),
    lastRunBy: text(item, 'lastRunBy'),
    runs: number(item, 'runs'),
    itemsErased: number(item, 'itemsErased'),
    itemsLeft: number(item, 'itemsLeft'),
    state: text(item, 'erasureState') === 'complete' ? 'complete' : 'in progress',
    expiresAt: number(item, EVENTS_TABLE.ttlAttribute),
  };
}

/** Erasure records in DynamoDB: the CLI's ledger and the ingest function's lookup. */
export class DynamoDbErasureLedger implements ErasureLedger, ErasureLookup, ErasureIndex {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  private key(customerKey: string): Item {
    return { [EVENTS_TABLE.partitionKey]: { S: `${ERASURE_KEY_PREFIX}${customerKey}` } };
  }

  async get(customerKey: string): Promise<ErasureRecord | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: this.key(customerKey), ConsistentRead: true }),
    );
    return Item ? recordOf(Item) : undefined;
  }

  /**
   * On every webhook that names a customer: one eventually consistent read of the key only (0.5 read units). An
   * erasure filed in the last second may be missed; the run's own verify step (and `--status`) finds such an event.
   */
  async find(customerKey: string): Promise<{ at: string; erasureId: string } | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: this.key(customerKey),
          ProjectionExpression: '#id',
          ExpressionAttributeNames: { '#id': ERASURE_ATTRIBUTES.erasureId },
        }),
      );
      const erasureId = Item?.[ERASURE_ATTRIBUTES.erasureId]?.S;
      return erasureId ? { at: new Date(this.now()).toISOString(), erasureId } : undefined;
    } catch (cause) {
      throw new StorageUnavailableError(`could not read erasure records in table ${this.tableName}`, { cause });
    }
  }

  /** The erased customers' key prefixes: one eventually consistent read of one item (the ingest function's, once a minute). */
  async erasedPrefixes(): Promise<ReadonlySet<string>> {
    try {
      const { Item } = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [EVENTS_TABLE.partitionKey]: { S: ERASURE_INDEX_KEY } },
          ProjectionExpression: '#set',
          ExpressionAttributeNames: { '#set': ERASED_PREFIXES_ATTRIBUTE },
        }),
      );
      return new Set(Item?.[ERASED_PREFIXES_ATTRIBUTE]?.SS ?? []);
    } catch (cause) {
      throw new StorageUnavailableError(`could not read the erasure index in table ${this.tableName}`, { cause });
    }
  }

  async startRun(run: Parameters<ErasureLedger['startRun']>[0]): Promise<ErasureRecord> {
    // First into the index, so every ingest instance reads this customer's record from its next refresh on.
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { [EVENTS_TABLE.partitionKey]: { S: ERASURE_INDEX_KEY } },
        UpdateExpression: 'ADD #set :prefix',
        ExpressionAttributeNames: { '#set': ERASED_PREFIXES_ATTRIBUTE },
        ExpressionAttributeValues: { ':prefix': { SS: [erasedPrefix(run.customerKey)] } },
      }),
    );
    const { Attributes } = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(run.customerKey),
        UpdateExpression:
          'SET #ck = :ck, #id = if_not_exists(#id, :id), #fa = if_not_exists(#fa, :at), #fb = if_not_exists(#fb, :by), ' +
          '#la = :at, #lb = :by, #state = :state, #exp = :exp ADD #runs :one',
        ExpressionAttributeNames: {
          '#ck': 'customerKey',
          '#id': ERASURE_ATTRIBUTES.erasureId,
          '#fa': 'firstRunAt',
          '#fb': 'firstRunBy',
          '#la': 'lastRunAt',
          '#lb': 'lastRunBy',
          '#state': 'erasureState',
          '#exp': EVENTS_TABLE.ttlAttribute,
          '#runs': 'runs',
        },
        ExpressionAttributeValues: {
          ':ck': { S: run.customerKey },
          ':id': { S: run.erasureId },
          ':at': { S: run.at },
          ':by': { S: run.by },
          ':state': { S: 'in progress' },
          ':exp': { N: String(run.expiresAt) },
          ':one': { N: '1' },
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return recordOf(Attributes ?? {});
  }

  async finishRun(customerKey: string, result: { erased: number; left: number }): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(customerKey),
        UpdateExpression: 'SET #left = :left, #state = :state ADD #erased :erased',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: {
          '#pk': EVENTS_TABLE.partitionKey,
          '#left': 'itemsLeft',
          '#state': 'erasureState',
          '#erased': 'itemsErased',
        },
        ExpressionAttributeValues: {
          ':left': { N: String(result.left) },
          ':state': { S: result.left === 0 ? 'complete' : 'in progress' },
          ':erased': { N: String(result.erased) },
        },
      }),
    );
  }
}

/** Attributes the find step reads from `byCustomer` (keys and what the dry run shows). */
const FOUND_ATTRIBUTES = [EVENTS_TABLE.partitionKey, INDEX_KEYS.typeTime, 'type', 'status'];

/** Rollback events lead to a case (keyed by the rollback id), which the index does not project. */
const leadsToCase = (type: string | undefined) => type?.startsWith('redemption.rollback.') === true;

/**
 * The event items as a {@link Holder}: the body, the lifted customer attributes and the `byCustomer` index key.
 * - find: the customer's partition of `byCustomer` (never a Scan), keys only; a rollback event's rollback id is read
 *   from its item (the index does not project it) for the cases holder.
 * - redact: a consistent read, `eraseEventRecord`, and one UpdateItem conditional on the body read, the customer id
 *   and no erasure mark, so a concurrent change or a second run can never be overwritten or erased twice.
 * - verify: the partition again, each entry confirmed by a consistent read (the index trails the table by a moment).
 */
export function dynamoDbEventsHolder(
  client: DynamoDBClient,
  tableName: string,
  /** The store of the bucket a body reference names (bodies too large for their item), for reading and rewriting it. */
  bodiesFor?: (ref: string) => Pick<BodyStore, 'get' | 'put' | 'delete'>,
): Holder {
  async function* partition(subject: ErasureSubject): AsyncGenerator<Item> {
    let start: Item | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: EVENTS_INDEXES.byCustomer.name,
          KeyConditionExpression: '#cid = :cid',
          // Said explicitly so an operator policy can require it (`dynamodb:Select`), with `dynamodb:Attributes`.
          Select: 'SPECIFIC_ATTRIBUTES',
          ProjectionExpression: FOUND_ATTRIBUTES.map((_, i) => `#a${i}`).join(', '),
          ExpressionAttributeNames: {
            '#cid': INDEX_KEYS.customerId,
            ...Object.fromEntries(FOUND_ATTRIBUTES.map((name, i) => [`#a${i}`, name])),
          },
          ExpressionAttributeValues: { ':cid': { S: subject.customerId } },
          ExclusiveStartKey: start,
        }),
      );
      yield* page.Items ?? [];
      start = page.LastEvaluatedKey;
    } while (start);
  }

  async function read(eventId: string, projection?: string[]): Promise<Item | undefined> {
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { [EVENTS_TABLE.partitionKey]: { S: eventId } },
        ConsistentRead: true,
        ...(projection
          ? {
              ProjectionExpression: projection.map((_, i) => `#p${i}`).join(', '),
              ExpressionAttributeNames: Object.fromEntries(projection.map((name, i) => [`#p${i}`, name])),
            }
          : {}),
      }),
    );
    return Item;
  }

  const holdsData = (item: Item | undefined, subject: ErasureSubject) =>
    item !== undefined &&
    item[ERASURE_ATTRIBUTES.at] === undefined &&
    item[INDEX_KEYS.customerId]?.S === subject.customerId;

  return {
    name: 'events',
    async *find(subject) {
      for await (const item of partition(subject)) {
        const eventId = item[EVENTS_TABLE.partitionKey]?.S;
        if (!eventId) continue;
        const type = item.type?.S;
        const sortKey = item[INDEX_KEYS.typeTime]?.S ?? '';
        const receivedAt = sortKey.split('#')[1] ?? '';
        const links: Record<string, string> = {};
        if (leadsToCase(type)) {
          const rollbackId = (await read(eventId, ['rollbackId']))?.rollbackId?.S;
          if (rollbackId) links.rollbackId = rollbackId;
        }
        const copy: HeldCopy = {
          key: eventId,
          summary: `${receivedAt}  ${type ?? '-'}  ${item.status?.S ?? '-'}`,
          changes: ['body', 'customerId', 'customerSourceId (if set)'],
          ...(Object.keys(links).length > 0 ? { links } : {}),
        };
        yield copy;
      }
    },
    async redact(copy, mark): Promise<RedactOutcome> {
      // Two tries: a condition that fails because of a change other than an erasure (replay promoting the event at
      // that moment) is retried once on the fresh item.
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const item = await read(copy.key);
        if (!item) return 'gone';
        if (item[ERASURE_ATTRIBUTES.at] !== undefined) return 'already erased';
        // No customer id left: erased by other means; nothing of the customer's to remove.
        const customerId = item[INDEX_KEYS.customerId]?.S;
        if (customerId === undefined) return 'already erased';
        // A body kept beside the item (too large for it) is read, redacted like an inline one, and put back inline
        // when it now fits, else as a new object (its key follows the bytes); the old object goes after the item
        // points away from it, so the item never points at nothing.
        const stored = fromItem(item);
        const oldRef = stored.bodyRef;
        const bodies = oldRef ? bodiesFor?.(oldRef) : undefined;
        const erased = eraseEventRecord(await withInlineBody(stored, bodies), mark).record;
        const newRef =
          erased.body.length > INLINE_BODY_MAX_BYTES && bodies ? await bodies.put(copy.key, erased.body) : undefined;
        const names: Record<string, string> = {
          '#enc': 'bodyEncoding',
          '#bytes': 'bodyBytes',
          '#at': ERASURE_ATTRIBUTES.at,
          '#id': ERASURE_ATTRIBUTES.erasureId,
          '#cid': INDEX_KEYS.customerId,
          '#sid': 'customerSourceId',
          ...(newRef ? { '#ref': 'bodyRef' } : { '#body': 'body' }),
          ...(oldRef ? { '#oldref': 'bodyRef' } : { '#oldbody': 'body' }),
        };
        try {
          await client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: { [EVENTS_TABLE.partitionKey]: { S: copy.key } },
              UpdateExpression: `SET ${newRef ? '#ref = :ref' : '#body = :body'}, #enc = :enc, #bytes = :bytes, #at = :at, #id = :id REMOVE #cid, #sid${oldRef && !newRef ? ', #oldref' : ''}`,
              ConditionExpression: `attribute_not_exists(#at) AND ${oldRef ? '#oldref = :old' : '#oldbody = :old'} AND #cid = :cid`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: {
                ...(newRef ? { ':ref': { S: newRef } } : { ':body': { B: erased.body } }),
                ':enc': { S: erased.bodyEncoding },
                ':bytes': { N: String(erased.bodyBytes) },
                ':at': { S: mark.at },
                ':id': { S: mark.erasureId },
                ':old': oldRef ? { S: oldRef } : (item.body ?? { B: new Uint8Array() }),
                ':cid': { S: customerId },
              },
            }),
          );
          // The unredacted object; the bucket's lifecycle rule would remove it with the retention otherwise.
          if (oldRef && oldRef !== newRef) await bodies?.delete(oldRef);
          return 'erased';
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }
      const item = await read(copy.key, [ERASURE_ATTRIBUTES.at]);
      if (!item) return 'gone';
      if (item[ERASURE_ATTRIBUTES.at] !== undefined) return 'already erased';
      throw new StorageUnavailableError(`event ${copy.key} kept changing; it was not erased`);
    },
    async verify(subject) {
      let left = 0;
      for await (const entry of partition(subject)) {
        const eventId = entry[EVENTS_TABLE.partitionKey]?.S;
        if (!eventId) continue;
        const item = await read(eventId, [INDEX_KEYS.customerId, ERASURE_ATTRIBUTES.at]);
        if (holdsData(item, subject)) left += 1;
      }
      return left;
    },
  };
}
