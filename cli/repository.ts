import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ALERT_MARKER } from '../functions/adapters/dynamodb-alert-ledger';
import { fromItem } from '../functions/adapters/dynamodb-event-store';
import { S3BodyStore } from '../functions/adapters/s3-body-store';
import {
  EVENTS_INDEXES,
  EVENTS_TABLE,
  type EventsIndex,
  type EventsIndexName,
  INDEX_KEYS,
  LISTED_ATTRIBUTES,
  QUARANTINED_PARTITION,
  typeKey,
} from '../functions/adapters/table';
import type { EventRecord, EventStatus } from '../functions/core/shared/event-record';
import type { BodyStore } from '../functions/core/shared/ports';
import { withInlineBody } from '../functions/core/shared/stored-body';
import { daysDescending, iso, type Window } from './time';

/**
 * The events table as the operations CLI reads it: every query goes through the key or one of the indexes of
 * `EVENTS_INDEXES` (never a Scan), newest first, with an exact paging cursor. SDK errors are thrown as they are; the
 * CLI turns them into messages.
 *
 * How a list is read: each index's sort key is `<type>#<receivedAt>#<eventId>`, so within one partition (a day, a
 * customer, the quarantine) the events of one type form a contiguous range in time order. One type is one key range;
 * all types are the types found in the partition (stepping from one to the next with `Limit: 1` queries) merged by
 * time. The cursor is the `<receivedAt>#<eventId>` of the last event returned: the next page reads below it.
 */

export type Item = Record<string, AttributeValue>;

/** Attributes the CLI writes on an event's item (besides the status it promotes). */
export const REPLAY_ATTRIBUTES = {
  /** When `replay` promoted a QUARANTINED event to ACCEPTED. */
  promotedAt: 'promotedAt',
  /** When `replay --alert` sent the event's alert, and the topic's message id: it is sent once. */
  replayAlertedAt: 'replayAlertedAt',
  replayAlertMessageId: 'replayAlertMessageId',
} as const;

/** One event as `list` shows it: the attributes every index projects. */
export interface EventSummary {
  readonly eventId: string;
  readonly receivedAt: string;
  readonly status: string;
  readonly type?: string;
  readonly failureCode?: string;
  readonly campaignId?: string;
  readonly campaignName?: string;
  readonly voucherCode?: string;
  readonly customerId?: string;
  readonly customerSourceId?: string;
}

/** One event as `show` and `replay` need it: the whole item. */
export interface StoredEvent {
  readonly record: EventRecord;
  readonly alertedAt?: string;
  readonly alertMessageId?: string;
  readonly promotedAt?: string;
  readonly replayAlertedAt?: string;
  readonly replayAlertMessageId?: string;
}

export interface ListFilters {
  readonly type?: string;
  readonly status?: EventStatus;
  /** A Voucherify customer id (`cust_...`) or the customer's source id. */
  readonly customer?: string;
  /** A campaign id or name. */
  readonly campaign?: string;
  readonly voucher?: string;
  readonly failureCode?: string;
}

export interface ListQuery extends ListFilters {
  readonly window: Window;
  readonly limit: number;
  /** Only events below this cursor (`<receivedAt>#<eventId>`, from a previous page). */
  readonly before?: string;
}

export interface ListPage {
  readonly items: readonly EventSummary[];
  /** Present when there may be more: pass it back as `before`. */
  readonly next?: string;
  /** The index that served the query. */
  readonly index: EventsIndexName;
  /** How `--customer` was read, when given. */
  readonly customer?: CustomerResolution;
}

/** A `--customer` value: a customer id with events, a source id found on an event (then its id), or nothing. */
export type CustomerResolution =
  | { readonly via: 'id'; readonly customerId: string }
  | { readonly via: 'source id'; readonly customerId: string; readonly sourceId: string }
  | { readonly via: 'source id without customer id'; readonly sourceId: string }
  | { readonly via: 'none'; readonly value: string };

/** One partition of one index. */
interface Partition {
  readonly index: EventsIndex;
  readonly value: string;
}

