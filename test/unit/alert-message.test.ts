import fc from 'fast-check';
import { ALERT_KIND, type AlertFacts, addMonthsUtc } from '../../functions/core/alerts/facts';
import { buildAlertMessage } from '../../functions/core/alerts/message';
import { SUBJECT_MAX_LENGTH } from '../../functions/core/alerts/text';
import { type Envelope, loadFixture, setPath } from '../../tools/fixtures';
import { storedRecord } from '../helpers/stream-records';

const SECOND = 1000;

/** Builds the alert as the handler would a few seconds after the event arrived. */
function alertFor(
  envelope: Envelope,
  options: { status?: 'ACCEPTED' | 'QUARANTINED'; includeCustomerEmail?: boolean; now?: number } = {},
) {
  const eventAt = Date.parse(envelope.event.created_at as string);
  const record = storedRecord(envelope, {
    status: options.status ?? 'ACCEPTED',
    receivedAtMs: eventAt + SECOND,
    ...(options.status === 'QUARANTINED'
      ? { issues: [{ pointer: '/data/redemption_rollback/status', message: 'must be string' }] }
      : {}),
  });
  const message = buildAlertMessage({
    record,
    envelope,
    now: options.now ?? eventAt + 3 * SECOND,
    options: { includeCustomerEmail: options.includeCustomerEmail ?? false },
  });
  const parsed = JSON.parse(message.messageJson) as { default: string; email: string };
  return { message, parsed, json: JSON.parse(parsed.default) as AlertFacts };
}

describe('buildAlertMessage: the documented seed (already_rolled_back, voucher)', () => {
  // Prepare / Act once: every assertion below reads the same alert.
  const { message, parsed, json } = alertFor(loadFixture('redemption.rollback.failed'));

  it('names the failure and the voucher in the subject', () => {
    expect(message.subject).toBe('Rollback failed: already_rolled_back - Refer-gift-90873378');
  });

  it('is a MessageStructure=json message with a JSON default and a text email', () => {
    expect(Object.keys(parsed).sort()).toEqual(['default', 'email']);
    expect(parsed.email).toBe(message.emailText);
    expect(json).toEqual(message.facts);
    expect(json).toMatchObject({
      version: '1',
      kind: ALERT_KIND,
      eventId: 'evrrf_0e3ac8bf0a0531c400',
      eventType: 'redemption.rollback.failed',
      validated: true,
      bodyDecoded: true,
      failure: { code: 'already_rolled_back', message: 'Already rolled back' },
      rollback: { id: 'rrf_0e3ac8beeea431c302' },
      redemption: { id: 'r_0e3ab1f3fb99fee4b9', date: '2024-02-01T08:45:32.014Z', ageDays: 0 },
      customer: { id: 'cust_IdgAFZxYwwHctOk9pPuMu308', sourceId: 'jck-wbhk', name: 'Jack Webhook' },
      voucher: { code: 'Refer-gift-90873378' },
      campaign: { id: 'camp_QULf1Wzu4yvT3cJ3IzFp76nY', name: 'Refer-gift' },
      order: { id: 'ord_OPBS4bwowjzQ3odiMNk09WPL', status: 'PAID' },
      nextStep: { code: 'already_rolled_back' },
    });
  });

  it.each([
    ['failure code', 'Failure code: already_rolled_back'],
    ['failure message', 'Failure message: Already rolled back'],
    ['customer name', 'Name: Jack Webhook'],
    ['customer source id', 'Source id: jck-wbhk'],
    ['customer id', 'Id: cust_IdgAFZxYwwHctOk9pPuMu308'],
    ['voucher code', 'Voucher: Refer-gift-90873378 (DISCOUNT_VOUCHER)'],
    ['campaign', 'Campaign: Refer-gift (camp_QULf1Wzu4yvT3cJ3IzFp76nY)'],
    ['redemption id', 'Redemption id: r_0e3ab1f3fb99fee4b9'],
    ['redemption date and age', 'Redeemed: 2024-02-01T08:45:32.014Z, 0 days ago'],
    ['order', 'Order: ord_OPBS4bwowjzQ3odiMNk09WPL, PAID'],
    ['event id', 'Event id: evrrf_0e3ac8bf0a0531c400'],
    [
      'what to do next',
      'Nothing is left to undo in Voucherify: redemption r_0e3ab1f3fb99fee4b9 was already rolled back',
    ],
  ])('the email text shows the %s', (_, text) => {
    expect(message.emailText).toContain(text);
  });

  it('does not warn about the 3-month limit for a young redemption', () => {
    expect(message.emailText).not.toContain('WARNING');
    expect(json.redemption?.olderThanRollbackWindow).toBe(false);
  });

  it('carries the four filter attributes', () => {
    expect(message.attributes).toEqual({
      event_type: 'redemption.rollback.failed',
      failure_code: 'already_rolled_back',
      campaign: 'camp_QULf1Wzu4yvT3cJ3IzFp76nY',
      customer_id: 'cust_IdgAFZxYwwHctOk9pPuMu308',
    });
  });

  it('is deterministic for the same input', () => {
    expect(alertFor(loadFixture('redemption.rollback.failed')).message).toEqual(message);
  });
});

