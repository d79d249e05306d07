/**
 * reconcile's pieces on their own: the SDK adapter's retries (against a local HTTP stand-in, the real SDK), reading
 * listed objects, matching, and the envelope an imported failure is validated and stored as.
 */
import { envelopeFor, findMissing, importedEventId, importFailure } from '../../cli/reconcile/importer';
import { matchKey } from '../../cli/reconcile/stored';
import {
  ApiCredentialsError,
  ApiUnavailableError,
  retryAfterMs,
  SdkFailuresSource,
  toApiFailure,
} from '../../cli/reconcile/voucherify-api';
import { validateEvent } from '../../functions/core/ingest/validation';
import { extractFields } from '../../functions/core/shared/event-record';
import { failedRedemption, failedRollback, startFakeVoucherifyApi } from '../helpers/fake-voucherify-api';
import { MemoryEventStore } from '../helpers/memory-store';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-22T12:00:00.000Z');
const WINDOW = { fromMs: NOW - 7 * DAY, toMs: NOW };

describe('SdkFailuresSource (the official SDK against a local stand-in)', () => {
  it('retries a 429 without Retry-After with a doubling back-off, then reads on', async () => {
    const api = await startFakeVoucherifyApi({
      objects: [failedRedemption('r_1', new Date(NOW - DAY).toISOString())],
      appId: 'a',
      secretKey: 's',
    });
    const waits: number[] = [];
    try {
      api.throttleOnce(1);
      const source = new SdkFailuresSource(
        { applicationId: 'a', secretKey: 's', apiUrl: api.url },
        {
          maxTries: 3,
          baseDelayMs: 250,
          maxDelayMs: 1_000,
          sleep: async (ms) => {
            waits.push(ms);
          },
        },
      );

      const listing = await source.listFailures(WINDOW);

      expect(listing).toMatchObject({ pages: 1, throttled: 1 });
      expect(listing.failures.map((f) => f.id)).toEqual(['r_1']);
      expect(waits).toEqual([250]);
    } finally {
      await api.stop();
    }
  });

  it('gives up after maxTries of 429 with ApiUnavailableError, having waited what Retry-After said', async () => {
    const api = await startFakeVoucherifyApi({ objects: [], appId: 'a', secretKey: 's' });
    const waits: number[] = [];
    try {
      // the stand-in throttles once per call: queue three
      const source = new SdkFailuresSource(
        { applicationId: 'a', secretKey: 's', apiUrl: api.url },
        {
          maxTries: 2,
          baseDelayMs: 10,
          maxDelayMs: 5_000,
          sleep: async (ms) => {
            waits.push(ms);
            api.throttleOnce(1, '3');
          },
        },
      );
      api.throttleOnce(1, '3');

      const listed = source.listFailures(WINDOW);

      await expect(listed).rejects.toThrow(ApiUnavailableError);
      await expect(listed).rejects.toThrow(/page 1, 2 tries; HTTP 429.*nothing was imported/);
      expect(waits).toEqual([3_000]);
    } finally {
      await api.stop();
    }
  });

  it('stops at once on 401 with ApiCredentialsError', async () => {
    const api = await startFakeVoucherifyApi({ objects: [], appId: 'a', secretKey: 's' });
    try {
      const source = new SdkFailuresSource({ applicationId: 'a', secretKey: 'bad', apiUrl: api.url });

      await expect(source.listFailures(WINDOW)).rejects.toThrow(ApiCredentialsError);
      expect(api.requests).toHaveLength(1);
    } finally {
      await api.stop();
    }
  });
});

