import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { BODY_DICTIONARY_V1, decodeBody, encodeBody, UnknownBodyEncodingError } from '../../functions/core/body-codec';
import { buildEventRecord, extractFields } from '../../functions/core/event-record';
import { compactBody, fixtureNames, loadFixture } from '../helpers/fixtures';

describe('extractFields', () => {
  it.each([
    [
      'redemption.failed',
      {
        customerId: 'cust_1g637SqVZnkdPNdAIZ7Ra879',
        customerSourceId: 'test_customer_id_2',
        redemptionId: 'rf_0e3ac5685ba431c104',
        failureCode: 'no_applicable_redeemables',
      },
    ],
    [
      'redemption.rollback.failed.promotion-tier',
      {
        promotionTierId: 'promo_Wint3rS4l3Tier1',
        campaignId: 'camp_W1nt3rS4l3C4mp41gn',
        redemptionId: 'r_0e3ab1f3fb99fee4b9',
        rollbackId: 'rrf_0e4b01a9ff2531d200',
        failureCode: 'already_rolled_back',
      },
    ],
    [
      'redemption.rollback.failed.loyalty-card',
      {
        customerId: 'cust_M3mb3r00000000042',
        customerSourceId: 'member-42',
        voucherCode: 'LOYAL-7Q2K-9XPD',
        campaignName: 'Members club',
        redemptionId: 'r_0d11aa22bb33cc44dd',
        failureCode: 'invalid_redemption',
      },
    ],
    [
      'redemption.failed.gift-card',
      { voucherCode: 'GIFT-50-AB12CD', campaignId: 'camp_G1ftC4rds2024xx', failureCode: 'gift_amount_exceeded' },
    ],
    [
      'voucher.published',
      { type: 'voucher.published', customerId: 'cust_N3wC0st0m3r00001', voucherCode: 'WELCOME-3FJ9' },
    ],
  ])('lifts the searchable fields of %s', (name, expected) => {
    expect(extractFields(loadFixture(name))).toMatchObject(expected);
  });

  it.each(fixtureNames)('%s: every lifted field is a short string, never a name or an email', (name) => {
    const fields = extractFields(loadFixture(name));
    for (const value of Object.values(fields)) {
      expect(typeof value).toBe('string');
      expect((value as string).length).toBeLessThanOrEqual(1024);
      expect(value).not.toMatch(/@|Jane Doe|Jack Webhook|Ola Nordmann/);
    }
  });

  it.each([null, 'text', 42, [], { event: 'x', data: [1] }, { data: { redemption: { id: { nested: 1 } } } }])(
    'reads an unvalidated payload (%j) without throwing and lifts nothing wrongly typed',
    (payload) => {
      const fields = extractFields(payload);
      for (const value of Object.values(fields)) expect(typeof value).toBe('string');
    },
  );
});

describe('body codec', () => {
  /** Every string in a fixture with the key it sits under, depth first. */
  const strings = (value: unknown, key = ''): [string, string][] =>
    typeof value === 'string'
      ? [[key, value]]
      : typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([k, v]) => strings(v, Array.isArray(value) ? key : k))
        : [];

  it.each(fixtureNames)('%s: compresses the compact body with the dictionary and restores the exact bytes', (name) => {
    const raw = compactBody(loadFixture(name));
    const encoded = encodeBody(raw);
    expect(encoded.encoding).toBe('deflate-raw+dict1');
    expect(encoded.bytes.length).toBeLessThan(raw.length / 2);
    expect(decodeBody(encoded.bytes, encoded.encoding).equals(raw)).toBe(true);
  });

  it('earns its dictionary: every fixture is smaller than plain deflate makes it, and a fifth smaller overall', () => {
    let withDictionary = 0;
    let without = 0;
    for (const name of fixtureNames) {
      const raw = compactBody(loadFixture(name));
      const plain = deflateRawSync(raw).length;
      const primed = encodeBody(raw).bytes.length;
      expect(primed).toBeLessThan(plain);
      withDictionary += primed;
      without += plain;
    }
    expect(withDictionary).toBeLessThan(without * 0.8);
  });

  it('does not learn from the samples: no id, code, name, date or failure text of a fixture is in the dictionary', () => {
    const dictionary = BODY_DICTIONARY_V1.toString('utf8');
    const sampleValues = fixtureNames
      .flatMap((name) => strings(loadFixture(name)))
      // Values, not vocabulary: ids, codes and dates (a digit), free text (lowercase words), every failure code.
      .filter(([key, value]) => key === 'failure_code' || (value.length >= 6 && /\d|[a-z] [a-z]/i.test(value)))
      .filter(([, value]) => /\d|[a-z]/.test(value))
      .map(([, value]) => value);
    expect(sampleValues.length).toBeGreaterThan(50);
    for (const value of sampleValues) expect(dictionary.includes(value)).toBe(false);
  });

  it('keeps the dictionary of deflate-raw+dict1 frozen, since stored items need its exact bytes', () => {
    const digest = createHash('sha256').update(BODY_DICTIONARY_V1).digest('hex');
    expect(digest).toBe('f78070c3226cd2d6cb493cbdc6cd89034b721de94d61b314c84861cd7c91cb36');
  });

  it('still reads bodies stored before the dictionary (deflate-raw)', () => {
    const raw = compactBody(loadFixture('redemption.rollback.failed'));
    expect(decodeBody(deflateRawSync(raw), 'deflate-raw').equals(raw)).toBe(true);
  });

  it('cannot read a dictionary body as plain deflate, so the tag matters', () => {
    const raw = compactBody(loadFixture('redemption.failed'));
    const encoded = encodeBody(raw);
    expect(() => decodeBody(encoded.bytes, 'deflate-raw').equals(raw)).toThrow();
  });

  it('keeps bodies that do not compress as they are', () => {
    const raw = Buffer.from('{}');
    expect(encodeBody(raw)).toEqual({ bytes: raw, encoding: 'identity' });
  });

  it('refuses an unknown encoding with a named error', () => {
    expect(() => decodeBody(Buffer.from('x'), 'zstd')).toThrow(UnknownBodyEncodingError);
    expect(() => decodeBody(Buffer.from('x'), 'zstd')).toThrow('unknown body encoding "zstd"');
  });
});

describe('buildEventRecord', () => {
  it('keeps the validation issues of a quarantined event', () => {
    const record = buildEventRecord({
      eventId: 'sha256:00',
      status: 'QUARANTINED',
      rawBody: Buffer.from('not json'),
      parsed: undefined,
      receivedAtMs: 0,
      retentionDays: 30,
      issues: [{ pointer: '/', message: 'the body is not valid JSON' }],
    });
    expect(record).toMatchObject({ status: 'QUARANTINED', expiresAt: 30 * 86_400, issues: [{ pointer: '/' }] });
    expect(record.type).toBeUndefined();
  });
});
