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
