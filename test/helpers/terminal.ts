/**
 * What may not reach a terminal raw (the set functions/core/shared/visible-text.ts neutralises): controls (C0, DEL,
 * C1), format and bidi characters, line/paragraph separators, lone surrogates, U+FFFE/U+FFFF. Line feeds and tabs that
 * the printers write themselves are allowed. Written out again here, not imported, so a test of the neutraliser does
 * not pass by sharing its mistake.
 */
const RAW =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's purpose.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

/** The first character of `text` that would reach a terminal raw, as `U+XXXX` with its offset, or undefined. */
export function rawControl(text: string): string | undefined {
  const match = RAW.exec(text);
  if (!match) return undefined;
  const code = (match[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return `U+${code} at ${match.index}: …${JSON.stringify(text.slice(Math.max(0, match.index - 20), match.index + 20))}…`;
}

/** Hostile text of the kinds the issue lists: OSC 8 link, OSC 52 clipboard write, CSI clear, BEL, C1 CSI, bidi override. */
export const HOSTILE = {
  osc52: '\u001b]52;c;cHduZWQ=\u0007',
  osc8: '\u001b]8;;https://evil.example/\u001b\\REFUND-OK\u001b]8;;\u001b\\',
  clear: '\u001b[2J\u001b[H',
  c1: '\u009b31m',
  bidi: '\u202egnp.exe',
  lineForge: 'ok\r\nFAKE ROW\u0085',
} as const;
