/**
 * The index key attributes the DynamoDB adapter derives from a record: what puts an event into which index, and the
 * sort order the CLI's paging relies on.
 */
import { toItem } from '../../functions/adapters/dynamodb-event-store';
import {
  EVENTS_INDEX_LIST,
  EVENTS_INDEXES,
  INDEX_KEYS,
  indexKeyAttributes,
  OTHER_TYPE_KEY,
  QUARANTINED_PARTITION,
  typeKey,
} from '../../functions/adapters/table';
import { buildEventRecord } from '../../functions/core/shared/event-record';
import { compactBody, loadFixture } from '../../tools/fixtures';

const RECEIVED = Date.parse('2026-11-22T23:59:59.999Z');

function record(name: string, status: 'ACCEPTED' | 'QUARANTINED' = 'ACCEPTED') {
  const envelope = loadFixture(name);
  return buildEventRecord({
    eventId: envelope.event.id,
    status,
    rawBody: compactBody(envelope),
    parsed: envelope,
    receivedAtMs: RECEIVED,
    retentionDays: 30,
    ...(status === 'QUARANTINED' ? { issues: [{ pointer: '/data', message: 'is wrong' }] } : {}),
  });
}

describe('index keys', () => {
  it('an accepted event with a customer is keyed for byDay and byCustomer, not for quarantined', () => {
    const item = toItem(record('redemption.rollback.failed'));
    expect(item[INDEX_KEYS.receivedDay]).toEqual({ S: '2026-11-22' });
    expect(item[INDEX_KEYS.typeTime]).toEqual({
      S: 'redemption.rollback.failed#2026-11-22T23:59:59.999Z#evrrf_0e3ac8bf0a0531c400',
    });
    expect(item[INDEX_KEYS.customerId]?.S).toMatch(/^cust_/);
    expect(item[INDEX_KEYS.quarantined]).toBeUndefined();
  });

  it('a quarantined event is keyed for the quarantined index; the day is the UTC day it was received', () => {
    const keys = indexKeyAttributes({
      eventId: 'ev1',
      status: 'QUARANTINED',
      receivedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(keys).toEqual({
      [INDEX_KEYS.receivedDay]: '2026-01-01',
      [INDEX_KEYS.typeTime]: `${OTHER_TYPE_KEY}#2026-01-01T00:00:00.000Z#ev1`,
      [INDEX_KEYS.quarantined]: QUARANTINED_PARTITION,
    });
  });

  it('an event without a customer stays out of byCustomer (sparse)', () => {
    const item = toItem(record('redemption.failed.nulls'));
    expect(item[EVENTS_INDEXES.byCustomer.partitionKey]).toBeUndefined();
    expect(item[EVENTS_INDEXES.byDay.partitionKey]).toBeDefined();
  });

  it.each([
    ['redemption.rollback.failed', 'redemption.rollback.failed'],
    ['voucher.published', 'voucher.published'],
    [undefined, OTHER_TYPE_KEY],
    ['', OTHER_TYPE_KEY],
    ['has space', OTHER_TYPE_KEY],
    ['a#b', OTHER_TYPE_KEY],
    ['x'.repeat(129), OTHER_TYPE_KEY],
  ])('typeKey(%j) is %j', (type, expected) => {
    expect(typeKey(type)).toBe(expected);
  });

  it('types never interleave: every key of a later type sorts above "<type>$", of an earlier one below "<type>#"', () => {
    // The CLI finds the next type in a partition by asking for the first sort key above `<type>$`.
    const types = ['redemption.failed', 'redemption.failed.x', 'redemption.failed_2', 'redemption.failedA', '?'];
    for (const a of types) {
      for (const b of types) {
        if (a === b) continue;
        const keyB = `${typeKey(b)}#2026-01-01T00:00:00.000Z#id`;
        if (b > a) expect(keyB > `${typeKey(a)}$`).toBe(true);
        else expect(keyB < `${typeKey(a)}#`).toBe(true);
      }
    }
  });

  it('every index keeps the listed attributes within one write unit for a real event', () => {
    const item = toItem(record('redemption.rollback.failed.promotion-tier'));
    for (const index of EVENTS_INDEX_LIST) {
      const names = ['pk', index.partitionKey, index.sortKey, ...index.projection.nonKeyAttributes];
      const bytes = names.reduce(
        (sum, name) => sum + (item[name]?.S ? Buffer.byteLength(name) + Buffer.byteLength(item[name].S) : 0),
        0,
      );
      expect(bytes).toBeLessThan(1024);
    }
  });
});
