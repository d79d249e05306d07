import { RECONCILE_SOURCE } from '../functions/core/shared/event-record';

/** The longest stretch of a window with no delivery in it. */
export interface Gap {
  readonly from: string;
  readonly to: string;
  readonly ms: number;
  /** The gap starts at the window's start (no delivery before it in the window) rather than at a delivery. */
  readonly fromWindowStart: boolean;
  /** The gap runs to the window's end (nothing delivered since) rather than to a delivery. */
  readonly toWindowEnd: boolean;
}

/**
 * Whether a stored event counts as a webhook delivery: everything but what `reconcile --import` stored (its id starts
 * with `api-reconcile:`, stored at import time, which would otherwise hide the very gap it filled).
 */
export const isDelivery = (eventId: string): boolean => !eventId.startsWith(`${RECONCILE_SOURCE}:`);

/**
 * The longest time without a delivery in [fromMs, toMs], the window's edges counting as ends of a gap, so a feed that
 * went quiet (or only started) shows too. Ties go to the earliest. Pure: the times may come in any order; times
 * outside the window are ignored. With no delivery at all, the whole window is the gap.
 */
export function longestGap(receivedAt: readonly string[], window: { fromMs: number; toMs: number }): Gap {
  const times = receivedAt
    .map((text) => Date.parse(text))
    .filter((ms) => Number.isFinite(ms) && ms >= window.fromMs && ms <= window.toMs)
    .sort((a, b) => a - b);
  const points = [window.fromMs, ...times, window.toMs];
  let best = 0;
  for (let i = 1; i < points.length - 1; i++) {
    if ((points[i + 1] as number) - (points[i] as number) > (points[best + 1] as number) - (points[best] as number))
      best = i;
  }
  const from = points[best] as number;
  const to = points[best + 1] as number;
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    ms: to - from,
    fromWindowStart: best === 0,
    toWindowEnd: best + 1 === points.length - 1,
  };
}

/** `2d 3h 05m`, `4h 00m`, `12m`, `40s`. */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.floor(ms / 1000)}s`;
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = String(minutes % 60).padStart(2, '0');
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  return `${minutes}m`;
}

/** The stats line: `Longest gap between deliveries: 2d 3h 05m (… .. …)`. */
export function gapText(gap: Gap): string {
  const from = gap.fromWindowStart ? `${gap.from} (window start)` : gap.from;
  const to = gap.toWindowEnd ? `${gap.to} (window end: nothing since)` : gap.to;
  return `Longest gap between deliveries: ${formatDuration(gap.ms)} (${from} .. ${to})`;
}
