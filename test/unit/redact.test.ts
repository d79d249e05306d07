/**
 * Erasure's redaction on every fixture: no personal value of the customer is left, what is not personal stays, the
 * body keeps the shape today's schemas judge (an accepted fixture is still valid), and redacting twice changes nothing.
 */

import { eraseEventRecord, redactBody } from '../../functions/core/erasure/erased-event';
import { customerKey, ERASED_MARKER, holdsPersonalData, redactPayload } from '../../functions/core/erasure/redact';
import { validateEvent } from '../../functions/core/ingest/validation';
import { decodeBody } from '../../functions/core/shared/body-codec';
import { buildEventRecord, extractFields } from '../../functions/core/shared/event-record';
import { compactBody, fixtureNames, loadFixture } from '../../tools/fixtures';

/** Every personal value the fixtures carry (names, emails, source ids, customer ids, metadata values, tracking ids). */
const PERSONAL = [
  'Jack Webhook',
  'Jane Doe',
  'Ola Nordmann',
  'jane@jane.io',
  'ola@example.no',
  'jck-wbhk',
  'cust_IdgAFZxYwwHctOk9pPuMu308',
  'cust_1g637SqVZnkdPNdAIZ7Ra879',
  'cust_M3mb3r00000000042',
  'cust_N3wC0st0m3r00001',
  'track_',
  '"region":"EMEA"',
];

describe.each(fixtureNames)('%s', (name) => {
  const original = loadFixture(name);
  const redacted = redactPayload(original);
  const text = JSON.stringify(redacted);

  it('keeps no personal value', () => {
    for (const value of PERSONAL) expect(text).not.toContain(value);
    expect(holdsPersonalData(redacted)).toBe(false);
  });

  it('keeps what is not personal: type, ids of the event, redemption, rollback, voucher, campaign, codes', () => {
    const before = extractFields(original);
    const after = extractFields(redacted);
    for (const field of [
      'type',
      'eventAt',
      'sendoutId',
      'projectId',
      'campaignId',
      'campaignName',
      'voucherCode',
      'promotionTierId',
      'redemptionId',
      'rollbackId',
      'failureCode',
      'failureMessage',
    ] as const)
      expect(after[field]).toEqual(before[field]);
    expect(after.customerSourceId ?? ERASED_MARKER).toBe(ERASED_MARKER);
  });

  it('passes or fails today’s schemas exactly as the original did', () => {
    expect(validateEvent(redacted).ok).toBe(validateEvent(original).ok);
  });

  it('is a fixed point: redacting again changes nothing', () => {
    expect(redactPayload(redacted)).toEqual(redacted);
  });
});

it('leaves merchant data that is not about the person (voucher and campaign metadata, order amounts)', () => {
  const body = {
    data: {
      voucher: { code: 'V-1', metadata: { batch: 'x' } },
      campaign: { name: 'Spring', metadata: { team: 'growth' } },
      redemption: {
        id: 'r_1',
        amount: 500,
        metadata: { phone: '+47 123' },
        order: { amount: 500, metadata: { a: 1 } },
      },
    },
  };
  expect(redactPayload(body)).toEqual({
    data: {
      voucher: { code: 'V-1', metadata: { batch: 'x' } },
      campaign: { name: 'Spring', metadata: { team: 'growth' } },
      redemption: { id: 'r_1', amount: 500, metadata: {}, order: { amount: 500, metadata: {} } },
    },
  });
});

it('erases a stored record: body re-encoded and readable, customer attributes gone, the mark set', () => {
  const raw = compactBody(loadFixture('redemption.rollback.failed'));
  const record = buildEventRecord({
    eventId: 'evrrf_1',
    status: 'ACCEPTED',
    rawBody: raw,
    parsed: JSON.parse(raw.toString('utf8')),
    receivedAtMs: 0,
    retentionDays: 1,
  });
  expect(record.customerId).toBe('cust_IdgAFZxYwwHctOk9pPuMu308');
  const { record: erased, removedFields, bodyChanged } = eraseEventRecord(record, { at: 'T', erasureId: 'er_1' });
  expect(removedFields).toEqual(['customerId', 'customerSourceId']);
  expect(bodyChanged).toBe(true);
  expect(erased.customerId).toBeUndefined();
  expect(erased.customerSourceId).toBeUndefined();
  expect(erased.erased).toEqual({ at: 'T', erasureId: 'er_1' });
  expect(erased.rollbackId).toBe(record.rollbackId);
  const body = decodeBody(erased.body, erased.bodyEncoding).toString('utf8');
  expect(body).not.toContain('Jack Webhook');
  expect(erased.bodyBytes).toBe(Buffer.byteLength(body));
  // A body that is not JSON cannot be sorted into personal and not: it is removed whole.
  expect(redactBody(Buffer.from('name=Jack Webhook')).raw.toString()).not.toContain('Jack');
});

it('files erasures under a hash of the customer id, never the id', () => {
  const key = customerKey('cust_IdgAFZxYwwHctOk9pPuMu308');
  expect(key).toMatch(/^[0-9a-f]{64}$/);
  expect(key).not.toBe(customerKey('cust_1g637SqVZnkdPNdAIZ7Ra879'));
});
