import { createHash } from 'node:crypto';
import { showInvisible } from '../shared/visible-text';
import type { Notice, NoticeKind } from './notice';

/**
 * A notice as Amazon Q Developer in chat applications (formerly AWS Chatbot) reads it from an SNS topic: its
 * "custom notification" event. The fields and which of them are required follow the vendor's documented event schema
 * (functions/core/alerts/chat-notification.schema.json says which facts come from where).
 */
export interface ChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    readonly enableCustomActions: false;
    readonly additionalContext: Readonly<Record<string, string>>;
  };
}

/**
 * Bounds of our own, not the vendor's: Amazon Q documents no length limits for custom notifications (only SNS's
 * 256 KiB per message applies). A Slack section's text is cut at 3,000 characters, so no field goes past that, and a
 * chat message people scan gets a one-line title and a handful of steps and labels.
 */
export const CHAT_LIMITS = {
  titleChars: 250,
  descriptionChars: 3_000,
  nextSteps: 8,
  nextStepChars: 300,
  keywords: 10,
  keywordChars: 50,
  threadIdChars: 128,
} as const;

/** Shown before the title, so the kind of a message is seen at a glance in a busy channel (emoji render in both apps). */
const KIND_MARK: Record<NoticeKind, string> = {
  alert: '🚨',
  digest: '📦',
  reminder: '⏰',
  acknowledged: '👀',
  resolved: '✅',
  reopened: '🔁',
};

/**
 * Characters that would let customer-controlled text act on the channel instead of being read in it, each replaced
 * by a look-alike that does nothing:
 * - `@` starts a mention in both apps (`@channel`, `@here`, `@everyone`, a user's name);
 * - `<` and `>` make Slack's control sequences (`<!channel>`, `<@U024BE7LH>`, `<https://x|text>`) and Teams' HTML
 *   (`<at>`), and `>` at a line start is a quote;
 * - a backtick opens a code span or block that can swallow the rest of the message;
 * - `[` and `]` make a markdown link whose visible text hides where it points.
 * Emphasis marks (`*`, `_`, `~`) are left alone: they can only style text, and voucher codes, campaign names and ids
 * are full of underscores that people copy from the message.
 */
const NEUTRAL: Readonly<Record<string, string>> = {
  '@': '＠',
  '<': '‹',
  '>': '›',
  '`': 'ˋ',
  '[': '⁅',
  ']': '⁆',
};
const ACTIVE = /[@<>`[\]]/g;

/** Control characters (C0 and C1): a chat client may drop the message or show boxes; a newline is kept separately. */
const CONTROL = /[\p{Cc}]/gu;

/** One line (or, with `multiline`, several) made inert, its spacing otherwise kept. */
function inert(text: string, multiline: boolean): string {
  const lines = showInvisible(text)
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(CONTROL, ' ').replace(ACTIVE, (c) => NEUTRAL[c] ?? c));
  return multiline ? lines.map((line) => line.trimEnd()).join('\n') : lines.join(' ').replace(/\s+/g, ' ');
}

/** Customer-controlled text made inert: invisible characters shown, controls removed, mention and markup neutralised. */
export function chatText(text: string, options: { multiline?: boolean } = {}): string {
  return inert(text, options.multiline ?? false).trim();
}

/**
 * A next step keeps its commands in backticks (the notice puts them there; they show as code a person can copy), with
 * the text inside and around them made inert like any other. An odd number of backticks means the pairs cannot be
 * trusted, so the whole line is made inert.
 */
function chatStep(step: string): string {
  const parts = step.split('`');
  if (parts.length % 2 === 0) return chatText(step);
  return parts
    .map((part) => inert(part, false))
    .join('`')
    .trim();
}

/** Cuts at `max` characters (code points, so no emoji is split), marking the cut. */
function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A cut that keeps an even number of backticks, so a step cut inside a command does not open a code span. */
function cutStep(text: string, max: number): string {
  const out = cut(text, max);
  return (out.match(/`/g)?.length ?? 0) % 2 === 0 ? out : out.replace(/`(?=[^`]*$)/, 'ˋ');
}

/** Amazon Q's `eventType` is what custom-action buttons match on; its documented pattern is letters, digits, `-`. */
function eventType(kind: NoticeKind): string {
  return `voucherify-rollback-${kind}`;
}

/**
 * The id of the rendered message: the same notice always gives the same id (a retried publish is recognisably the
 * same message), and two different notices of one thread differ.
 */
function notificationId(notice: Notice, threadId: string): string {
  const digest = createHash('sha256').update(JSON.stringify(notice)).digest('hex').slice(0, 16);
  return `${threadId}:${notice.kind}:${digest}`;
}

/**
 * Renders a notice as an Amazon Q Developer custom notification. Pure: the same notice gives the same JSON. Every
 * text field is treated as customer-controlled (the notice's own words are ours, but a title or description quotes
 * a customer's name, a campaign or a failure message), so nothing in it can mention, link or break out of the message.
 */
export function renderChatNotification(notice: Notice): ChatNotification {
  const threadId = cut(chatText(notice.threadId), CHAT_LIMITS.threadIdChars) || `voucherify-${notice.kind}`;
  const title = cut(`${KIND_MARK[notice.kind]} ${chatText(notice.title)}`, CHAT_LIMITS.titleChars);
  const description = cut(chatText(notice.description, { multiline: true }), CHAT_LIMITS.descriptionChars);
  const nextSteps = notice.nextSteps
    .map(chatStep)
    .filter((step) => step !== '')
    .slice(0, CHAT_LIMITS.nextSteps)
    .map((step) => cutStep(step, CHAT_LIMITS.nextStepChars));
  const keywords = [...new Set(notice.keywords.map((k) => cut(chatText(k), CHAT_LIMITS.keywordChars)))]
    .filter((keyword) => keyword !== '')
    .slice(0, CHAT_LIMITS.keywords);
  const additionalContext: Record<string, string> = { kind: notice.kind };
  if (notice.caseKey !== undefined) additionalContext.caseKey = cut(chatText(notice.caseKey), 256);
  return {
    version: '1.0',
    source: 'custom',
    id: notificationId(notice, threadId),
    content: {
      textType: 'client-markdown',
      title,
      // The vendor requires a description; a notice always has one, but an empty one must not make the message invalid.
      description: description === '' ? title : description,
      nextSteps,
      keywords,
    },
    metadata: {
      threadId,
      summary: title,
      eventType: eventType(notice.kind),
      // Buttons would let anyone in the channel run an action from the message; these messages only inform.
      enableCustomActions: false,
      additionalContext,
    },
  };
}

/** The SNS message body for a chat topic: the notification as JSON text. */
export function chatMessageBody(notice: Notice): string {
  return JSON.stringify(renderChatNotification(notice));
}
