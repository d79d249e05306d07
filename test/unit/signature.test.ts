import fc from 'fast-check';
import { sign, stripJsonWhitespace, verifySignature } from '../../functions/core/ingest/signature';
import { choicesFrom, reserialise } from '../../tools/json-variants';
import { sdkAccepts } from '../helpers/voucherify-sdk';

describe('sign', () => {
  // Test vectors from Voucherify's documentation and SDKs.
  it.each([
    ['secretKey', '{"a":1}', 'a17d2ac229d1ebbb5f10e839c7985c4818e5986eab297f7e5979196d4d7d3ed2'],
    ['secretKey', '{"a\\"b":1}', 'f7cf97814a03146abedb9793f56e1dec34f618f82d10395310d053f749483ffb'],
    ['secret-signature-key', '{"test":"test1"}', '5547d4d07430a2d1b77649564c68d80afe591f7cc61ca110bccb442e3205eeec'],
  ])('with key %s signs %s as the reference vector', (secret, body, expected) => {
    expect(sign(Buffer.from(body), secret)).toBe(expected);
  });
});

describe('verifySignature', () => {
  const body = Buffer.from('{"a":1}');
  const good = 'a17d2ac229d1ebbb5f10e839c7985c4818e5986eab297f7e5979196d4d7d3ed2';

  it('accepts the raw body signed with the secret', () => {
    expect(verifySignature(body, good, ['secretKey'])).toEqual({
      ok: true,
      form: 'raw',
      secretIndex: 0,
      signedBytes: body,
    });
  });

  it('accepts any of several active secrets (rotation) and reports which', () => {
    expect(verifySignature(body, good, ['old-secret', 'secretKey'])).toMatchObject({
      ok: true,
      form: 'raw',
      secretIndex: 1,
    });
  });

  it('accepts a pretty-printed body whose compact form was signed', () => {
    const pretty = Buffer.from('{\n  "a\\"b" : 1\n}\n');
    const verdict = verifySignature(pretty, 'f7cf97814a03146abedb9793f56e1dec34f618f82d10395310d053f749483ffb', [
      'secretKey',
    ]);
    expect(verdict).toEqual({
      ok: true,
      form: 'compact',
      secretIndex: 0,
      signedBytes: Buffer.from('{"a\\"b":1}'),
    });
  });

  it('accepts an uppercase hex signature and surrounding whitespace', () => {
    expect(verifySignature(body, ` ${good.toUpperCase()} `, ['secretKey']).ok).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['missing', ''],
    ['missing', '   '],
    ['malformed', good.slice(0, 63)],
    ['malformed', `${good}0`],
    ['malformed', `sha256=${good}`],
    ['malformed', good.replace('a', 'g')],
    ['mismatch', good.replace('a', 'b')],
    ['mismatch', sign(body, 'another-secret')],
  ])('rejects a %s signature (%s)', (reason, header) => {
    expect(verifySignature(body, header, ['secretKey'])).toEqual({ ok: false, reason });
  });

  it('rejects everything when no secret is configured', () => {
    expect(verifySignature(body, good, [])).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('does not accept a signature of a body with changed whitespace inside strings', () => {
    const signed = Buffer.from('{"a":"x y"}');
    const tampered = Buffer.from('{"a":"xy"}');
    expect(verifySignature(tampered, sign(signed, 'k'), ['k']).ok).toBe(false);
  });
});

describe('stripJsonWhitespace', () => {
  it.each([
    ['{ "a" : [ 1 , 2 ] }', '{"a":[1,2]}'],
    ['{"a b":"c\\" d"}', '{"a b":"c\\" d"}'],
    ['{"a":"\\\\"  , "b" : "\\\\\\" x"}', '{"a":"\\\\","b":"\\\\\\" x"}'],
    ['\r\n\t{"ü ñ":"日本 語"}\n', '{"ü ñ":"日本 語"}'],
  ])('compacts %j to %j', (input, expected) => {
    expect(stripJsonWhitespace(Buffer.from(input)).toString()).toBe(expected);
  });

  it('returns the same buffer when there is nothing to strip', () => {
    const compact = Buffer.from('{"a":1}');
    expect(stripJsonWhitespace(compact)).toBe(compact);
  });
});

describe('verifySignature accepts what the official SDK accepts (utils.webhooks.verifySignature, npm voucherify)', () => {
  const secret = 'sdk-secret';
  // What Voucherify signs: JSON.stringify of the event, which is also what the SDK recomputes from a parsed body.
  const event = {
    id: 'whs_1',
    event: { id: 'ev_1' },
    data: { customer: { name: 'Zoé Ωmega 😀' }, amount: 300, target_url: 'https://example.com/a/b', note: null },
  };
  const signed = JSON.stringify(event);
  const signature = sign(Buffer.from(signed), secret);

  /** Byte variants of the one signed delivery: the SDK's verdict on each is the expected verdict. */
  const variants: [string, string][] = [
    ['as signed', signed],
    ['escaped unicode (\\u00e9)', signed.replace('é', '\\u00e9')],
    ['escaped unicode, upper-case hex (\\u00E9)', signed.replace('é', '\\u00E9')],
    ['an escaped surrogate pair', signed.replace('😀', '\\ud83d\\ude00')],
    ['escaped slashes (\\/)', signed.replaceAll('/', '\\/')],
    ['300.0', signed.replace(':300', ':300.0')],
    ['3e2', signed.replace(':300', ':3e2')],
    ['pretty-printed', JSON.stringify(event, null, 2)],
    ['CRLF and tabs between tokens', signed.replaceAll(',', ',\r\n\t').replaceAll(':', ' : ')],
    ['whitespace inside a literal (nu<TAB>ll)', signed.replace('null', 'nu\tll')],
    ['whitespace inside a number (3 0 0)', signed.replace(':300', ':3 0 0')],
    ['whitespace inside a string', signed.replace('Zoé', 'Zo é')],
    ['a trailing comma', signed.replace('}}', '},}')],
  ];

  it.each(variants)('agrees with the SDK on a delivery %s', (_name, delivered) => {
    // Prepare
    const body = Buffer.from(delivered);
    const expected = sdkAccepts(body, signature, secret);

    // Act
    const verdict = verifySignature(body, signature, [secret]);

    // Assess
    expect(verdict.ok).toBe(expected);
  });

  it('has cases on both sides: the SDK accepts the re-serialised ones and refuses the ones that are not JSON', () => {
    const verdicts = Object.fromEntries(
      variants.map(([name, body]) => [name, sdkAccepts(Buffer.from(body), signature, secret)]),
    );
    expect(verdicts['escaped unicode (\\u00e9)']).toBe(true);
    expect(verdicts['300.0']).toBe(true);
    expect(verdicts['whitespace inside a number (3 0 0)']).toBe(false);
  });

  it('agrees with the SDK on any value written by any serialiser, and on one inserted whitespace anywhere', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 64 }),
        fc.nat(),
        fc.constantFrom(' ', '\t', '\n', '\r'),
        (value, seeds, at, space) => {
          const message = JSON.stringify(value);
          const header = sign(Buffer.from(message), secret);
          const rewritten = Buffer.from(reserialise(value, choicesFrom(seeds)));
          const position = at % (message.length + 1);
          const spaced = Buffer.from(`${message.slice(0, position)}${space}${message.slice(position)}`);

          for (const body of [rewritten, spaced])
            expect(verifySignature(body, header, [secret]).ok).toBe(sdkAccepts(body, header, secret));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a fallback match when the raw body does not parse, even though its compact form was signed', () => {
    const delivered = Buffer.from('{"a":nu\tll}');
    expect(verifySignature(delivered, sign(Buffer.from('{"a":null}'), secret), [secret])).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('accepts upper-case hex although the SDK compares lower-case only (documented in SECURITY.md)', () => {
    const body = Buffer.from(signed);
    expect(sdkAccepts(body, signature.toUpperCase(), secret)).toBe(false);
    expect(verifySignature(body, signature.toUpperCase(), [secret])).toMatchObject({ ok: true, form: 'raw' });
  });

  it('survives a body nested too deeply for JSON.stringify (no throw, a plain mismatch)', () => {
    const deep = Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(verifySignature(deep, sign(Buffer.from('[]'), secret), [secret])).toEqual({ ok: false, reason: 'mismatch' });
  });
});
