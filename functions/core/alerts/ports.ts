import type { TopicMessage } from './message';

/** Sends one alert (SNS in AWS and in local mode). */
export interface AlertPublisher {
  /**
   * Resolves with the id the topic gave the message; throws `AlertPublishError` when it was not accepted. Alerts,
   * digests, reminders and case announcements all go through it.
   */
  publish(message: TopicMessage): Promise<{ readonly messageId: string }>;
}

/**
 * Remembers which events were already alerted, so a stream retry of a published record does not mail twice
 * (the marker lives on the event's own item; see functions/adapters/dynamodb-alert-ledger.ts).
 */
export interface AlertLedger {
  /** When the event was alerted, if it was. Throws `AlertLedgerError` when it cannot tell. */
  alertedAt(eventId: string): Promise<string | undefined>;
  /**
   * Records that the event was alerted. `already` when a marker was there first (or the item is gone).
   * Throws `AlertLedgerError` when the write failed.
   */
  markAlerted(
    eventId: string,
    marker: { readonly at: string; readonly messageId: string },
  ): Promise<'marked' | 'already'>;
}

export class AlertError extends Error {
  override name = 'AlertError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The topic did not accept the message. `rejected` means it refused this message as such (invalid parameter, too
 * large): retrying the same bytes cannot help, so the handler sends a minimal alert instead.
 */
export class AlertPublishError extends AlertError {
  override name = 'AlertPublishError';
  readonly rejected: boolean;
  constructor(message: string, options: { cause?: unknown; rejected?: boolean } = {}) {
    super(message, options);
    this.rejected = options.rejected ?? false;
  }
}

/** The alerted-marker could not be read or written. */
export class AlertLedgerError extends AlertError {
  override name = 'AlertLedgerError';
}

/** One burst window's counters (functions/core/alerts/case-settings.ts). */
export interface BurstWindow {
  /** Its start, ISO 8601. */
  readonly start: string;
  /** Individual alerts granted in it. */
  readonly alerts: number;
  /** Cases put into its digest. */
  readonly digestCases: number;
  /** When its digest was claimed for sending (absent: not sent yet). */
  readonly digestSentAt?: string;
}

/** A page of cases of one state, from the state index. */
export interface CaseList {
  readonly cases: readonly import('./case-messages').CaseSummary[];
  /** More cases match than were returned (the limit was reached). */
  readonly more: boolean;
}

/**
 * Where cases live (the events table, `pk = case#<key>`; see functions/adapters/dynamodb-case-store.ts). Every change
 * of a case is a whole new version written only over the version it was made from, so the alerts function, the CLI
 * and the scheduled function never lose each other's updates: a `conflict` means read again and re-decide.
 */
export interface CaseStore {
  get(key: string): Promise<import('./cases').Case | undefined>;
  /** Writes `next` if the stored case is at `expectedVersion` (0: no case yet). */
  put(next: import('./cases').Case, expectedVersion: number): Promise<'written' | 'conflict'>;
  /** Takes one of the window's individual-alert slots if fewer than `limit` are taken; false when none is left. */
  claimAlertSlot(window: string, limit: number): Promise<boolean>;
  /** Counts one more case into the window's digest. */
  addToDigest(window: string): Promise<void>;
  /** The counters of these windows (those that exist). */
  windows(starts: readonly string[]): Promise<BurstWindow[]>;
  /** Claims the window's digest for sending; false when another run has. */
  claimDigest(window: string, at: string): Promise<boolean>;
  /** Gives the claim back (the digest could not be sent; the next run tries again). */
  releaseDigest(window: string): Promise<void>;
  /**
   * Cases in one state, by the time their current opening began: oldest first (or newest first), optionally only
   * those opened in [from, to). Never a Scan: a Query of the state index.
   */
  listByState(
    state: import('./cases').CaseState,
    query?: { readonly from?: string; readonly to?: string; readonly newestFirst?: boolean; readonly limit?: number },
  ): Promise<CaseList>;
  /** Claims the reminder of `at` if none was sent since `notBefore`; false otherwise. */
  claimReminder(at: string, notBefore: string): Promise<boolean>;
  /** Gives a reminder claim back to `previous` (the reminder could not be sent). */
  releaseReminder(at: string): Promise<void>;
}

/** The case store could not be read or written. */
export class CaseStoreError extends AlertError {
  override name = 'CaseStoreError';
}
