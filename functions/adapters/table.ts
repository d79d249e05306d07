/**
 * The events table's shape, shared by the CDK stack, the DynamoDB adapter and the local mode so they cannot drift.
 */
export const EVENTS_TABLE = {
  partitionKey: 'pk',
  ttlAttribute: 'expiresAt',
  /** The alerts consumer reads new items from the stream; it needs the item as written, nothing older. */
  streamViewType: 'NEW_IMAGE',
} as const;

/**
 * Attributes that exist only to key the indexes. `toItem` derives them from the record (the core knows nothing of
 * them); every one is a short string, so an item grows by about 100 bytes.
 * - `receivedDay`: the UTC day the event was received (`2026-11-22`), on every item.
 * - `typeTime`: `<type>#<receivedAt>#<eventId>`, on every item: sorted by type first, then time, so one index serves
 *   "all types, newest first" (merging the types of a partition) and "one type, newest first" (a key range) alike.
 *   The event id makes it unique, which gives the CLI an exact paging cursor.
 * - `customerId`: the lifted field itself (sparse: only events that name a customer; `erase` removes it, so an erased
 *   event leaves this index and the index holds exactly the events that still carry the customer's data).
 * - `quarantined`: {@link QUARANTINED_PARTITION}, only while an event is QUARANTINED (sparse; replay removes it).
 * - `caseState` / `caseOpened`: only on case items (`pk = case#<key>`): the state (`open`, `acknowledged`,
 *   `resolved`) and `<openedAt>#<key>` (functions/adapters/dynamodb-case-store.ts). Events never carry them.
 */
export const INDEX_KEYS = {
  receivedDay: 'receivedDay',
  typeTime: 'typeTime',
  customerId: 'customerId',
  quarantined: 'quarantined',
  caseState: 'caseState',
  caseOpened: 'caseOpened',
} as const;

/** The one partition of the `quarantined` index: quarantined events are few, and a replay empties it. */
export const QUARANTINED_PARTITION = 'QUARANTINED';

/** The type part of `typeTime` for events without a type, or with one unfit for a key (see {@link typeKey}). */
export const OTHER_TYPE_KEY = '?';

/**
 * The attributes every index copies besides its keys: what `list` shows and filters on, and what `stats` counts.
 * Together with the keys about 300-450 bytes, so each index entry costs one write unit (billed per started KB).
 * Never the body or the failure message: those would make every index write cost 2-4 units instead of 1.
 */
export const LISTED_ATTRIBUTES = [
  'type',
  'status',
  'failureCode',
  'campaignId',
  'campaignName',
  'voucherCode',
  'customerId',
  'customerSourceId',
] as const;

/** What the `cases` index copies besides its keys: what `cases`, the digest and the reminder show. */
export const CASE_LISTED_ATTRIBUTES = [
  'caseKey',
  'openedAt',
  'openings',
  'eventCount',
  'acknowledgedBy',
  'acknowledgedAt',
  'digestWindow',
  'failureCode',
  'caseCustomerId',
  'caseCustomerSourceId',
  'voucherCode',
  'campaignId',
  'campaignName',
] as const;

/** One global secondary index of the events table, described for the stack, local mode, the CLI and the cost script. */
export interface EventsIndex {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly projection: { readonly type: 'INCLUDE'; readonly nonKeyAttributes: readonly string[] };
  /** Items without the partition key attribute are not in the index and cost it nothing. */
  readonly sparse: boolean;
  /** The CLI queries it serves (also in docs/operating.md). */
  readonly serves: string;
}

function included(...keys: string[]): EventsIndex['projection'] {
  return { type: 'INCLUDE', nonKeyAttributes: LISTED_ATTRIBUTES.filter((name) => !keys.includes(name)) };
}

/**
 * The indexes, one per access pattern the CLI needs (see docs/operating.md). Each costs one write unit per event it
 * holds, plus one when `replay` changes an event's status; the alerts marker touches no indexed attribute, so it
 * costs the indexes nothing.
 */
export const EVENTS_INDEXES = {
  byDay: {
    name: 'byDay',
    partitionKey: INDEX_KEYS.receivedDay,
    sortKey: INDEX_KEYS.typeTime,
    projection: included(),
    sparse: false,
    serves: 'list (all, --type, --status accepted, --campaign, --voucher, --failure-code), stats',
  },
  byCustomer: {
    name: 'byCustomer',
    partitionKey: INDEX_KEYS.customerId,
    sortKey: INDEX_KEYS.typeTime,
    projection: included(INDEX_KEYS.customerId),
    sparse: true,
    serves: 'list --customer',
  },
  quarantined: {
    name: 'quarantined',
    partitionKey: INDEX_KEYS.quarantined,
    sortKey: INDEX_KEYS.typeTime,
    projection: included(),
    sparse: true,
    serves: 'list --status quarantined, replay --quarantined',
  },
  cases: {
    name: 'cases',
    partitionKey: INDEX_KEYS.caseState,
    sortKey: INDEX_KEYS.caseOpened,
    projection: { type: 'INCLUDE', nonKeyAttributes: CASE_LISTED_ATTRIBUTES },
    // Only case items: events never carry caseState, so they cost this index nothing.
    sparse: true,
    serves: 'cases [--open | --state S], the digest of a burst window, the reminder and the open-case metrics',
  },
} as const satisfies Record<string, EventsIndex>;

export type EventsIndexName = keyof typeof EVENTS_INDEXES;

/** The indexes as a list, in a fixed order (for the stack, CreateTable and the cost script). */
export const EVENTS_INDEX_LIST: readonly EventsIndex[] = Object.values(EVENTS_INDEXES);

/**
 * The type as it appears in `typeTime`. Voucherify's types (`redemption.rollback.failed`) are kept as they are; a
 * missing type, or one with other characters, becomes `?`. Every kept character sorts after `$`, which the CLI relies
 * on to step from one type to the next within a partition.
 */
export function typeKey(type: string | undefined): string {
  return type !== undefined && /^[A-Za-z0-9_.-]{1,128}$/.test(type) ? type : OTHER_TYPE_KEY;
}

/** The index key attributes of an item, from the fields they are derived from. */
export function indexKeyAttributes(record: {
  readonly eventId: string;
  readonly status: string;
  readonly receivedAt: string;
  readonly type?: string;
}): Record<string, string> {
  const keys: Record<string, string> = {
    [INDEX_KEYS.receivedDay]: record.receivedAt.slice(0, 10),
    [INDEX_KEYS.typeTime]: `${typeKey(record.type)}#${record.receivedAt}#${record.eventId}`,
  };
  if (record.status === 'QUARANTINED') keys[INDEX_KEYS.quarantined] = QUARANTINED_PARTITION;
  return keys;
}
