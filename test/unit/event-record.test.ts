import { buildEventRecord, extractFields } from '../../functions/core/shared/event-record';
import { fixtureNames, loadFixture } from '../../tools/fixtures';

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