describe('buildAlertMessage: variants', () => {
  it('names the promotion tier when there is no voucher', () => {
    const { message, json } = alertFor(loadFixture('redemption.rollback.failed.promotion-tier'));

    expect(message.subject).toBe('Rollback failed: already_rolled_back - Winter sale 10% off orders over 100');
    expect(message.emailText).toContain('Promotion tier: Winter sale 10% off orders over 100 (promo_Wint3rS4l3Tier1)');
    expect(message.emailText).not.toContain('Voucher:');
    expect(message.emailText).toContain('Order: ord_Zk3pQ8vN2mL5xR7t, source id order-2024-0042, PAID');
    expect(json.voucher).toBeUndefined();
    expect(json.promotionTier).toEqual({ id: 'promo_Wint3rS4l3Tier1', name: 'Winter sale 10% off orders over 100' });
    expect(message.attributes.campaign).toBe('camp_W1nt3rS4l3C4mp41gn');
  });

  it('falls back to the promotion tier id when the tier has no name', () => {
    const envelope = loadFixture('redemption.rollback.failed.promotion-tier');
    setPath(envelope, 'data.promotion_tier.name', null);
    setPath(envelope, 'data.redemption_rollback.promotion_tier.name', null);

    expect(alertFor(envelope).message.subject).toBe('Rollback failed: already_rolled_back - promo_Wint3rS4l3Tier1');
  });

  it('warns when the redemption is older than 3 months and says a rollback is no longer possible', () => {
    const { message, json } = alertFor(loadFixture('redemption.rollback.failed.loyalty-card'));

    expect(json.redemption).toMatchObject({
      date: '2024-01-15T14:02:11.000Z',
      ageDays: 125,
      olderThanRollbackWindow: true,
      rollbackWindowEndedAt: '2024-04-15T14:02:11.000Z',
    });
    expect(message.emailText).toContain('Redeemed: 2024-01-15T14:02:11.000Z, 125 days ago');
    expect(message.emailText).toMatch(/WARNING: older than 3 months .*Voucherify cannot roll this redemption back/);
    expect(json.nextStep.code).toBe('rollback_window_closed');
    expect(message.subject).toBe('Rollback failed: invalid_redemption - LOYAL-7Q2K-9XPD');
  });

  it('takes the customer from the redemption when there is no top-level customer', () => {
    const { json, message } = alertFor(loadFixture('redemption.rollback.failed.loyalty-card'));

    expect(json.customer).toEqual({ id: 'cust_M3mb3r00000000042', sourceId: 'member-42', name: 'Ola Nordmann' });
    expect(message.attributes.customer_id).toBe('cust_M3mb3r00000000042');
  });

  it('leaves the customer email address out by default and puts it in only when configured', () => {
    const without = alertFor(loadFixture('redemption.rollback.failed.loyalty-card'));
    const withEmail = alertFor(loadFixture('redemption.rollback.failed.loyalty-card'), { includeCustomerEmail: true });

    expect(without.message.messageJson).not.toContain('ola@example.no');
    expect(without.json.customer).not.toHaveProperty('email');
    expect(withEmail.json.customer?.email).toBe('ola@example.no');
    expect(withEmail.message.emailText).toContain('Email: ola@example.no');
  });

  it('says so when the event has no customer, and leaves customer_id out of the attributes', () => {
    const envelope = loadFixture('redemption.rollback.failed');
    for (const path of ['data.customer', 'data.redemption.customer', 'data.redemption_rollback.customer'])
      setPath(envelope, path, null);
    for (const path of ['data.redemption.customer_id', 'data.redemption_rollback.customer_id', 'data.redemption.order'])
      setPath(envelope, path, null);

    const { message, json } = alertFor(envelope);

    expect(json.customer).toBeUndefined();
    expect(message.emailText).toContain('No customer in the event.');
    expect(message.attributes).not.toHaveProperty('customer_id');
    expect(message.attributes.failure_code).toBe('already_rolled_back');
  });

  it('flags a quarantined rollback failure as unvalidated in the subject, the text and the JSON', () => {
    const { message, json } = alertFor(loadFixture('redemption.rollback.failed'), { status: 'QUARANTINED' });

    expect(message.subject).toBe('[unvalidated] Rollback failed: already_rolled_back - Refer-gift-90873378');
    expect(message.emailText).toContain('[unvalidated');
    expect(message.emailText).toContain('Stored as: QUARANTINED');
    expect(message.emailText).toContain('/data/redemption_rollback/status: must be string');
    expect(json.validated).toBe(false);
    expect(json.validationIssues).toEqual([{ pointer: '/data/redemption_rollback/status', message: 'must be string' }]);
    expect(json.nextStep.text).toMatch(/QUARANTINED: confirm these details/);
  });

  it('only puts the attributes that are present', () => {
    const envelope = loadFixture('redemption.rollback.failed');
    setPath(envelope, 'data.redemption_rollback.failure_code', null);
    setPath(envelope, 'data.campaign', null);
    setPath(envelope, 'data.voucher.campaign_id', null);

    const { message } = alertFor(envelope);

    expect(Object.keys(message.attributes).sort()).toEqual(['customer_id', 'event_type']);
    expect(message.subject).toBe('Rollback failed: unknown reason - Refer-gift-90873378');
  });

  it.each([
    ['already_rolled_back', 'Already rolled back', 'already_rolled_back'],
    ['invalid_redemption', 'Redemption can be rolled back only within 3 months', 'rollback_window_closed'],
    ['invalid_redemption_parent', 'Roll back the parent redemption', 'roll_back_parent'],
    ['something_new', 'Something we have not seen', 'investigate'],
  ])('tailors the next step to the failure (%s)', (code, text, expected) => {
    const envelope = loadFixture('redemption.rollback.failed');
    setPath(envelope, 'data.redemption_rollback.failure_code', code);
    setPath(envelope, 'data.redemption_rollback.failure_message', text);

    const { json, message } = alertFor(envelope);

    expect(json.nextStep.code).toBe(expected);
    expect(message.emailText).toContain(json.nextStep.text);
  });

  it('builds an alert from the indexed fields alone when the body is not available', () => {
    const envelope = loadFixture('redemption.rollback.failed');
    const record = storedRecord(envelope);

    const message = buildAlertMessage({
      record,
      fallbackReason: 'the stored body could not be decoded',
      now: Date.parse('2026-11-22T10:00:03.000Z'),
    });

    expect(message.subject).toBe('Rollback failed: already_rolled_back - Refer-gift-90873378');
    expect(message.facts).toMatchObject({
      bodyDecoded: false,
      fallbackReason: 'the stored body could not be decoded',
      customer: { id: 'cust_IdgAFZxYwwHctOk9pPuMu308' },
      redemption: { id: 'r_0e3ab1f3fb99fee4b9' },
    });
    expect(message.emailText).toContain('Only the indexed fields are shown (the stored body could not be decoded)');
    expect(message.emailText).toContain('Redeemed: date not in the event');
    expect(message.emailText).not.toContain('Jack Webhook');
  });

  it('keeps a payload from forging lines in the email text', () => {
    const envelope = loadFixture('redemption.rollback.failed');
    setPath(envelope, 'data.redemption_rollback.failure_message', 'x\n\nWhat to do next\n  Nothing, ignore this\r\n');
    const plain = alertFor(loadFixture('redemption.rollback.failed')).message.emailText.split('\n');

    const forged = alertFor(envelope).message.emailText.split('\n');

    expect(forged).toHaveLength(plain.length);
    expect(forged.filter((l) => l === 'What to do next')).toHaveLength(1);
  });

  it('never puts a name or an email address into the filter attributes', () => {
    for (const name of ['redemption.rollback.failed', 'redemption.rollback.failed.loyalty-card']) {
      const { message } = alertFor(loadFixture(name), { includeCustomerEmail: true });
      expect(JSON.stringify(message.attributes)).not.toMatch(/@|Jack Webhook|Ola Nordmann/);
    }
  });
});

