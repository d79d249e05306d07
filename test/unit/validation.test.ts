import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_INGEST_CONFIG } from '../../functions/core/ingest/ingest';
import { generateValidatorsSource } from '../../functions/core/ingest/schemas/compile';
import { validateEvent } from '../../functions/core/ingest/validation';
import { readEventId } from '../../functions/core/shared/event-record';
import { fixtureNames, loadFixture, setPath } from '../../tools/fixtures';

describe('the ahead-of-time validators', () => {
  it('are current: the committed generated module equals a fresh build of the schemas', () => {
    const committed = readFileSync(
      join(__dirname, '..', '..', 'functions', 'core', 'ingest', 'schemas', 'generated', 'validators.js'),
      'utf8',
    );
    // If this fails, run `npm run build:validators` and commit the result.
    expect(committed).toBe(generateValidatorsSource());
  });
});

describe('validateEvent accepts what Voucherify really sends', () => {
  it.each(fixtureNames)('fixture %s is valid', (name) => {
    expect(validateEvent(loadFixture(name))).toEqual({ ok: true });
  });

  it.each([
    ['the spec spelling "ROLLED BACK"', 'data.redemption.status', 'ROLLED BACK'],
    ['the wire spelling "ROLLED_BACK"', 'data.redemption.status', 'ROLLED_BACK'],
    ['a null customer', 'data.customer', null],
    ['a null redemption metadata', 'data.redemption.metadata', null],
    ['a null rollback metadata', 'data.redemption_rollback.metadata', null],
    ['referee_reward.amount as a string', 'data.campaign.referral_program.referee_reward.amount', '300'],
    ['an unknown extra field', 'data.voucher.some_future_field', { nested: [1, 'two'] }],
    ['an extra envelope field', 'webhook_version', 'v2024-01-01'],
    ['a missing event.entity_id', 'event.entity_id', undefined],
    ['a null event.group_id', 'event.group_id', null],
    ['a null voucher.active', 'data.voucher.active', null],
    ['a null order source_id', 'data.redemption.order.source_id', null],
  ])('a rollback failure with %s', (_what, path, value) => {
    const event = setPath(loadFixture('redemption.rollback.failed'), path, value);
    expect(validateEvent(event)).toEqual({ ok: true });
  });

  it('an unknown event type with any data object (envelope checked, data kept as sent)', () => {
    const event = loadFixture('voucher.published');
    event.type = 'campaign.vouchers.generation.completed';
    event.data = { anything: ['goes', 1, null] };
    expect(validateEvent(event)).toEqual({ ok: true });
  });
});

describe('validateEvent rejects wrong types on what the product relies on, with a pointer and a sentence', () => {
  it.each([
    ['redemption.failed', 'event.id', 42, '/event/id', 'must be string'],
    ['redemption.failed', 'event.id', '', '/event/id', 'must NOT have fewer than 1 characters'],
    ['redemption.failed', 'id', null, '/id', 'must be string'],
    ['redemption.failed', 'type', 'Redemption Failed!', '/type', 'must match pattern'],
    ['redemption.failed', 'created_at', 'yesterday', '/created_at', 'must be a date-time string'],
    ['redemption.failed', 'event.created_at', 1706789107, '/event/created_at', 'must be string or null'],
    ['redemption.failed', 'data', [], '/data', 'must be object'],
    ['redemption.failed', 'data.redemption', null, '/data/redemption', 'must be object'],
    ['redemption.failed', 'data.redemption.id', 7, '/data/redemption/id', 'must be string'],
    [
      'redemption.failed',
      'data.redemption.failure_code',
      ['x'],
      '/data/redemption/failure_code',
      'must be string or null',
    ],
    ['redemption.failed', 'data.redemption.date', '02/02/2024', '/data/redemption/date', 'must be a date-time string'],
    ['redemption.failed', 'data.customer.id', 12345, '/data/customer/id', 'must be string or null'],
    ['redemption.failed', 'data.customer.source_id', { id: 1 }, '/data/customer/source_id', 'must be string or null'],
    ['redemption.rollback.failed', 'data.redemption_rollback', null, '/data/redemption_rollback', 'must be object'],
    [
      'redemption.rollback.failed',
      'data.redemption_rollback.id',
      undefined,
      '/data/redemption_rollback',
      'is missing the required property "id"',
    ],
    [
      'redemption.rollback.failed',
      'data.redemption_rollback.failure_code',
      409,
      '/data/redemption_rollback/failure_code',
      'must be string or null',
    ],
    [
      'redemption.rollback.failed',
      'data.redemption_rollback.redemption',
      { id: 'r_1' },
      '/data/redemption_rollback/redemption',
      'must be string or null',
    ],
    ['redemption.rollback.failed', 'data.redemption.status', 'UNDONE', '/data/redemption/status', 'must be one of'],
    ['redemption.rollback.failed', 'data.voucher.code', 90873378, '/data/voucher/code', 'must be string or null'],
    ['redemption.rollback.failed', 'data.campaign.id', true, '/data/campaign/id', 'must be string or null'],
    [
      'redemption.rollback.failed',
      'data.redemption.order.amount',
      'ten',
      '/data/redemption/order/amount',
      'must be integer or null',
    ],
  ])('%s with %s = %j is invalid at %s', (fixture, path, value, pointer, message) => {
    const event = setPath(loadFixture(fixture), path, value);
    const result = validateEvent(event);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual(expect.arrayContaining([{ pointer, message: expect.stringContaining(message) }]));
  });

  it.each(['id', 'project_id', 'created_at', 'type', 'data', 'source', 'event'])(
    'an envelope without %s is invalid and says which property is missing',
    (key) => {
      const event = loadFixture('redemption.failed');
      delete event[key];
      expect(validateEvent(event)).toEqual({
        ok: false,
        issues: expect.arrayContaining([{ pointer: '/', message: `is missing the required property "${key}"` }]),
      });
    },
  );

  it('a body that is not an object is invalid', () => {
    expect(validateEvent([1, 2])).toEqual({ ok: false, issues: [{ pointer: '/', message: 'must be object' }] });
  });

  it('caps the number of reported issues', () => {
    const event = loadFixture('redemption.rollback.failed.promotion-tier');
    const items = (event.data.redemption as { order: { items: unknown[] } }).order.items;
    for (let i = 0; i < 40; i++) items.push({ quantity: 'many', price: 'free' });
    const result = validateEvent(event);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(21);
    expect(result.issues[20]).toEqual({ pointer: '/', message: 'and 60 more problems' });
  });
});

