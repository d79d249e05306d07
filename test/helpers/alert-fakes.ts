import type { AlertMessage } from '../../functions/core/alerts/message';
import {
  type AlertLedger,
  AlertLedgerError,
  AlertPublishError,
  type AlertPublisher,
} from '../../functions/core/alerts/ports';

/** An in-memory publisher for unit tests: records what it was given; can be told to fail. */
export class RecordingPublisher implements AlertPublisher {
  readonly published: AlertMessage[] = [];
  readonly attempts: AlertMessage[] = [];
  /** Fail the next n publishes (transient). */
  failNext = 0;
  /** Refuse messages matching this (as SNS refuses an invalid parameter). */
  rejectIf?: (message: AlertMessage) => boolean;
  /** Fail every publish whose subject contains this. */
  failSubjectContaining?: string;

  async publish(message: AlertMessage): Promise<{ messageId: string }> {
    this.attempts.push(message);
    if (this.rejectIf?.(message)) throw new AlertPublishError('refused', { rejected: true });
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new AlertPublishError('topic unavailable', { cause: new Error('ServiceUnavailable') });
    }
    if (this.failSubjectContaining && message.subject.includes(this.failSubjectContaining))
      throw new AlertPublishError('topic unavailable');
    this.published.push(message);
    return { messageId: `msg-${this.published.length}` };
  }
}

/** An in-memory alert ledger; can be told to fail reads or writes. */
export class MemoryLedger implements AlertLedger {
  readonly markers = new Map<string, { at: string; messageId: string }>();
  failReads = false;
  failWrites = false;

  async alertedAt(eventId: string): Promise<string | undefined> {
    if (this.failReads) throw new AlertLedgerError('read failed');
    return this.markers.get(eventId)?.at;
  }

  async markAlerted(eventId: string, marker: { at: string; messageId: string }): Promise<'marked' | 'already'> {
    if (this.failWrites) throw new AlertLedgerError('write failed');
    if (this.markers.has(eventId)) return 'already';
    this.markers.set(eventId, marker);
    return 'marked';
  }
}