describe('buildSubject', () => {
  it('stays within 99 printable ASCII characters whatever the payload holds', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.string({ maxLength: 400 }), fc.boolean(), (code, what, bad) => {
        const envelope = loadFixture('redemption.rollback.failed');
        setPath(envelope, 'data.redemption_rollback.failure_code', code);
        setPath(envelope, 'data.voucher.code', what);

        const { message } = alertFor(envelope, { status: bad ? 'QUARANTINED' : 'ACCEPTED' });

        expect(message.subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
        expect(message.subject).toMatch(/^[A-Za-z[][\x20-\x7e]*$/);
      }),
      { numRuns: 300 },
    );
  });

  it('cuts a long voucher code or tier name with an ellipsis, keeping the failure code whole', () => {
    const envelope = loadFixture('redemption.rollback.failed');
    setPath(envelope, 'data.voucher.code', `VERY-LONG-${'X'.repeat(200)}`);

    const { subject } = alertFor(envelope).message;

    expect(subject).toHaveLength(SUBJECT_MAX_LENGTH);
    expect(subject.startsWith('Rollback failed: already_rolled_back - VERY-LONG-XXX')).toBe(true);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('folds accents and replaces other non-ASCII characters', () => {
    const envelope = loadFixture('redemption.rollback.failed.promotion-tier');
    setPath(envelope, 'data.promotion_tier.name', 'Été -20 % 🎉\nsoldes');

    expect(alertFor(envelope).message.subject).toBe('Rollback failed: already_rolled_back - Ete -20 % ? soldes');
  });
});

describe('addMonthsUtc: the 3-month rollback window', () => {
  it.each([
    ['2024-01-15T14:02:11.000Z', '2024-04-15T14:02:11.000Z'],
    ['2024-11-30T00:00:00.000Z', '2025-02-28T00:00:00.000Z'],
    ['2023-11-30T00:00:00.000Z', '2024-02-29T00:00:00.000Z'],
    ['2024-10-31T23:59:59.999Z', '2025-01-31T23:59:59.999Z'],
  ])('%s + 3 months = %s', (from, to) => {
    expect(new Date(addMonthsUtc(Date.parse(from), 3)).toISOString()).toBe(to);
  });

  it('is not yet closed one millisecond before the window ends, and closed at its end', () => {
    const envelope = loadFixture('redemption.rollback.failed.loyalty-card');
    const end = Date.parse('2024-04-15T14:02:11.000Z');

    expect(alertFor(envelope, { now: end - 1 }).json.redemption?.olderThanRollbackWindow).toBe(false);
    expect(alertFor(envelope, { now: end }).json.redemption?.olderThanRollbackWindow).toBe(true);
  });
});

describe('attributes are well-formed text (found by the faults suite)', () => {
  const attributesFor = (envelope: Envelope) =>
    buildAlertMessage({ record: storedRecord(envelope), envelope, now: Date.parse('2026-11-22T10:00:00.000Z') })
      .attributes;

  it('replaces a lone surrogate (a legal JSON escape) so the SDK can encode the attribute', () => {
    const attributes = attributesFor(
      setPath(loadFixture('redemption.rollback.failed'), 'data.customer.id', 'c_\ud800x'),
    );

    expect(attributes.customer_id).toBe('c_\ufffdx');
    expect(() => encodeURIComponent(attributes.customer_id ?? '')).not.toThrow();
  });

  it('does not leave half of a surrogate pair where a long id is cut', () => {
    const id = `${'a'.repeat(254)}\u{1F600}bb`;
    const attributes = attributesFor(setPath(loadFixture('redemption.rollback.failed'), 'data.campaign.id', id));

    expect(attributes.campaign).toBe(`${'a'.repeat(254)}\ufffd…`);
  });

  it('always gives URL-encodable values (property)', () => {
    const codeUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 300 });
    fc.assert(
      fc.property(codeUnits, (units) => {
        const value = String.fromCharCode(...units);
        const attributes = attributesFor(setPath(loadFixture('redemption.rollback.failed'), 'data.customer.id', value));
        for (const text of Object.values(attributes)) encodeURIComponent(text ?? '');
      }),
      { numRuns: 200 },
    );
  });
});

