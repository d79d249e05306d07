import { sign, stripJsonWhitespace, verifySignature } from '../../functions/core/signature';

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
    expect(verifySignature(body, good, ['secretKey'])).toEqual({ ok: true, form: 'raw', secretIndex: 0 });
  });

  it('accepts any of several active secrets (rotation) and reports which', () => {
    expect(verifySignature(body, good, ['old-secret', 'secretKey'])).toEqual({ ok: true, form: 'raw', secretIndex: 1 });
  });

  it('accepts a pretty-printed body whose compact form was signed', () => {
    const pretty = Buffer.from('{\n  "a\\"b" : 1\n}\n');
    const verdict = verifySignature(pretty, 'f7cf97814a03146abedb9793f56e1dec34f618f82d10395310d053f749483ffb', [
      'secretKey',
    ]);
    expect(verdict).toEqual({ ok: true, form: 'compact', secretIndex: 0 });
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
