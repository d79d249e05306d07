/**
 * Chat rendering: every kind of notice becomes an Amazon Q Developer custom notification that the vendor's documented
 * format accepts (checked with ajv against the schema written from it), threads by case, and carries no way for
 * customer-controlled text to mention, link or break the message.
 */
import Ajv from 'ajv';
import fc from 'fast-check';
import { CHAT_LIMITS, chatMessageBody, chatText, renderChatNotification } from '../../functions/core/alerts/chat';
import schema from '../../functions/core/alerts/chat-notification.schema.json';
import type { Notice, NoticeKind } from '../../functions/core/alerts/notice';

const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

function expectValid(value: unknown): void {
  const ok = validate(value);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

/** A control (C0, C1; a newline is allowed) or an invisible format character. */
const CONTROL_OR_INVISIBLE = /(?!\n)[\p{Cc}\p{Cf}]/u;

const KINDS: readonly NoticeKind[] = ['alert', 'digest', 'reminder', 'acknowledged', 'resolved', 'reopened'];

/** One notice of each kind, worded as the case path words them. */
const SAMPLES: Record<NoticeKind, Notice> = {
  alert: {
    kind: 'alert',
    caseKey: 'rr_0c1f6a3b7e',
    title: 'Rollback failed: 120 loyalty points owed to Jane Doe',
    description:
      'Redemption r_0a1b2c3d rolled back but Voucherify could not return the points.\n' +
      'Failure: insufficient_points - The card has fewer points than the rollback needs.\n' +
      'Customer: Jane Doe (cust_7Q2x, source id crm-991). Voucher LOYAL-2024-X, campaign Summer Loyalty.',
    nextSteps: [
      'Give the points back by hand in Voucherify',
      'Then run `npx voucherify-events resolve rr_0c1f6a3b7e --note "…"`',
    ],
    keywords: ['insufficient_points', 'Summer Loyalty', 'open'],
    threadId: 'case-rr_0c1f6a3b7e',
  },
  digest: {
    kind: 'digest',
    title: '31 more rollback failures in 15 minutes',
    description:
      'By failure code: insufficient_points 30, voucher_expired 1.\nBy campaign: Summer Loyalty 31.\nFirst: rr_01, rr_02, rr_03',
    nextSteps: ['List them all: `npx voucherify-events cases --open`'],
    keywords: ['digest', 'insufficient_points'],
    threadId: 'digest-2026-12-07T03:45Z',
  },
  reminder: {
    kind: 'reminder',
    title: '3 rollback failures open for more than 24 hours',
    description: 'Oldest first: rr_0c1f6a3b7e (2 days), rr_19 (30 hours), rr_20 (25 hours).',
    nextSteps: ['`npx voucherify-events cases --open`'],
    keywords: ['reminder'],
    threadId: 'reminder-2026-12-07',
  },
  acknowledged: {
    kind: 'acknowledged',
    caseKey: 'rr_0c1f6a3b7e',
    title: 'Acknowledged by alice: rr_0c1f6a3b7e',
    description: 'Note: looking at it',
    nextSteps: [],
    keywords: ['acknowledged'],
    threadId: 'case-rr_0c1f6a3b7e',
  },
  resolved: {
    kind: 'resolved',
    caseKey: 'rr_0c1f6a3b7e',
    title: 'Resolved by alice: rr_0c1f6a3b7e',
    description: 'Note: points given back by hand',
    nextSteps: [],
    keywords: ['resolved'],
    threadId: 'case-rr_0c1f6a3b7e',
  },
  reopened: {
    kind: 'reopened',
    caseKey: 'rr_0c1f6a3b7e',
    title: 'Reopened: rr_0c1f6a3b7e failed again',
    description: 'A new failure of a resolved case.',
    nextSteps: ['`npx voucherify-events show rr_0c1f6a3b7e`'],
    keywords: ['reopened'],
    threadId: 'case-rr_0c1f6a3b7e',
  },
};

describe('renderChatNotification', () => {
  it.each(KINDS)('renders a %s notice in the documented format', (kind) => {
    // Prepare
    const notice = SAMPLES[kind];
    // Act
    const rendered = JSON.parse(chatMessageBody(notice));
    // Assess
    expectValid(rendered);
    expect(rendered).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown' },
      metadata: { threadId: notice.threadId, eventType: `voucherify-rollback-${kind}`, enableCustomActions: false },
    });
    expect(rendered.content.title).toContain(notice.title);
    expect(rendered.metadata.additionalContext.kind).toBe(kind);
  });

  it('threads every message of one case together, and keeps digests and reminders in their own threads', () => {
    const threads = KINDS.map((kind) => renderChatNotification(SAMPLES[kind]).metadata.threadId);
    const ofCase = KINDS.filter((k) => SAMPLES[k].caseKey).map(
      (k) => renderChatNotification(SAMPLES[k]).metadata.threadId,
    );
    expect(new Set(ofCase)).toEqual(new Set(['case-rr_0c1f6a3b7e']));
    expect(new Set(threads).size).toBe(3);
  });

  it('keeps the commands of the next steps as code', () => {
    const rendered = renderChatNotification(SAMPLES.alert);
    expect(rendered.content.nextSteps[1]).toBe('Then run `npx voucherify-events resolve rr_0c1f6a3b7e --note "…"`');
  });

  it('gives the same notice the same id, and two notices of one case different ids', () => {
    expect(renderChatNotification(SAMPLES.alert).id).toBe(renderChatNotification({ ...SAMPLES.alert }).id);
    expect(renderChatNotification(SAMPLES.alert).id).not.toBe(renderChatNotification(SAMPLES.resolved).id);
  });

  it('stays valid with an empty description, no steps and no keywords', () => {
    const rendered = renderChatNotification({ ...SAMPLES.resolved, description: '  ', keywords: [], threadId: '' });
    expectValid(rendered);
    expect(rendered.content.description).toBe(rendered.content.title);
    expect(rendered.metadata.threadId).toBe('voucherify-resolved');
  });
});

