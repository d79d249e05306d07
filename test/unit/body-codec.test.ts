import { createHash, randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import {
  BODY_DICTIONARY_V1,
  decodeBody,
  encodeBody,
  UnknownBodyEncodingError,
} from '../../functions/core/shared/body-codec';
import { compactBody, fixtureNames, loadFixture } from '../../tools/fixtures';

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

  it('writes the same bytes as deflate with its full 32 KB window, for bodies of every size (smaller windows only save CPU)', () => {
    const fullWindow = (raw: Buffer) => deflateRawSync(raw, { dictionary: BODY_DICTIONARY_V1 });
    const seeds = fixtureNames.map((name) => compactBody(loadFixture(name)));
    // Repeated fixtures cross every window size the codec picks (8, 16, 32 KB) and the 16 KB output buffer.
    const bodies = fc.tuple(fc.constantFrom(...seeds), fc.integer({ min: 0, max: 60_000 }), fc.boolean());
    fc.assert(
      fc.property(bodies, ([seed, length, noisy]) => {
        let raw = Buffer.alloc(length);
        for (let at = 0; at < length; at += seed.length) seed.copy(raw, at);
        if (noisy) raw = Buffer.concat([raw, randomBytes(length >> 3)]);
        const encoded = encodeBody(raw);
        expect(decodeBody(encoded.bytes, encoded.encoding).equals(raw)).toBe(true);
        if (encoded.encoding === 'deflate-raw+dict1') expect(encoded.bytes.equals(fullWindow(raw))).toBe(true);
        else expect(fullWindow(raw).length).toBeGreaterThanOrEqual(raw.length);
      }),
      { numRuns: 300 },
    );
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