/** The part of the sort key after the type: `<receivedAt>#<eventId>`. */
function suffixOf(item: Item): string {
  const key = item[INDEX_KEYS.typeTime]?.S ?? '';
  return key.slice(key.indexOf('#') + 1);
}

/** The range of suffixes to read: `lower` inclusive, `upper` exclusive. */
interface SuffixRange {
  readonly lower: string;
  readonly upper: string;
}

/** A window as a suffix range. `$` sorts right after `#`, so the upper bound takes every event at `toMs` itself. */
function rangeOf(window: Window | undefined, before?: string): SuffixRange {
  const upper = before ?? (window ? `${iso(window.toMs)}$` : '~');
  return { lower: window ? iso(window.fromMs) : '', upper };
}

/** What a query reads for a summary: the keys and what every index copies (so any index can answer it). */
const SUMMARY_ATTRIBUTES = [EVENTS_TABLE.partitionKey, INDEX_KEYS.typeTime, ...LISTED_ATTRIBUTES] as const;

function toSummary(item: Item): EventSummary {
  const suffix = suffixOf(item);
  const summary: Record<string, string> = {
    eventId: item[EVENTS_TABLE.partitionKey]?.S ?? '',
    receivedAt: suffix.slice(0, suffix.indexOf('#')),
    status: item.status?.S ?? '',
  };
  for (const name of LISTED_ATTRIBUTES) {
    const value = item[name]?.S;
    if (value !== undefined) summary[name] = value;
  }
  return summary as unknown as EventSummary;
}

/** Expression parts: condition texts joined by AND, with their placeholders. */
class Expression {
  readonly conditions: string[] = [];
  readonly names: Record<string, string> = {};
  readonly values: Record<string, AttributeValue> = {};

  name(attribute: string): string {
    const placeholder = `#${attribute.replace(/[^A-Za-z0-9]/g, '')}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  value(key: string, value: string): string {
    const placeholder = `:${key}`;
    this.values[placeholder] = { S: value };
    return placeholder;
  }

  /** `attribute = value`, or any of several attributes equal to it. */
  equals(key: string, attributes: readonly string[], value: string): void {
    const v = this.value(key, value);
    const parts = attributes.map((attribute) => `${this.name(attribute)} = ${v}`);
    this.conditions.push(parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`);
  }
}

/** The filter conditions a query needs besides its key (what the partition and type range do not already say). */
function filterFor(filters: ListFilters & { readonly customerSourceId?: string }, partition: Partition): Expression {
  const expression = new Expression();
  // A type that is not kept as such in the key (see typeKey) shares the `?` range with others: filter on the real one.
  if (filters.type !== undefined && typeKey(filters.type) !== filters.type)
    expression.equals('type', ['type'], filters.type);
  if (filters.status !== undefined) expression.equals('status', ['status'], filters.status);
  if (filters.customer !== undefined && partition.index.name !== EVENTS_INDEXES.byCustomer.name)
    expression.equals('customer', ['customerId', 'customerSourceId'], filters.customer);
  if (filters.customerSourceId !== undefined)
    expression.equals('sourceId', ['customerSourceId'], filters.customerSourceId);
  if (filters.campaign !== undefined) expression.equals('campaign', ['campaignId', 'campaignName'], filters.campaign);
  if (filters.voucher !== undefined) expression.equals('voucher', ['voucherCode'], filters.voucher);
  if (filters.failureCode !== undefined) expression.equals('failureCode', ['failureCode'], filters.failureCode);
  return expression;
}

