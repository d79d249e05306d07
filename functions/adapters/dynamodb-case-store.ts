import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { CaseSummary } from '../core/alerts/case-messages';
import type { Case, CaseFacts, CaseHistoryEntry, CaseNotice, CaseState } from '../core/alerts/cases';
import { type BurstWindow, type CaseList, type CaseStore, CaseStoreError } from '../core/alerts/ports';
import { EVENTS_INDEXES, EVENTS_TABLE, INDEX_KEYS } from './table';

/**
 * The key prefixes of the items cases use in the events table. Event ids are Voucherify's (`evnt_…`, `evrrf_…`) or
 * `sha256…` hashes, so they never start with these; IAM scopes the case calls to them (`dynamodb:LeadingKeys`).
 */
export const CASE_KEY_PREFIX = {
  case: 'case#',
  window: 'casewindow#',
  reminder: 'casereminder',
} as const;

/**
 * The attributes of a case item. The personal data an erasure must clear are `caseCustomerId`,
 * `caseCustomerSourceId`, `voucherCode`, `failureMessage` (Voucherify's text may quote the customer) and the notes in
 * `caseHistory` (docs/alerts.md). Named `caseCustomerId`, not `customerId`, because `customerId` keys the events'
 * byCustomer index, which a case must not enter.
 */
export const CASE_ATTRIBUTES = {
  key: 'caseKey',
  version: 'version',
  openedAt: 'openedAt',
  firstOpenedAt: 'firstOpenedAt',
  updatedAt: 'updatedAt',
  openings: 'openings',
  openingEventId: 'openingEventId',
  eventIds: 'eventIds',
  eventCount: 'eventCount',
  failureCode: 'failureCode',
  failureMessage: 'failureMessage',
  customerId: 'caseCustomerId',
  customerSourceId: 'caseCustomerSourceId',
  voucherCode: 'voucherCode',
  campaignId: 'campaignId',
  campaignName: 'campaignName',
  amount: 'amount',
  redemptionId: 'redemptionId',
  acknowledgedBy: 'acknowledgedBy',
  acknowledgedAt: 'acknowledgedAt',
  resolvedBy: 'resolvedBy',
  resolvedAt: 'resolvedAt',
  notice: 'notice',
  digestWindow: 'digestWindow',
  pendingAnnouncement: 'caseAnnounce',
  history: 'caseHistory',
  erasedAt: 'caseErasedAt',
  erasureId: 'caseErasureId',
} as const;

/** Window counters are kept a week after their window (TTL), long past any digest. */
const WINDOW_KEEP_SECONDS = 7 * 86_400;

const s = (value: string | undefined): AttributeValue | undefined => (value === undefined ? undefined : { S: value });
const n = (value: number | undefined): AttributeValue | undefined =>
  value === undefined ? undefined : { N: String(value) };

function str(item: Record<string, AttributeValue>, name: string): string | undefined {
  return item[name]?.S;
}
function num(item: Record<string, AttributeValue>, name: string): number | undefined {
  const text = item[name]?.N;
  return text === undefined ? undefined : Number(text);
}

const FACT_ATTRIBUTES: readonly [keyof CaseFacts, string][] = [
  ['failureCode', CASE_ATTRIBUTES.failureCode],
  ['failureMessage', CASE_ATTRIBUTES.failureMessage],
  ['customerId', CASE_ATTRIBUTES.customerId],
  ['customerSourceId', CASE_ATTRIBUTES.customerSourceId],
  ['voucherCode', CASE_ATTRIBUTES.voucherCode],
  ['campaignId', CASE_ATTRIBUTES.campaignId],
  ['campaignName', CASE_ATTRIBUTES.campaignName],
  ['redemptionId', CASE_ATTRIBUTES.redemptionId],
];

