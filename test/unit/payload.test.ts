/** The defensive payload readers (functions/core/shared/payload.ts) that the event record and the alert facts share. */
import { clip, compact, first, int, obj, str } from '../../functions/core/shared/payload';

describe('payload readers', () => {
  it('obj: plain objects only', () => {
    expect(obj({ a: 1 })).toEqual({ a: 1 });
    expect(obj([1])).toBeUndefined();
    expect(obj(null)).toBeUndefined();
    expect(obj('x')).toBeUndefined();
  });

  it('str: a non-empty string within the limit, exactly as sent, or nothing', () => {
    expect(str('cust_1')).toBe('cust_1');
    expect(str(' ')).toBe(' ');
    expect(str('')).toBeUndefined();
    expect(str(42)).toBeUndefined();
    expect(str('x'.repeat(256))).toHaveLength(256);
    expect(str('x'.repeat(257))).toBeUndefined();
    expect(str('abcd', 3)).toBeUndefined();
  });

  it('clip: a non-blank string, cut to the limit with an ellipsis', () => {
    expect(clip('already_rolled_back')).toBe('already_rolled_back');
    expect(clip('  ')).toBeUndefined();
    expect(clip({})).toBeUndefined();
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abcd', 4)).toBe('abcd');
  });

  it('int: safe integers only', () => {
    expect(int(1500)).toBe(1500);
    expect(int(1.5)).toBeUndefined();
    expect(int(2 ** 60)).toBeUndefined();
    expect(int('15')).toBeUndefined();
  });

  it('first: the first value that is present', () => {
    expect(first(undefined, 'b', 'c')).toBe('b');
    expect(first<string>(undefined, undefined)).toBeUndefined();
  });

  it('compact: drops undefined values; an object left empty is undefined', () => {
    expect(compact({ a: 1, b: undefined, c: null })).toEqual({ a: 1, c: null });
    expect(Object.keys(compact({ a: 1, b: undefined }) ?? {})).toEqual(['a']);
    expect(compact({ a: undefined })).toBeUndefined();
  });
});
