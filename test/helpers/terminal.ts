/** The oracle's check for a raw control character (tools/fuzz/printed.ts), independent of the neutraliser. */
export { rawControl } from '../../tools/fuzz/printed';

/** Hostile text of the kinds the issue lists: OSC 8 link, OSC 52 clipboard write, CSI clear, BEL, C1 CSI, bidi override. */
export const HOSTILE = {
  osc52: '\u001b]52;c;cHduZWQ=\u0007',
  osc8: '\u001b]8;;https://evil.example/\u001b\\REFUND-OK\u001b]8;;\u001b\\',
  clear: '\u001b[2J\u001b[H',
  c1: '\u009b31m',
  bidi: '\u202egnp.exe',
  lineForge: 'ok\r\nFAKE ROW\u0085',
} as const;
