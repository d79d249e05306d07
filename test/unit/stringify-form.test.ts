import fc from 'fast-check';
import { jsonForms, stringifyForm } from '../../functions/core/ingest/stringify-form';
import { choicesFrom, reserialise } from '../../tools/json-variants';

/** What the official SDK hashes: JSON.stringify of the parsed body (undefined when it does not parse). */
function sdkForm(body: Buffer): string | undefined {
  try {
    return JSON.stringify(JSON.parse(body.toString('utf8')));
  } catch {
    return undefined;
  }
}

describe('stringifyForm', () => {
  it('is JSON.stringify(JSON.parse(body)) for any JSON value written any way (keys without array indexes)', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }).filter((v) => !JSON.stringify(v).match(/"\d+":/)),
        fc.array(fc.nat(), { minLength: 1, maxLength: 64 }),
        (value, seeds) => {
          const body = Buffer.from(reserialise(value, choicesFrom(seeds)), 'utf8');
          expect(stringifyForm(body)?.toString('utf8')).toBe(sdkForm(body));
        },
      ),
      { numRuns: 500 },
    );
  });

  it.each([
    ['-0', '0'],
    ['[1e400,-1e400]', '[null,null]'],
    ['1E2', '100'],
    ['[0.10,1.5e1,1e21,123456789012345678]', '[0.1,15,1e+21,123456789012345680]'],
    ['"\\u00e9\\/\\u00E9"', '"é/é"'],
    ['"\\ud800"', '"\\ud800"'],
    ['"\\uD83D\\uDE00"', '"😀"'],
    ['"\\ud83d\\ud83d\\ude00x"', '"\\ud83d😀x"'],
    ['"\\ude00\\ud83d"', '"\\ude00\\ud83d"'],
    ['"\\u0001\\u001F\\b\\t\\n\\f\\r\\"\\\\"', '"\\u0001\\u001f\\b\\t\\n\\f\\r\\"\\\\"'],
    ['{"1":0,"2":{"0":1,"a":2},"b":[ ]}', '{"1":0,"2":{"0":1,"a":2},"b":[]}'],
    ['{"a":1,"a":2}', '{"a":1,"a":2}'],
  ])('writes %s as %s', (input, expected) => {
    expect(stringifyForm(Buffer.from(input))?.toString('utf8')).toBe(expected);
  });

  it('reads invalid UTF-8 as U+FFFD, as JSON.parse of the decoded text does', () => {
    const body = Buffer.concat([Buffer.from('["a'), Buffer.from([0xff, 0xc3]), Buffer.from('\\n"]')]);
    expect(stringifyForm(body)?.toString('utf8')).toBe(sdkForm(body));
  });

  it.each([
    ['not JSON', '{"a":}'],
    ['a trailing comma', '[1,]'],
    ['two values', '1 2'],
    ['a bad escape', '"\\x"'],
    ['a raw control character in a string', '"a\u0001"'],
    ['an integer key after a named one (JSON.parse would move it)', '{"a":1,"1":2}'],
    ['integer keys out of order', '{"2":1,"1":2}'],
    ['an integer key twice (JSON.parse would merge them)', '{"1":1,"1":2}'],
    ['nothing', ''],
  ])('has no form for %s', (_, input) => {
    expect(stringifyForm(Buffer.from(input))).toBeUndefined();
  });

  it('takes any depth without recursion', () => {
    const depth = 200_000;
    const body = Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    expect(stringifyForm(body)?.length).toBe(body.length);
  });
});

describe('the cost of the stringify form is bounded (issue 21, item 8)', () => {
  it('gives the form up past one conversion per 32 bytes (plus 256), so a body of rewrites costs a few passes', () => {
    const dense = Buffer.from(`[${Array.from({ length: 20_000 }, () => '1.50').join(',')}]`);
    const sparse = Buffer.from(
      `[${Array.from({ length: 2_000 }, () => '"padding-padding-padding-padding",1.50').join(',')}]`,
    );

    expect(jsonForms(dense)).toEqual({ stringified: undefined });
    expect(jsonForms(sparse)?.stringified?.toString()).toBe(JSON.stringify(JSON.parse(sparse.toString())));
  });

  it('writes decimals in JSON.stringify spelling without converting them', () => {
    for (const token of ['1.50', '-0.0', '0.000', '300.0', '0.000001', '0.0000001', '-12.340', '123456789012345.0'])
      expect(stringifyForm(Buffer.from(token))?.toString()).toBe(JSON.stringify(JSON.parse(token)));
  });
});