/** The item of a case (index keys derived here, as toItem does for events). */
export function caseToItem(c: Case): Record<string, AttributeValue> {
  const a = CASE_ATTRIBUTES;
  const values: Record<string, AttributeValue | undefined> = {
    [EVENTS_TABLE.partitionKey]: { S: `${CASE_KEY_PREFIX.case}${c.key}` },
    [INDEX_KEYS.caseState]: { S: c.state },
    [INDEX_KEYS.caseOpened]: { S: `${c.openedAt}#${c.key}` },
    [a.key]: { S: c.key },
    [a.version]: n(c.version),
    [a.openedAt]: s(c.openedAt),
    [a.firstOpenedAt]: s(c.firstOpenedAt),
    [a.updatedAt]: s(c.updatedAt),
    [a.openings]: n(c.openings),
    [a.openingEventId]: s(c.openingEventId),
    [a.eventIds]: { L: c.eventIds.map((id) => ({ S: id })) },
    [a.eventCount]: n(c.eventCount),
    [a.amount]: n(c.facts.amount),
    [a.acknowledgedBy]: s(c.acknowledgedBy),
    [a.acknowledgedAt]: s(c.acknowledgedAt),
    [a.resolvedBy]: s(c.resolvedBy),
    [a.resolvedAt]: s(c.resolvedAt),
    [a.notice]: c.notice ? { S: JSON.stringify(c.notice) } : undefined,
    [a.digestWindow]: c.notice?.via === 'digest' && c.notice.opening === c.openings ? s(c.notice.window) : undefined,
    [a.pendingAnnouncement]: s(c.pendingAnnouncement),
    [a.history]: { S: JSON.stringify(c.history) },
    [a.erasedAt]: s(c.erased?.at),
    [a.erasureId]: s(c.erased?.erasureId),
  };
  for (const [field, name] of FACT_ATTRIBUTES) values[name] = s(c.facts[field] as string | undefined);
  const item: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(values)) if (value !== undefined) item[name] = value;
  return item;
}

function factsOf(item: Record<string, AttributeValue>): CaseFacts {
  const facts: Record<string, string | number> = {};
  for (const [field, name] of FACT_ATTRIBUTES) {
    const value = str(item, name);
    if (value !== undefined) facts[field] = value;
  }
  const amount = num(item, CASE_ATTRIBUTES.amount);
  if (amount !== undefined) facts.amount = amount;
  return facts as CaseFacts;
}