describe('customer-controlled text in a chat message', () => {
  const hostile = [
    '@channel @here @everyone',
    '<!channel> <!here> <@U024BE7LH> <!subteam^SAZ94GDB8>',
    '<https://evil.example|click to refund>',
    '[refund here](https://evil.example)',
    '<at>Finance Team</at>',
    '```\nthe rest of the message is code',
    '> quoted',
    'bell\u0007 escape\u001b[31m nul\u0000 del\u007f c1\u0085',
    'right-to-left \u202Egnp.exe',
  ].join('\n');
  const notice: Notice = {
    ...SAMPLES.alert,
    title: `Rollback failed for ${hostile}`,
    description: `Customer: ${hostile}`,
    nextSteps: [`Call ${hostile}`, 'Run `npx voucherify-events show <!channel>`', 'odd ` backtick <@U1>'],
    keywords: [hostile, '@here'],
    threadId: `case-${hostile}`,
  };
  const rendered = renderChatNotification(notice);
  const texts = [
    rendered.content.title,
    rendered.content.description,
    ...rendered.content.nextSteps,
    ...rendered.content.keywords,
    rendered.metadata.threadId,
    rendered.metadata.summary,
  ];

  it('is still a valid notification', () => expectValid(rendered));

  it('can mention nobody and open no link, quote or HTML', () => {
    for (const text of texts) {
      expect(text).not.toMatch(/[@<>[\]]/);
    }
  });

  it('opens no code block: only the notice own commands keep their backticks, in pairs', () => {
    for (const text of texts) expect((text.match(/`/g) ?? []).length % 2).toBe(0);
    expect(rendered.content.description).not.toContain('`');
    expect(rendered.content.nextSteps[1]).toBe('Run `npx voucherify-events show ‹!channel›`');
    expect(rendered.content.nextSteps[2]).not.toContain('`');
  });

  it('carries no control character, and shows invisible ones', () => {
    for (const text of texts) expect(text).not.toMatch(CONTROL_OR_INVISIBLE);
    expect(rendered.content.description).toContain('<U+202E>'.replace('<', '‹').replace('>', '›'));
    expect(rendered.content.title).not.toContain('\n');
  });

  it('keeps what people copy: codes with underscores and emphasis marks stay as they are', () => {
    expect(chatText('LOYAL_2024*X~1')).toBe('LOYAL_2024*X~1');
  });

  it('holds for any text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ maxLength: 60 }), (text, thread) => {
        const out = renderChatNotification({
          ...SAMPLES.alert,
          title: text,
          description: text,
          nextSteps: [text, `\`${text}\``],
          keywords: [text],
          threadId: thread,
        });
        expect(validate(out)).toBe(true);
        for (const field of [
          out.content.title,
          out.content.description,
          ...out.content.keywords,
          ...out.content.nextSteps,
        ]) {
          expect(field).not.toMatch(/[@<>[\]]/);
          expect(field).not.toMatch(CONTROL_OR_INVISIBLE);
        }
        expect(Array.from(out.content.title).length).toBeLessThanOrEqual(CHAT_LIMITS.titleChars);
        expect(Array.from(out.content.description).length).toBeLessThanOrEqual(CHAT_LIMITS.descriptionChars);
      }),
    );
  });

  it('cuts long text at our limits and marks the cut', () => {
    const long = renderChatNotification({
      ...SAMPLES.digest,
      title: 'x'.repeat(1_000),
      description: 'y'.repeat(10_000),
      nextSteps: Array.from({ length: 20 }, (_, i) => `step ${i} \`${'z'.repeat(400)}\``),
      keywords: Array.from({ length: 20 }, (_, i) => `k${i}${'w'.repeat(80)}`),
    });
    expectValid(long);
    expect(Array.from(long.content.title)).toHaveLength(CHAT_LIMITS.titleChars);
    expect(long.content.title.endsWith('…')).toBe(true);
    expect(long.content.description).toHaveLength(CHAT_LIMITS.descriptionChars);
    expect(long.content.nextSteps).toHaveLength(CHAT_LIMITS.nextSteps);
    for (const step of long.content.nextSteps) {
      expect(step.length).toBeLessThanOrEqual(CHAT_LIMITS.nextStepChars);
      expect((step.match(/`/g) ?? []).length % 2).toBe(0);
    }
    expect(long.content.keywords).toHaveLength(CHAT_LIMITS.keywords);
  });
});

describe('the schema itself', () => {
  // A schema that accepts anything would make the tests above pass for nothing.
  it.each([
    ['no version', { source: 'custom', content: { description: 'd' } }],
    ['another version', { version: '2.0', source: 'custom', content: { description: 'd' } }],
    ['another source', { version: '1.0', source: 'aws.cloudwatch', content: { description: 'd' } }],
    ['no description', { version: '1.0', source: 'custom', content: { title: 't' } }],
    ['plain text type', { version: '1.0', source: 'custom', content: { textType: 'plain', description: 'd' } }],
    ['a typo', { version: '1.0', source: 'custom', content: { description: 'd', nextStep: ['x'] } }],
    [
      'a bad event type',
      { version: '1.0', source: 'custom', content: { description: 'd' }, metadata: { eventType: 'a b' } },
    ],
  ])('refuses %s', (_name, value) => {
    expect(validate(value)).toBe(false);
  });
});
