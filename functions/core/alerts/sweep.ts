import { errorSummary } from '../shared/errors';
import type { Logger } from '../shared/ports';
import { buildDigest, buildReminder, type CaseSummary } from './case-messages';
import { burstWindowEnd, burstWindowStart, type CaseSettings } from './case-settings';
import { CASE_STATES, caseAgeMs, UNRESOLVED_STATES } from './cases';
import type { NoticePublisher } from './notice';
import type { AlertPublisher, CaseStore } from './ports';
import { publishNotice } from './send-notice';

/**
 * The scheduled run (every minute in AWS, on a timer locally): send the digest of every closed burst window that has
 * one and has not sent it, send the reminder of old unresolved cases when it is due, and measure the open cases. The
 * one place that acts when nothing arrives, so a digest goes out even if the burst was the last event of the day.
 */
export interface SweepDeps {
  readonly store: CaseStore;
  readonly publisher: AlertPublisher;
  readonly notices?: NoticePublisher;
  readonly settings: CaseSettings;
  readonly now: () => number;
  readonly logger: Logger;
}

export interface SweepResult {
  readonly digests: readonly { readonly window: string; readonly cases: number; readonly messageId: string }[];
  readonly reminder?: { readonly cases: number; readonly messageId: string };
  readonly openCases: number;
  readonly oldestOpenCaseAgeSeconds: number;
  /** What could not be sent this run (claims given back: the next run tries again). */
  readonly failures: readonly string[];
}

/** Runs of the scheduled function a month (every minute, 30 days): its fixed cost in `npm run cost`. */
export const SWEEP_RUNS_PER_MONTH = 60 * 24 * 30;

/** How far back closed windows are checked for an unsent digest: a scheduler outage of up to 6 hours is caught up. */
export const DIGEST_LOOKBACK_MS = 6 * 3_600_000;

/** The most unresolved cases one run reads (for the metrics and the reminder); beyond it the count says "at least". */
export const MAX_SWEPT_CASES = 5_000;

/** The starts of the closed windows of the last {@link DIGEST_LOOKBACK_MS}, oldest first. */
export function closedWindows(now: number, windowMinutes: number): string[] {
  const size = windowMinutes * 60_000;
  const current = Date.parse(burstWindowStart(now, windowMinutes));
  const count = Math.min(100, Math.max(1, Math.ceil(DIGEST_LOOKBACK_MS / size)));
  const starts: string[] = [];
  for (let i = count; i >= 1; i -= 1) starts.push(new Date(current - i * size).toISOString());
  return starts;
}

/** Unresolved cases opened before `to` (all when absent), oldest first, across the unresolved states. */
async function unresolved(store: CaseStore, to?: string): Promise<{ cases: CaseSummary[]; more: boolean }> {
  const lists = await Promise.all(
    UNRESOLVED_STATES.map((state) => store.listByState(state, { ...(to ? { to } : {}), limit: MAX_SWEPT_CASES })),
  );
  const cases = lists.flatMap((l) => l.cases).sort((a, b) => a.openedAt.localeCompare(b.openedAt));
  return { cases, more: lists.some((l) => l.more) };
}

export async function sweep(deps: SweepDeps): Promise<SweepResult> {
  const { store, publisher, settings, logger } = deps;
  const now = deps.now();
  const at = new Date(now).toISOString();
  const failures: string[] = [];
  const digests: { window: string; cases: number; messageId: string }[] = [];

  // --- Digests of closed windows ------------------------------------------------------------------------------
  const windows = await store.windows(closedWindows(now, settings.burstWindowMinutes));
  for (const window of windows) {
    if (window.digestCases === 0 || window.digestSentAt) continue;
    if (!(await store.claimDigest(window.start, at))) continue;
    const end = burstWindowEnd(window.start, settings.burstWindowMinutes);
    try {
      const lists = await Promise.all(
        CASE_STATES.map((state) => store.listByState(state, { from: window.start, to: end, limit: MAX_SWEPT_CASES })),
      );
      const cases = lists
        .flatMap((l) => l.cases)
        .filter((c) => c.digestWindow === window.start)
        .sort((a, b) => a.openedAt.localeCompare(b.openedAt));
      if (cases.length === 0) {
        logger.log('warn', 'a burst window counted digest cases but none is found; no digest sent', {
          window: window.start,
          counted: window.digestCases,
        });
        continue;
      }
      const { message, notice } = buildDigest({
        window: { start: window.start, end },
        cases,
        alerted: window.alerts,
        now,
      });
      const { messageId } = await publisher.publish(message);
      await publishNotice(deps.notices, notice, logger);
      digests.push({ window: window.start, cases: cases.length, messageId });
      logger.log('info', 'case digest sent', { window: window.start, cases: cases.length, messageId });
    } catch (cause) {
      failures.push(`digest of window ${window.start}: ${errorSummary(cause)}`);
      logger.log('error', 'case digest not sent; the next run tries again', {
        window: window.start,
        error: errorSummary(cause),
      });
      await store
        .releaseDigest(window.start)
        .catch((error: unknown) =>
          logger.log('error', 'digest claim not released', { window: window.start, error: errorSummary(error) }),
        );
    }
  }

  // --- Open cases: the metrics, and the reminder ----------------------------------------------------------------
  const open = await unresolved(store);
  const oldest = open.cases[0];
  const oldestOpenCaseAgeSeconds = oldest ? Math.floor(caseAgeMs(oldest, now) / 1000) : 0;
  let reminder: SweepResult['reminder'];
  if (settings.reminderHours > 0) {
    const cutoff = new Date(now - settings.reminderHours * 3_600_000).toISOString();
    const due = open.cases.filter((c) => c.openedAt < cutoff);
    if (due.length > 0 && (await store.claimReminder(at, cutoff))) {
      try {
        const { message, notice } = buildReminder({
          cases: due,
          more: open.more,
          olderThanHours: settings.reminderHours,
          now,
        });
        const { messageId } = await publisher.publish(message);
        await publishNotice(deps.notices, notice, logger);
        reminder = { cases: due.length, messageId };
        logger.log('info', 'case reminder sent', { cases: due.length, messageId });
      } catch (cause) {
        failures.push(`reminder: ${errorSummary(cause)}`);
        logger.log('error', 'case reminder not sent; the next run tries again', { error: errorSummary(cause) });
        await store
          .releaseReminder(at)
          .catch((error: unknown) =>
            logger.log('error', 'reminder claim not released', { error: errorSummary(error) }),
          );
      }
    }
  }
  return {
    digests,
    ...(reminder ? { reminder } : {}),
    openCases: open.cases.length,
    oldestOpenCaseAgeSeconds,
    failures,
  };
}
