import type { AlertMessage } from './message';

/** Sends one alert (SNS in AWS and in local mode). */
export interface AlertPublisher {
  /** Resolves with the id the topic gave the message; throws `AlertPublishError` when it was not accepted. */
  publish(message: AlertMessage): Promise<{ readonly messageId: string }>;
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