describe("SdkFailuresSource does not trust the API's answer", () => {
  const NO_WAIT = { maxTries: 2, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} };
  const redemptions = (count: number, prefix = 'r_ok_') =>
    Array.from({ length: count }, (_, i) =>
      failedRedemption(`${prefix}${i}`, new Date(NOW - DAY + i * 60_000).toISOString()),
    );

  /** Lists WINDOW from a fake API holding `objects`, after `prepare` (page rewrites). */
  async function listing(
    objects: Parameters<typeof startFakeVoucherifyApi>[0]['objects'],
    prepare: (api: Awaited<ReturnType<typeof startFakeVoucherifyApi>>) => void = () => {},
    limits?: { maxPages: number; maxItems: number },
  ) {
    const api = await startFakeVoucherifyApi({ objects, appId: 'a', secretKey: 's' });
    try {
      prepare(api);
      const source = new SdkFailuresSource(
        { applicationId: 'a', secretKey: 's', apiUrl: api.url },
        NO_WAIT,
        () => NOW,
        ...(limits ? [limits] : []),
      );
      return { result: await source.listFailures(WINDOW), pagesAsked: api.requests.map((r) => r.query.get('page')) };
    } finally {
      await api.stop();
    }
  }

  it.each([
    ['an object instead of a list', (proper: Record<string, unknown>) => ({ ...proper, redemptions: { 0: 'x' } })],
    ['no redemptions at all', () => ({ object: 'list', total: 0 })],
    ['a string', () => 'Service temporarily unavailable'],
  ])('a page that is not a list (%s) makes the listing incomplete, never an empty page', async (_name, body) => {
    const { result } = await listing(redemptions(150), (api) => api.rewritePage(2, body));
    expect(result.incomplete).toMatch(/^page 2 is not a list of redemptions/);
    expect(result.failures).toHaveLength(100);
  });

  it('the page cap and the item cap make the listing incomplete', async () => {
    const pageCap = await listing(redemptions(250), () => {}, { maxPages: 2, maxItems: 1_000 });
    const itemCap = await listing(redemptions(250), () => {}, { maxPages: 100, maxItems: 100 });
    expect(pageCap.result.incomplete).toMatch(/after 2 pages \(the page cap\)/);
    expect(pageCap.pagesAsked).toEqual(['1', '2']);
    expect(itemCap.result.incomplete).toMatch(/after 100 listed items \(the item cap\)/);
  });

  it("a list that ends before the API's own total is incomplete; a total too small does not cut the list short", async () => {
    const short = await listing(redemptions(150), (api) => api.rewritePage(2, (proper) => ({ ...proper, total: 400 })));
    const small = await listing(redemptions(250), (api) => {
      for (const page of [1, 2, 3]) api.rewritePage(page, (proper) => ({ ...proper, total: 10 }));
    });
    expect(short.result.incomplete).toBe('the API said 400 failures but its list ended after 150');
    expect(small.result.incomplete).toBeUndefined();
    expect(small.result.failures).toHaveLength(250);
    expect(small.result.skipped).toEqual([]);
  });

  it('one bad item is reported and skipped, the rest are read', async () => {
    const date = new Date(NOW - DAY).toISOString();
    const bad = [
      { ...failedRedemption('r_bad_0', date), id: 42 },
      { ...failedRedemption('r_bad_1', date), id: `r_${'x'.repeat(300)}` },
      { ...failedRollback('rr_bad_2', 'r_parent', date), redemption: undefined },
      { ...failedRedemption('r_bad_3', date), date: new Date(NOW - DAY).toUTCString() },
      { ...failedRedemption('r_bad_4', date), failure_code: { code: 1 } },
    ];
    const { result } = await listing([...redemptions(3), ...bad]);
    expect(result.incomplete).toBeUndefined();
    expect(result.failures.map((f) => f.id).sort()).toEqual(['r_ok_0', 'r_ok_1', 'r_ok_2']);
    expect(result.skipped.map(({ id, reason }) => ({ id, reason }))).toEqual(
      expect.arrayContaining([
        { id: undefined, reason: '/id: must be string' },
        { id: `r_${'x'.repeat(300)}`, reason: 'its id cannot be an event id (the rule webhooks follow)' },
        { id: 'rr_bad_2', reason: "/: must have required property 'redemption'" },
        { id: 'r_bad_3', reason: '/date: must match format "date-time"' },
        { id: 'r_bad_4', reason: '/failure_code: must be string,null' },
      ]),
    );
    expect(result.skipped).toHaveLength(5);
  });
});

