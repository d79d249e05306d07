import { isStrictDateTime, parseStrictDateTime } from '../../functions/core/shared/date-time';

describe('isStrictDateTime: RFC 3339 with real calendar dates', () => {
  it.each([
    ['2026-11-22T10:15:30Z', true],
    ['2026-11-22T10:15:30.123+01:00', true],
    ['2026-11-22t10:15:30-0530', true],
    ['2024-02-29T00:00:00Z', true],
    ['2000-02-29T00:00:00Z', true],
    ['2026-12-31T23:59:60Z', true],
    ['2026-02-29T00:00:00Z', false],
    ['2100-02-29T00:00:00Z', false],
    ['2026-04-31T00:00:00Z', false],
    ['2026-19-39T29:59:59Z', false],
    ['2026-11-22T24:00:00Z', false],
    ['2026-11-22T10:15:30', false],
    ['2026-11-22', false],
    ['1', false],
    [`2026-11-22T10:15:30.${'1'.repeat(60)}Z`, false],
  ])('%s -> %s', (value, expected) => {
    expect(isStrictDateTime(value)).toBe(expected);
  });

  it('parses only what it accepts', () => {
    expect(parseStrictDateTime('2024-02-29T12:00:00Z')).toBe(Date.UTC(2024, 1, 29, 12));
    expect(parseStrictDateTime('2026-02-29T12:00:00Z')).toBeUndefined();
    expect(parseStrictDateTime(undefined)).toBeUndefined();
  });
});