describe('validation under hostile but signed input', () => {
  const limit = DEFAULT_INGEST_CONFIG.maxBodyBytes;
  /** A rollback failure whose order holds as many copies of `item` as fit in maxBodyBytes (at most `max`). */
  function rollbackWithItems(item: unknown, max = Number.POSITIVE_INFINITY) {
    const event = loadFixture('redemption.rollback.failed');
    const room = limit - JSON.stringify(event).length - 64;
    const count = Math.min(max, Math.floor(room / (JSON.stringify(item).length + 1)));
    setPath(event, 'data.redemption_rollback.order', { id: 'ord_1', items: new Array(count).fill(item) });
    return { event, count };
  }
  const everyIntegerWrong = Object.fromEntries(
    ['quantity', 'discount_quantity', 'amount', 'discount_amount', 'applied_discount_amount', 'price'].map((k) => [
      k,
      '',
    ]),
  );

  it.each([
    ['zeros where items belong (the reported 60,000-item case, at the size limit)', 0, undefined, 1],
    ['10,000 items that each break one property', { price: '' }, 10_000, 10_000],
    ['items that each break every integer property', everyIntegerWrong, undefined, undefined],
  ])('answers %s within 1 s, with the first problems and a count of the rest', (_what, item, max, problems) => {
    // Prepare: the generated code used to concatenate the errors once per failing item (30 s for 100,000 zeros).
    const { event, count } = rollbackWithItems(item, max);
    expect(JSON.stringify(event).length).toBeLessThanOrEqual(limit);

    // Act
    const started = performance.now();
    const result = validateEvent(event);
    const elapsedMs = performance.now() - started;

    // Assess
    expect(elapsedMs).toBeLessThan(1000);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const total = problems ?? count * Object.keys(everyIntegerWrong).length;
    if (total === 1) {
      expect(result.issues).toEqual([
        { pointer: '/data/redemption_rollback/order/items', message: 'must NOT have more than 10000 items' },
      ]);
    } else {
      expect(result.issues).toHaveLength(21);
      expect(result.issues[0]?.pointer).toMatch(/^\/data\/redemption_rollback\/order\/items\/0\//);
      expect(result.issues[20]).toEqual({ pointer: '/', message: `and ${total - 20} more problems` });
    }
  });

  it('leaves no quadratic error concatenation in the generated validators', () => {
    expect(generateValidatorsSource()).not.toContain('.concat(');
  });

  it.each([
    ['a month 19, day 39, hour 29', '2026-19-39T29:59:59Z', false],
    ['30 February', '2024-02-30T10:00:00Z', false],
    ['29 February of a common year', '2023-02-29T10:00:00Z', false],
    ['minute 60', '2024-01-01T10:60:00Z', false],
    ['an offset of +24:00', '2024-01-01T10:00:00+24:00', false],
    ['no zone', '2024-01-01T10:00:00', false],
    ['a bare number', '1', false],
    ['29 February of a leap year', '2024-02-29T10:00:00.123Z', true],
    ['an offset', '2024-12-31T23:59:59+01:00', true],
  ])('date-time with %s (%s) valid: %p', (_what, value, valid) => {
    const event = setPath(loadFixture('redemption.rollback.failed'), 'data.redemption_rollback.date', value);

    const result = validateEvent(event);

    expect(result.ok).toBe(valid);
  });
});

describe('one event-id rule, in UTF-8 bytes, for the schema and the key', () => {
  it.each([
    ['256 ASCII characters', 'a'.repeat(256), true],
    ['257 ASCII characters', 'a'.repeat(257), false],
    ['128 é (256 bytes)', 'é'.repeat(128), true],
    ['129 é (258 bytes)', 'é'.repeat(129), false],
    ['64 emoji (256 bytes)', '😀'.repeat(64), true],
    ['65 emoji (260 bytes)', '😀'.repeat(65), false],
    ['200 emoji (800 bytes, 400 UTF-16 units, 200 code points)', '😀'.repeat(200), false],
    ['an empty string', '', false],
  ])('%s: usable %p by both', (_what, id, usable) => {
    const event = setPath(loadFixture('redemption.rollback.failed'), 'event.id', id);

    const result = validateEvent(event);
    const key = readEventId(event);

    expect(result.ok).toBe(usable);
    expect(key !== undefined).toBe(usable);
  });
});