export class EventsRepository {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
    /** Where bodies too large for their item are read from (the reference names the bucket). */
    private readonly bodies: Pick<BodyStore, 'get'> = new S3BodyStore(),
  ) {}

  /**
   * The stored event with this id (consistent read), or undefined. A body kept beside the item is fetched here, so
   * `show`, `replay` and everything else read every event's body the same way.
   */
  async get(eventId: string): Promise<StoredEvent | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [EVENTS_TABLE.partitionKey]: { S: eventId } },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const text = (name: string) => Item[name]?.S;
    const stored: Record<string, unknown> = { record: await withInlineBody(fromItem(Item), this.bodies) };
    for (const [key, name] of [
      ['alertedAt', ALERT_MARKER.alertedAt],
      ['alertMessageId', ALERT_MARKER.messageId],
      ['promotedAt', REPLAY_ATTRIBUTES.promotedAt],
      ['replayAlertedAt', REPLAY_ATTRIBUTES.replayAlertedAt],
      ['replayAlertMessageId', REPLAY_ATTRIBUTES.replayAlertMessageId],
    ] as const) {
      const value = text(name);
      if (value !== undefined) stored[key] = value;
    }
    return stored as unknown as StoredEvent;
  }

  /**
   * One page of events, newest first. Served by `quarantined` for `status: QUARANTINED`, else by `byCustomer` for a
   * customer, else by `byDay` (one partition per day of the window); the other filters are filter expressions on that
   * query, so they cost the reads of the events they skip, never a Scan.
   */
  async list(query: ListQuery): Promise<ListPage> {
    const limit = query.limit;
    const range = rangeOf(query.window, query.before);
    let index: EventsIndexName;
    let partitions: Iterable<Partition>;
    let filters: ListFilters & { customerSourceId?: string } = query;
    let customer: CustomerResolution | undefined;

    if (query.status === 'QUARANTINED') {
      index = 'quarantined';
      partitions = [{ index: EVENTS_INDEXES.quarantined, value: QUARANTINED_PARTITION }];
    } else if (query.customer !== undefined) {
      customer = await this.resolveCustomer(query.customer, query.window);
      if (customer.via === 'none') return { items: [], index: 'byCustomer', customer };
      if (customer.via === 'source id without customer id') {
        index = 'byDay';
        partitions = this.dayPartitions(query.window, query.before);
        filters = { ...query, customer: undefined, customerSourceId: customer.sourceId };
      } else {
        index = 'byCustomer';
        partitions = [{ index: EVENTS_INDEXES.byCustomer, value: customer.customerId }];
      }
    } else {
      index = 'byDay';
      partitions = this.dayPartitions(query.window, query.before);
    }

    const items: EventSummary[] = [];
    // One more than asked tells whether there is a next page.
    for await (const item of this.read(partitions, query.type, range, filters, limit + 1)) {
      items.push(toSummary(item));
      if (items.length > limit) break;
    }
    const more = items.length > limit;
    const page = items.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page,
      index,
      ...(more && last ? { next: `${last.receivedAt}#${last.eventId}` } : {}),
      ...(customer ? { customer } : {}),
    };
  }

  /**
   * A customer id when any event is keyed by it; otherwise a source id, resolved to the customer id of the newest
   * event in the window that carries it (so the list then holds that customer's events without a source id too, such
   * as rollbacks that only name `customer_id`).
   */
  async resolveCustomer(value: string, window: Window): Promise<CustomerResolution> {
    const direct = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: EVENTS_INDEXES.byCustomer.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': EVENTS_INDEXES.byCustomer.partitionKey },
        ExpressionAttributeValues: { ':pk': { S: value } },
        ProjectionExpression: '#pk',
        Limit: 1,
      }),
    );
    if ((direct.Items ?? []).length > 0) return { via: 'id', customerId: value };
    for await (const item of this.read(
      this.dayPartitions(window),
      undefined,
      rangeOf(window),
      { customerSourceId: value },
      1,
    )) {
      const customerId = item.customerId?.S;
      return customerId
        ? { via: 'source id', customerId, sourceId: value }
        : { via: 'source id without customer id', sourceId: value };
    }
    return { via: 'none', value };
  }

  /**
   * Every event of a window, its projected attributes only, from `byDay` (each day partition whole, in key order: `stats`
   * counts them and needs no other). The first and last day hold events outside the window too.
   */
  async *daySummaries(window: Window): AsyncGenerator<EventSummary> {
    for (const partition of this.dayPartitions(window))
      for await (const item of this.pages(partition, {}, new Expression())) yield toSummary(item);
  }

  /** The ids of every quarantined event (in the window, if given), newest first: the `quarantined` index. */
  async quarantinedIds(window?: Window): Promise<string[]> {
    const ids: string[] = [];
    const partition = { index: EVENTS_INDEXES.quarantined, value: QUARANTINED_PARTITION };
    for await (const item of this.read([partition], undefined, rangeOf(window), {}, Number.POSITIVE_INFINITY))
      ids.push(item[EVENTS_TABLE.partitionKey]?.S ?? '');
    return ids.filter((id) => id !== '');
  }

  /**
   * QUARANTINED -> ACCEPTED, only if the item is still QUARANTINED (a second replay, or two at once, change nothing).
   * Removes the validation issues and the `quarantined` index key with it.
   */
  async promote(eventId: string, at: string): Promise<'promoted' | 'not quarantined'> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [EVENTS_TABLE.partitionKey]: { S: eventId } },
          UpdateExpression: 'SET #status = :accepted, #promotedAt = :at REMOVE #issues, #quarantined',
          ConditionExpression: '#status = :quarantined',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#promotedAt': REPLAY_ATTRIBUTES.promotedAt,
            '#issues': 'issues',
            '#quarantined': INDEX_KEYS.quarantined,
          },
          ExpressionAttributeValues: {
            ':accepted': { S: 'ACCEPTED' },
            ':quarantined': { S: 'QUARANTINED' },
            ':at': { S: at },
          },
        }),
      );
      return 'promoted';
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return 'not quarantined';
      throw error;
    }
  }

  /**
   * Records that `replay --alert` sent the event's alert, once (conditional), and sets the alerts function's own marker
   * if it never alerted, so a later redrive of the stream record does not alert again. `overwrite` (a forced re-send)
   * replaces an earlier replay's marker with the re-send's.
   */
  async markReplayAlerted(
    eventId: string,
    marker: { at: string; messageId: string },
    options: { overwrite?: boolean } = {},
  ): Promise<'marked' | 'already'> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [EVENTS_TABLE.partitionKey]: { S: eventId } },
          UpdateExpression:
            'SET #ra = :at, #ram = :mid, #at = if_not_exists(#at, :at), #mid = if_not_exists(#mid, :mid)',
          ConditionExpression: options.overwrite
            ? 'attribute_exists(#pk)'
            : 'attribute_exists(#pk) AND attribute_not_exists(#ra)',
          ExpressionAttributeNames: {
            '#pk': EVENTS_TABLE.partitionKey,
            '#ra': REPLAY_ATTRIBUTES.replayAlertedAt,
            '#ram': REPLAY_ATTRIBUTES.replayAlertMessageId,
            '#at': ALERT_MARKER.alertedAt,
            '#mid': ALERT_MARKER.messageId,
          },
          ExpressionAttributeValues: { ':at': { S: marker.at }, ':mid': { S: marker.messageId } },
        }),
      );
      return 'marked';
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return 'already';
      throw error;
    }
  }

  /** The byDay partitions of a window, newest day first, starting at the cursor's day when paging. */
  private *dayPartitions(window: Window, before?: string): Iterable<Partition> {
    const toMs = before ? Math.min(window.toMs, Date.parse(before.slice(0, 24))) : window.toMs;
    for (const day of daysDescending(window.fromMs, toMs)) yield { index: EVENTS_INDEXES.byDay, value: day };
  }

  /**
   * Events of the partitions, newest first, within `range`, passing `filters`: per partition, each type's key range
   * read lazily and merged by time. `pageSize` is how many the caller expects to take (reads are sized to it).
   */
  private async *read(
    partitions: Iterable<Partition>,
    type: string | undefined,
    range: SuffixRange,
    filters: ListFilters & { readonly customerSourceId?: string },
    pageSize: number,
  ): AsyncGenerator<Item> {
    const limit = Number.isFinite(pageSize) ? Math.min(1000, Math.max(25, pageSize)) : 1000;
    for (const partition of partitions) {
      const types = type !== undefined ? [typeKey(type)] : await this.typesIn(partition);
      const streams = types.map((t) => this.typeRange(partition, t, range, filterFor(filters, partition), limit));
      yield* mergeNewestFirst(streams);
    }
  }

  /** The type keys present in a partition, one `Limit: 1` query each: the next key above `<type>$` is the next type. */
  private async typesIn(partition: Partition): Promise<string[]> {
    const types: string[] = [];
    let after: string | undefined;
    for (;;) {
      const { Items } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: partition.index.name,
          KeyConditionExpression: after === undefined ? '#pk = :pk' : '#pk = :pk AND #sk > :after',
          ExpressionAttributeNames: { '#pk': partition.index.partitionKey, '#sk': partition.index.sortKey },
          ExpressionAttributeValues: {
            ':pk': { S: partition.value },
            ...(after === undefined ? {} : { ':after': { S: after } }),
          },
          ProjectionExpression: '#sk',
          Limit: 1,
        }),
      );
      const key = Items?.[0]?.[partition.index.sortKey]?.S;
      if (key === undefined) return types;
      const found = key.slice(0, key.indexOf('#'));
      types.push(found);
      after = `${found}$`;
    }
  }

  /** One type's events in a partition, newest first, page by page. */
  private async *typeRange(
    partition: Partition,
    type: string,
    range: SuffixRange,
    filter: Expression,
    limit: number,
  ): AsyncGenerator<Item> {
    const keys = new Expression();
    const pk = keys.name(partition.index.partitionKey);
    const sk = keys.name(partition.index.sortKey);
    const condition = `${pk} = ${keys.value('pk', partition.value)} AND ${sk} BETWEEN ${keys.value('lo', `${type}#${range.lower}`)} AND ${keys.value('hi', `${type}#${range.upper}`)}`;
    for await (const item of this.pages(partition, { condition, keys, descending: true, limit }, filter)) {
      // BETWEEN includes its upper bound, which is the previous page's last event when paging.
      if (suffixOf(item) < range.upper) yield item;
    }
  }

  /** Every item of a query on a partition (the whole partition unless a key condition is given), page by page. */
  private async *pages(
    partition: Partition,
    options: { condition?: string; keys?: Expression; descending?: boolean; limit?: number },
    filter: Expression,
  ): AsyncGenerator<Item> {
    const keys = options.keys ?? new Expression();
    const condition =
      options.condition ?? `${keys.name(partition.index.partitionKey)} = ${keys.value('pk', partition.value)}`;
    const projection = SUMMARY_ATTRIBUTES.map((attribute) => keys.name(attribute)).join(', ');
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: partition.index.name,
      KeyConditionExpression: condition,
      ProjectionExpression: projection,
      ExpressionAttributeNames: { ...keys.names, ...filter.names },
      ExpressionAttributeValues: { ...keys.values, ...filter.values },
      ScanIndexForward: !options.descending,
      ...(filter.conditions.length > 0 ? { FilterExpression: filter.conditions.join(' AND ') } : {}),
      ...(options.limit !== undefined ? { Limit: options.limit } : {}),
    };
    let start: Item | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) yield item;
      start = page.LastEvaluatedKey;
    } while (start);
  }
}

/** Merges streams that are each newest first into one newest-first stream (by `<receivedAt>#<eventId>`). */
async function* mergeNewestFirst(streams: AsyncGenerator<Item>[]): AsyncGenerator<Item> {
  // The first page of every type is fetched at once: a day holds a handful of types.
  const heads = await Promise.all(streams.map((stream) => stream.next()));
  for (;;) {
    let best = -1;
    let bestKey = '';
    for (const [i, head] of heads.entries()) {
      if (head.done) continue;
      const key = suffixOf(head.value);
      if (best < 0 || key > bestKey) {
        best = i;
        bestKey = key;
      }
    }
    if (best < 0) return;
    yield (heads[best] as IteratorYieldResult<Item>).value;
    heads[best] = await (streams[best] as AsyncGenerator<Item>).next();
  }
}
