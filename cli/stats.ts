import { type Gap, isDelivery, longestGap } from './gap';
import type { EventSummary } from './repository';
import { iso, type Window } from './time';

export interface EventStats {
  readonly window: Window;
  readonly total: number;
  readonly byStatus: ReadonlyMap<string, number>;
  /** type -> status -> count. */
  readonly byType: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Events that report a failure (a failure code), by code. */
  readonly byFailureCode: ReadonlyMap<string, number>;
  readonly failures: number;
  readonly topCampaigns: readonly { readonly campaign: string; readonly name?: string; readonly count: number }[];
  readonly topVouchers: readonly { readonly voucher: string; readonly count: number }[];
  /** The longest time in the window without a webhook delivery (see cli/gap.ts). */
  readonly longestGap: Gap;
}

/**
 * Counts events for `stats`: no I/O, so the repository streams summaries in and nothing is held but the counters
 * and the delivery times the longest gap needs (one short string per event). Summaries received outside the window are skipped: a day partition read for the
 * first and last day of the window holds events before and after it.
 */
export class StatsCounter {
  private readonly from: string;
  private readonly to: string;
  // Maps, never plain objects: the keys are webhook text, and a type `__proto__` or a failure code `constructor`
  // would read and write the object's prototype instead of a count.
  private readonly byStatus = new Map<string, number>();
  private readonly byType = new Map<string, Map<string, number>>();
  private readonly byFailureCode = new Map<string, number>();
  private readonly campaigns = new Map<string, { name?: string; count: number }>();
  private readonly vouchers = new Map<string, number>();
  private total = 0;
  private failures = 0;
  private readonly deliveredAt: string[] = [];

  constructor(private readonly window: Window) {
    this.from = iso(window.fromMs);
    this.to = iso(window.toMs);
  }

  add(summary: EventSummary): void {
    if (summary.receivedAt < this.from || summary.receivedAt > this.to) return;
    this.total += 1;
    if (isDelivery(summary.eventId)) this.deliveredAt.push(summary.receivedAt);
    const type = summary.type ?? '(none)';
    increment(this.byStatus, summary.status);
    const statuses = this.byType.get(type) ?? new Map<string, number>();
    this.byType.set(type, statuses);
    increment(statuses, summary.status);
    if (summary.failureCode === undefined) return;
    this.failures += 1;
    increment(this.byFailureCode, summary.failureCode);
    const campaign = summary.campaignId ?? summary.campaignName;
    if (campaign !== undefined) {
      const entry = this.campaigns.get(campaign) ?? { count: 0 };
      entry.count += 1;
      if (summary.campaignName !== undefined) entry.name = summary.campaignName;
      this.campaigns.set(campaign, entry);
    }
    if (summary.voucherCode !== undefined) increment(this.vouchers, summary.voucherCode);
  }

  /** The counts so far, with the `top` campaigns and vouchers among failures (most first, then by name). */
  result(top: number): EventStats {
    const byCount = <T extends { count: number }>(a: T & { key: string }, b: T & { key: string }) =>
      b.count - a.count || a.key.localeCompare(b.key);
    return {
      window: this.window,
      total: this.total,
      longestGap: longestGap(this.deliveredAt, this.window),
      byStatus: this.byStatus,
      byType: this.byType,
      byFailureCode: this.byFailureCode,
      failures: this.failures,
      topCampaigns: [...this.campaigns]
        .map(([key, entry]) => ({ key, ...entry }))
        .sort(byCount)
        .slice(0, top)
        .map(({ key, name, count }) => ({ campaign: key, ...(name && name !== key ? { name } : {}), count })),
      topVouchers: [...this.vouchers]
        .map(([key, count]) => ({ key, count }))
        .sort(byCount)
        .slice(0, top)
        .map(({ key, count }) => ({ voucher: key, count })),
    };
  }
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/**
 * The counts as JSON-ready objects (`stats --json`). `Object.fromEntries` defines own properties, so a key such as
 * `__proto__` becomes an ordinary property (and JSON member), not the prototype.
 */
export function statsJson(stats: EventStats): Record<string, unknown> {
  return {
    ...stats,
    byStatus: Object.fromEntries(stats.byStatus),
    byType: Object.fromEntries([...stats.byType].map(([type, counts]) => [type, Object.fromEntries(counts)])),
    byFailureCode: Object.fromEntries(stats.byFailureCode),
  };
}

/** {@link StatsCounter} over a list of summaries at once. */
export function countEvents(summaries: Iterable<EventSummary>, window: Window, top: number): EventStats {
  const counter = new StatsCounter(window);
  for (const summary of summaries) counter.add(summary);
  return counter.result(top);
}