describe('reading and matching', () => {
  it('reads a failed rollback and a failed redemption, and skips successes and junk', () => {
    const rollback = toApiFailure(failedRollback('rr_1', 'r_9', '2026-11-20T10:00:00.000Z'));
    const redemption = toApiFailure(failedRedemption('r_2', '2026-11-20T11:00:00.000Z'));

    expect(rollback).toMatchObject({ type: 'redemption.rollback.failed', id: 'rr_1', redemptionId: 'r_9' });
    expect(redemption).toMatchObject({ type: 'redemption.failed', id: 'r_2', redemptionId: 'r_2' });
    expect(toApiFailure({ ...failedRedemption('r_3', '2026-11-20T11:00:00.000Z'), result: 'SUCCESS' })).toBeUndefined();
    expect(toApiFailure(null)).toBeUndefined();
    expect(toApiFailure({ result: 'FAILURE' })).toBeUndefined();
  });

  it('Retry-After in seconds or as an HTTP date', () => {
    const error = (value: string) => ({ cause: { response: { headers: { 'retry-after': value } } } });
    expect(retryAfterMs(error('2'), NOW)).toBe(2_000);
    expect(retryAfterMs(error(new Date(NOW + 5_000).toUTCString()), NOW)).toBe(5_000);
    expect(retryAfterMs({}, NOW)).toBeUndefined();
  });

  it('missing = listed but not stored under the same type and id, oldest first', () => {
    const a = toApiFailure(failedRedemption('r_a', '2026-11-21T00:00:00.000Z'))!;
    const b = toApiFailure(failedRollback('rr_b', 'r_a', '2026-11-20T00:00:00.000Z'))!;
    const c = toApiFailure(failedRedemption('r_c', '2026-11-19T00:00:00.000Z'))!;
    // a stored rollback rr_b would not cover a redemption with id rr_b: the type is part of the key
    const stored = new Set([matchKey('redemption.failed', 'r_a'), matchKey('redemption.failed', 'rr_b')]);

    expect(findMissing([a, b, c], stored).map((f) => f.id)).toEqual(['r_c', 'rr_b']);
  });
});

describe('importing', () => {
  it('builds an envelope that passes the webhook schema and lifts the same fields a delivery would', () => {
    const failure = toApiFailure(failedRollback('rr_1', 'r_9', '2026-11-20T10:00:00.000Z'))!;

    const envelope = envelopeFor(failure, NOW, undefined);

    expect(validateEvent(envelope)).toEqual({ ok: true });
    expect(extractFields(envelope)).toMatchObject({
      type: 'redemption.rollback.failed',
      rollbackId: 'rr_1',
      redemptionId: 'r_9',
      failureCode: 'already_rolled_back',
      voucherCode: 'Refer-gift-90873378',
      eventAt: '2026-11-20T10:00:00.000Z',
    });
    expect(envelope.source).toMatchObject({ object: 'api-reconcile' });
  });

  it('stores once under a key fixed by the API id, marked api-reconcile; again is "already imported"', async () => {
    const store = new MemoryEventStore();
    const failure = toApiFailure(failedRedemption('r_5', '2026-11-20T10:00:00.000Z'))!;
    const deps = { store, now: () => NOW, retentionDays: 30 };

    const first = await importFailure(failure, deps);
    const second = await importFailure(failure, deps);

    expect(first).toMatchObject({ action: 'imported', status: 'ACCEPTED', eventId: importedEventId(failure) });
    expect(second.action).toBe('already imported');
    const record = store.records.get(importedEventId(failure));
    expect(record).toMatchObject({ source: 'api-reconcile', redemptionId: 'r_5', status: 'ACCEPTED' });
  });

  it('an API object our schema refuses is stored QUARANTINED with the reasons, never dropped', async () => {
    const store = new MemoryEventStore();
    const failure = toApiFailure({ ...failedRedemption('r_6', '2026-11-20T10:00:00.000Z'), date: 'yesterday' })!;

    const result = await importFailure(failure, { store, now: () => NOW, retentionDays: 30 });

    expect(result.status).toBe('QUARANTINED');
    // the API's date becomes the event's created_at, which the envelope schema checks first
    expect(result.issues?.map((issue) => issue.pointer)).toContain('/event/created_at');
  });
});