describe('hostile but signed text and dates in the alert', () => {
  /** Invisible characters that reorder or hide text: RLO, LRI/PDI isolates, zero-width space, ALM, BOM, a tag. */
  const INVISIBLE = ['\u202e', '\u2066', '\u2069', '\u200b', '\u061c', '\ufeff', '\u{e0041}'];
  const hasInvisible = (text: string) => /[\p{Cf}\p{Bidi_Control}]/u.test(text);

  it('shows every format and bidi control character of customer fields escaped, or strips it, in all alert text', () => {
    // Prepare
    const envelope = loadFixture('redemption.rollback.failed');
    const name = `Jack ${INVISIBLE.join('')}kcaJ`;
    setPath(envelope, 'data.customer.name', name);
    setPath(envelope, 'data.customer.id', `cust_\u202e1`);
    setPath(envelope, 'data.redemption_rollback.failure_code', 'code\u202e');
    setPath(envelope, 'data.redemption_rollback.failure_message', `Refund \u202e00.001 EUR`);
    setPath(envelope, 'data.voucher.code', `GIFT\u2067-1`);

    // Act
    const { message, parsed, json } = alertFor(envelope);

    // Assess: nothing invisible anywhere a person or a filter reads; the JSON still carries the exact values.
    expect(hasInvisible(message.subject)).toBe(false);
    expect(hasInvisible(message.emailText)).toBe(false);
    expect(hasInvisible(message.messageJson)).toBe(false);
    expect(hasInvisible(parsed.default)).toBe(false);
    for (const value of Object.values(message.attributes)) expect(hasInvisible(value as string)).toBe(false);
    expect(message.emailText).toContain('Refund <U+202E>00.001 EUR');
    expect(message.emailText).toContain('Jack <U+202E><U+2066><U+2069><U+200B><U+061C><U+FEFF><U+E0041>kcaJ');
    expect(message.subject).toBe('Rollback failed: code - GIFT-1');
    expect(json.customer?.name).toBe(name);
  });

  it.each(['1', '2024-19-39T29:59:59Z', '2024-02-30T10:00:00Z', 'yesterday'])(
    'says the 3-month window is unknown for a redemption date of %p, never "window closed"',
    (date) => {
      // Prepare: a quarantined rollback failure whose cause names no window.
      const envelope = loadFixture('redemption.rollback.failed');
      setPath(envelope, 'data.redemption.date', date);
      setPath(envelope, 'data.redemption_rollback.failure_code', 'something_new');
      setPath(envelope, 'data.redemption_rollback.failure_message', 'Something we have not seen');

      // Act
      const { json, message } = alertFor(envelope, { status: 'QUARANTINED', now: Date.parse('2026-11-22T10:00:00Z') });

      // Assess
      expect(json.nextStep.code).toBe('investigate');
      expect(json.redemption?.olderThanRollbackWindow).toBeUndefined();
      expect(json.redemption?.ageDays).toBeUndefined();
      expect(message.emailText).toContain(`Redeemed: ${date}, not a valid ISO 8601 time`);
      expect(message.emailText).toContain('rollback window has closed is unknown');
    },
  );
});
