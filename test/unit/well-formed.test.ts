import { toPublishInput } from '../../functions/adapters/sns-publisher';
import type { AlertMessage } from '../../functions/core/alerts/message';
import { isUsableEventId } from '../../functions/core/shared/event-id';
import { eventKey } from '../../functions/core/shared/event-record';
import { str } from '../../functions/core/shared/payload';
import { isWellFormedText, toWellFormedText } from '../../functions/core/shared/well-formed';

describe('the id rule (issue 21, item 7)', () => {
  it.each([
    ['a lone high surrogate', 'ev_\ud800'],
    ['a lone low surrogate', 'ev_\udc00'],
    ['U+FFFE', 'ev_\ufffe'],
    ['U+FFFF', 'ev_\uffff'],
  ])('an id with %s is not usable as a key', (_, id) => {
    expect(isUsableEventId(id)).toBe(false);
  });

  it('a surrogate pair (an emoji) is fine', () => {
    expect(isUsableEventId('ev_😀')).toBe(true);
    expect(isWellFormedText('😀')).toBe(true);
  });

  it('keys ids that differ only in a lone surrogate or a noncharacter apart, with well-formed keys', () => {
    const ids = ['ev_\ud800', 'ev_\ud801', 'ev_\udc00', 'ev_\ufffe', 'ev_\uffff', 'ev_\ufffd'];
    const keys = ids.map((id) => eventKey({ event: { id } }, Buffer.from('{}')));

    expect(new Set(keys).size).toBe(ids.length);
    expect(keys.filter((key) => !isWellFormedText(key))).toEqual([]);
  });

  it('lifts no searchable field that is not well-formed', () => {
    expect(str('CODE-\ud800')).toBeUndefined();
    expect(str('Name \uffff')).toBeUndefined();
    expect(str('CODE-😀')).toBe('CODE-😀');
  });
});

describe('what goes to SNS', () => {
  it('is well-formed whatever the alert took from a payload (the SDK throws on a lone surrogate)', () => {
    const message = {
      subject: 'Rollback failed: CODE-\ud800',
      messageJson: JSON.stringify({ default: 'x' }),
      attributes: { voucherCode: 'CODE-\ud800\uffff' },
    } as unknown as AlertMessage;

    const input = toPublishInput('arn:aws:sns:eu-west-1:123456789012:t', message);

    expect(input.Subject).toBe('Rollback failed: CODE-\ufffd');
    expect(input.MessageAttributes.voucherCode?.StringValue).toBe('CODE-\ufffd\ufffd');
    expect(() => encodeURIComponent(`${input.Subject}${input.Message}`)).not.toThrow();
    expect(toWellFormedText('a\ud83d\ude00b')).toBe('a😀b');
  });
});
