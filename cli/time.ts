import { UsageError } from './errors';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `30m`, `24h`, `7d`, `2w` as milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d{1,6})([mhdw])$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag} takes a duration like 30m, 24h, 7d or 2w; got "${text}"`);
  const value = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (value <= 0) throw new UsageError(`${flag} must be longer than zero; got "${text}"`);
  return value;
}

/**
 * An ISO date (`2026-11-22`, the start of that UTC day, or its end with `endOfDay`) or date-time
 * (`2026-11-22T10:00:00Z`; without a zone it is read as UTC, the zone everything is stored in).
 */
export function parseInstant(text: string, flag: string, { endOfDay = false } = {}): number {
  const value = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = Date.parse(`${value}T00:00:00.000Z`);
    if (Number.isNaN(start)) throw new UsageError(`${flag}: "${text}" is not a date`);
    return endOfDay ? start + UNIT_MS.d - 1 : start;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/.test(value)) {
    const withZone = /(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`;
    const ms = Date.parse(withZone);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(`${flag} takes a date (2026-11-22) or a UTC date-time (2026-11-22T10:00:00Z); got "${text}"`);
}

export interface Window {
  /** Inclusive, epoch ms. */
  readonly fromMs: number;
  /** Inclusive, epoch ms. */
  readonly toMs: number;
}

/** The longest window a query may span: the byDay index is read one day at a time. */
export const MAX_WINDOW_DAYS = 400;

/**
 * The time window from `--since` or `--from`/`--to` (they do not mix), or `fallbackMs` back from now. Undefined when
 * nothing was given and there is no fallback (replay --quarantined reads all).
 */
export function resolveWindow(
  flags: { since?: string; from?: string; to?: string },
  nowMs: number,
  fallbackMs: number | undefined,
): Window | undefined {
  if (flags.since !== undefined && (flags.from !== undefined || flags.to !== undefined))
    throw new UsageError('use either --since or --from/--to, not both');
  let window: Window | undefined;
  if (flags.since !== undefined) {
    window = { fromMs: nowMs - parseDuration(flags.since, '--since'), toMs: nowMs };
  } else if (flags.from !== undefined || flags.to !== undefined) {
    const toMs = flags.to === undefined ? nowMs : parseInstant(flags.to, '--to', { endOfDay: true });
    const fromMs = flags.from === undefined ? toMs - (fallbackMs ?? UNIT_MS.d * 7) : parseInstant(flags.from, '--from');
    window = { fromMs, toMs };
  } else if (fallbackMs !== undefined) {
    window = { fromMs: nowMs - fallbackMs, toMs: nowMs };
  }
  if (window) {
    if (window.fromMs > window.toMs) throw new UsageError('--from must not be after --to');
    if (window.toMs - window.fromMs > MAX_WINDOW_DAYS * UNIT_MS.d)
      throw new UsageError(`a window may span at most ${MAX_WINDOW_DAYS} days`);
  }
  return window;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** The UTC days a window touches, newest first (`2026-11-22`, `2026-11-21`, ...). */
export function daysDescending(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  const first = Date.parse(`${iso(fromMs).slice(0, 10)}T00:00:00.000Z`);
  for (let day = Date.parse(`${iso(toMs).slice(0, 10)}T00:00:00.000Z`); day >= first; day -= UNIT_MS.d)
    days.push(iso(day).slice(0, 10));
  return days;
}
