/** The one neutraliser (functions/core/shared/visible-text.ts): what it shows, what it keeps, JSON that stays JSON. */
import { showText } from '../../cli/format';
import { buildEventRecord } from '../../functions/core/shared/event-record';
import { terminalJson, terminalSafe } from '../../functions/core/shared/visible-text';
import { HOSTILE, rawControl } from '../helpers/terminal';

describe('terminalSafe', () => {
  it.each(Object.entries(HOSTILE))('%s: shown as <U+XXXX>, nothing raw', (_name, text) => {
    const safe = terminalSafe(text);
    expect(rawControl(safe)).toBeUndefined();
    expect(safe).toMatch(/<U\+[0-9A-F]{4}>/);
  });

  it('every C0, DEL and C1 control, format and bidi character, separator, lone surrogate and U+FFFE/FFFF', () => {
    const all = [
      ...Array.from({ length: 0x20 }, (_, i) => i),
      ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
      0xad,
      0x61c,
      0x200b,
      0x200e,
      0x200f,
      0x2028,
      0x2029,
      0x202a,
      0x202e,
      0x2066,
      0x2069,
      0xfeff,
      0xfffe,
      0xffff,
      0xd800,
      0xdfff,
    ].map((code) => String.fromCharCode(code));
    // One apart from the next: D800 then DFFF would be a pair, not two lone surrogates.
    const safe = terminalSafe(all.join('x'));
    expect(rawControl(safe)).toBeUndefined();
    expect(safe.match(/<U\+[0-9A-F]{4}>/g)).toHaveLength(all.length);
    expect(terminalSafe('\u0009\u000a', { lines: true })).toBe('\t\n');
    expect(terminalSafe('\r\u001b', { lines: true })).toBe('<U+000D><U+001B>');
  });

  it('leaves printable text alone, emoji and accents included', () => {
    const text = 'Zażółć gęślą jaźń 😀 €100 <b>';
    expect(terminalSafe(text)).toBe(text);
  });
});

describe('terminalJson', () => {
  it('the same value, every unsafe character escaped, the layout kept', () => {
    const value = { id: `${HOSTILE.osc52}${HOSTILE.c1}${HOSTILE.bidi}\ud800\u2028`, n: [1, { x: HOSTILE.lineForge }] };
    const json = terminalJson(value, 2);
    expect(rawControl(json)).toBeUndefined();
    expect(JSON.parse(json)).toEqual(value);
    expect(json).toContain('\\u009b31m');
    expect(json.split('\n').length).toBe(JSON.stringify(value, null, 2).split('\n').length);
  });
});

describe('show of a body nested too deep to stringify again (found by the fuzz)', () => {
  it('prints the body as received instead of failing with a RangeError', () => {
    const text = `{"data":${'['.repeat(20_000)}${']'.repeat(20_000)},"x":"\\u001b[2J"}`;
    const record = buildEventRecord({
      eventId: 'evt_deep',
      status: 'QUARANTINED',
      rawBody: Buffer.from(text),
      parsed: JSON.parse(text),
      receivedAtMs: Date.parse('2026-11-22T10:00:00.000Z'),
      retentionDays: 1,
    });

    const shown = showText({ record }, { json: JSON.parse(text), text });

    expect(shown).toContain('[[[[');
    expect(shown).toContain('"x":"\\u001b[2J"');
  });
});