function parseJson<T>(text: string | undefined, fallback: T): T {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** A case from its item (as GetItem returns it). */
export function caseFromItem(item: Record<string, AttributeValue>): Case {
  const a = CASE_ATTRIBUTES;
  const optional = (field: string, value: string | undefined) => (value === undefined ? {} : { [field]: value });
  const notice = parseJson<CaseNotice | undefined>(str(item, a.notice), undefined);
  const pending = str(item, a.pendingAnnouncement);
  return {
    key: str(item, a.key) ?? (str(item, EVENTS_TABLE.partitionKey) ?? '').slice(CASE_KEY_PREFIX.case.length),
    state: (str(item, INDEX_KEYS.caseState) ?? 'open') as CaseState,
    version: num(item, a.version) ?? 0,
    openedAt: str(item, a.openedAt) ?? '',
    firstOpenedAt: str(item, a.firstOpenedAt) ?? str(item, a.openedAt) ?? '',
    updatedAt: str(item, a.updatedAt) ?? '',
    openings: num(item, a.openings) ?? 1,
    openingEventId: str(item, a.openingEventId) ?? '',
    eventIds: (item[a.eventIds]?.L ?? []).map((v) => v.S ?? '').filter((id) => id !== ''),
    eventCount: num(item, a.eventCount) ?? 0,
    facts: factsOf(item),
    ...optional('acknowledgedBy', str(item, a.acknowledgedBy)),
    ...optional('acknowledgedAt', str(item, a.acknowledgedAt)),
    ...optional('resolvedBy', str(item, a.resolvedBy)),
    ...optional('resolvedAt', str(item, a.resolvedAt)),
    ...(notice ? { notice } : {}),
    ...(pending === 'acknowledged' || pending === 'resolved' ? { pendingAnnouncement: pending } : {}),
    history: parseJson<CaseHistoryEntry[]>(str(item, a.history), []),
    ...erasedOf(item),
  };
}

function erasedOf(item: Record<string, AttributeValue>): { erased?: { at: string; erasureId: string } } {
  const at = str(item, CASE_ATTRIBUTES.erasedAt);
  const erasureId = str(item, CASE_ATTRIBUTES.erasureId);
  return at && erasureId ? { erased: { at, erasureId } } : {};
}

/** A case summary from an entry of the `cases` index. */
export function summaryFromItem(item: Record<string, AttributeValue>): CaseSummary {
  const a = CASE_ATTRIBUTES;
  const facts = factsOf(item);
  const optional = (field: string, value: string | undefined) => (value === undefined ? {} : { [field]: value });
  return {
    key: str(item, a.key) ?? '',
    state: (str(item, INDEX_KEYS.caseState) ?? 'open') as CaseState,
    openedAt: str(item, a.openedAt) ?? '',
    openings: num(item, a.openings) ?? 1,
    eventCount: num(item, a.eventCount) ?? 0,
    ...optional('acknowledgedBy', str(item, a.acknowledgedBy)),
    ...optional('acknowledgedAt', str(item, a.acknowledgedAt)),
    ...optional('digestWindow', str(item, a.digestWindow)),
    facts,
  };
}

function conditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** The cases and their burst-window counters, in the events table (single-table: see docs/alerts.md). */
export class DynamoDbCaseStore implements CaseStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (cause) {
      throw new CaseStoreError(`could not ${what} in table ${this.tableName}`, { cause });
    }
  }

  async get(key: string): Promise<Case | undefined> {
    const { Item } = await this.call('read case', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [EVENTS_TABLE.partitionKey]: { S: `${CASE_KEY_PREFIX.case}${key}` } },
          // Consistent: a decision made on a stale case would be refused by the version check and retried anyway,
          // but reading the latest spares the retry.
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? caseFromItem(Item) : undefined;
  }

  async put(next: Case, expectedVersion: number): Promise<'written' | 'conflict'> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: caseToItem(next),
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(#pk)' : '#version = :expected',
          ExpressionAttributeNames:
            expectedVersion === 0 ? { '#pk': EVENTS_TABLE.partitionKey } : { '#version': CASE_ATTRIBUTES.version },
          ...(expectedVersion === 0
            ? {}
            : { ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } } }),
        }),
      );
      return 'written';
    } catch (error) {
      if (conditionFailed(error)) return 'conflict';
      throw new CaseStoreError(`could not write case ${next.key} in table ${this.tableName}`, { cause: error });
    }
  }

  private windowKey(window: string) {
    return { [EVENTS_TABLE.partitionKey]: { S: `${CASE_KEY_PREFIX.window}${window}` } };
  }

  private windowExpiry(window: string): string {
    return String(Math.floor(Date.parse(window) / 1000) + WINDOW_KEEP_SECONDS);
  }

  async claimAlertSlot(window: string, limit: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.windowKey(window),
          UpdateExpression: 'ADD #alerts :one SET #exp = if_not_exists(#exp, :exp)',
          ConditionExpression: 'attribute_not_exists(#alerts) OR #alerts < :limit',
          ExpressionAttributeNames: { '#alerts': 'alerts', '#exp': EVENTS_TABLE.ttlAttribute },
          ExpressionAttributeValues: {
            ':one': { N: '1' },
            ':limit': { N: String(limit) },
            ':exp': { N: this.windowExpiry(window) },
          },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw new CaseStoreError(`could not count an alert of window ${window} in table ${this.tableName}`, {
        cause: error,
      });
    }
  }

  async addToDigest(window: string): Promise<void> {
    await this.call(`count a digest case of window ${window}`, () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.windowKey(window),
          UpdateExpression: 'ADD #digest :one SET #exp = if_not_exists(#exp, :exp)',
          ExpressionAttributeNames: { '#digest': 'digestCases', '#exp': EVENTS_TABLE.ttlAttribute },
          ExpressionAttributeValues: { ':one': { N: '1' }, ':exp': { N: this.windowExpiry(window) } },
        }),
      ),
    );
  }

  async windows(starts: readonly string[]): Promise<BurstWindow[]> {
    const found: BurstWindow[] = [];
    // BatchGetItem takes at most 100 keys; the scheduled function asks for far fewer.
    for (let i = 0; i < starts.length; i += 100) {
      let keys: Record<string, AttributeValue>[] | undefined = starts.slice(i, i + 100).map((w) => this.windowKey(w));
      for (let attempt = 0; keys && keys.length > 0 && attempt < 5; attempt += 1) {
        const request: Record<string, AttributeValue>[] = keys;
        const answer = await this.call('read burst windows', () =>
          this.client.send(
            new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: request, ConsistentRead: true } } }),
          ),
        );
        for (const item of answer.Responses?.[this.tableName] ?? []) {
          found.push({
            start: (str(item, EVENTS_TABLE.partitionKey) ?? '').slice(CASE_KEY_PREFIX.window.length),
            alerts: num(item, 'alerts') ?? 0,
            digestCases: num(item, 'digestCases') ?? 0,
            ...(str(item, 'digestSentAt') ? { digestSentAt: str(item, 'digestSentAt') } : {}),
          });
        }
        keys = answer.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found.sort((x, y) => x.start.localeCompare(y.start));
  }

  async claimDigest(window: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.windowKey(window),
          UpdateExpression: 'SET #sent = :at',
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#sent)',
          ExpressionAttributeNames: { '#pk': EVENTS_TABLE.partitionKey, '#sent': 'digestSentAt' },
          ExpressionAttributeValues: { ':at': { S: at } },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw new CaseStoreError(`could not claim the digest of window ${window}`, { cause: error });
    }
  }

  async releaseDigest(window: string): Promise<void> {
    await this.call(`release the digest of window ${window}`, () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.windowKey(window),
          UpdateExpression: 'REMOVE #sent',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': EVENTS_TABLE.partitionKey, '#sent': 'digestSentAt' },
        }),
      ),
    );
  }

  async listByState(
    state: CaseState,
    query: { from?: string; to?: string; newestFirst?: boolean; limit?: number } = {},
  ): Promise<CaseList> {
    const index = EVENTS_INDEXES.cases;
    const limit = query.limit ?? 1000;
    const names: Record<string, string> = { '#state': index.partitionKey };
    const values: Record<string, AttributeValue> = { ':state': { S: state } };
    let range = '';
    // caseOpened is `<openedAt>#<key>`: '#' sorts before every digit, so `< to` and `>= from` compare the time.
    if (query.from !== undefined && query.to !== undefined) {
      range = ' AND #opened BETWEEN :from AND :to';
      values[':from'] = { S: query.from };
      values[':to'] = { S: query.to };
    } else if (query.to !== undefined) {
      range = ' AND #opened < :to';
      values[':to'] = { S: query.to };
    } else if (query.from !== undefined) {
      range = ' AND #opened >= :from';
      values[':from'] = { S: query.from };
    }
    if (range) names['#opened'] = index.sortKey;
    const cases: CaseSummary[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.call(`list ${state} cases`, () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: index.name,
            KeyConditionExpression: `#state = :state${range}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ScanIndexForward: !query.newestFirst,
            Limit: Math.min(limit - cases.length + 1, 1000),
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) cases.push(summaryFromItem(item));
      start = page.LastEvaluatedKey;
    } while (start && cases.length <= limit);
    // BETWEEN is inclusive; `to` is the end of a window, which belongs to the next one.
    const inRange =
      query.to !== undefined && query.from !== undefined
        ? cases.filter((c) => c.openedAt < (query.to as string))
        : cases;
    return {
      cases: inRange.slice(0, limit),
      more: inRange.length > limit || (start !== undefined && inRange.length >= limit),
    };
  }

  async claimReminder(at: string, notBefore: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [EVENTS_TABLE.partitionKey]: { S: CASE_KEY_PREFIX.reminder } },
          UpdateExpression: 'SET #previous = if_not_exists(#last, :at), #last = :at',
          ConditionExpression: 'attribute_not_exists(#last) OR #last <= :notBefore',
          ExpressionAttributeNames: { '#last': 'lastSentAt', '#previous': 'previousSentAt' },
          ExpressionAttributeValues: { ':at': { S: at }, ':notBefore': { S: notBefore } },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw new CaseStoreError('could not claim the reminder', { cause: error });
    }
  }

  async releaseReminder(at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [EVENTS_TABLE.partitionKey]: { S: CASE_KEY_PREFIX.reminder } },
          UpdateExpression: 'REMOVE #last',
          ConditionExpression: '#last = :at',
          ExpressionAttributeNames: { '#last': 'lastSentAt' },
          ExpressionAttributeValues: { ':at': { S: at } },
        }),
      );
    } catch (error) {
      if (conditionFailed(error)) return;
      throw new CaseStoreError('could not release the reminder', { cause: error });
    }
  }
}
