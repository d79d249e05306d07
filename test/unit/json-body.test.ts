import fc from 'fast-check';
import { shapeBeyond } from '../../functions/core/ingest/json-body';

/**
 * The scan shapeBeyond runs when a body is large enough to break a limit, written out plainly: what the shortcut for
 * small bodies (counting brackets) must agree with on every body.
 */
function fullScan(body: Buffer, maxDepth: number, maxMembers: number) {
  const members: number[] = [];
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    if (inString) {
      if (byte === 0x5c) i++;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      if (members.length === maxDepth) return { problem: 'depth', offset: i };
      members.push(byte === 0x7b ? 0 : -1);
    } else if (byte === 0x5d || byte === 0x7d) members.pop();
    else if (byte === 0x2c && members.length > 0 && (members.at(-1) as number) >= 0) {
      const count = (members.at(-1) as number) + 1;
      members[members.length - 1] = count;
      if (count >= maxMembers) return { problem: 'members', offset: i };
    }
  }
  return undefined;
}

const body = (text: string) => Buffer.from(text);

describe('shapeBeyond', () => {
  it('finds nesting one level past the limit, and not at the limit', () => {
    expect(shapeBeyond(body('[[[1]]]'), 3, 100)).toBeUndefined();
    expect(shapeBeyond(body('[[[[1]]]]'), 3, 100)).toEqual({ problem: 'depth', offset: 3 });
    expect(shapeBeyond(body('{"a":{"b":[{}]}}'), 3, 100)).toEqual({ problem: 'depth', offset: 11 });
  });

  it('finds an object whose commas reach the limit, and not an array of as many items', () => {
    expect(shapeBeyond(body('{"a":1,"b":2}'), 10, 2)).toBeUndefined();
    expect(shapeBeyond(body('{"a":1,"b":2,"c":3}'), 10, 2)).toEqual({ problem: 'members', offset: 12 });
    expect(shapeBeyond(body('[1,2,3,4,5,6,7,8]'), 10, 2)).toBeUndefined();
  });

  it('does not count brackets inside strings, where the shortcut over-counts and the scan decides', () => {
    const text = `{"a":"${'['.repeat(20)}\\"${'{'.repeat(20)}"}`;
    expect(shapeBeyond(body(text), 3, 1_000)).toBeUndefined();
    expect(shapeBeyond(body(`[${text}]`), 1, 1_000)).toEqual({ problem: 'depth', offset: 1 });
  });

  it('agrees with the full scan on any body, small limits exercising both the shortcut and the scan', () => {
    const piece = fc.constantFrom('[', ']', '{', '}', ',', '"', '\\', 'a', ':', '1', ' ');
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 70 }),
        (pieces, maxDepth, maxMembers) => {
          const text = body(pieces.join(''));
          expect(shapeBeyond(text, maxDepth, maxMembers)).toEqual(fullScan(text, maxDepth, maxMembers));
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
