/**
 * One message about rollback-failure cases, independent of where it goes: the alert of one case, a digest of a burst,
 * a reminder of open cases, or a change of a case's state (acknowledged, resolved, reopened). The email text and the
 * SNS attributes are built beside it by the alert path; chat renders this shape (Amazon Q Developer in chat
 * applications' custom notifications) through a {@link NoticePublisher}.
 */
export type NoticeKind = 'alert' | 'digest' | 'reminder' | 'acknowledged' | 'resolved' | 'reopened';

export interface Notice {
  readonly kind: NoticeKind;
  /** The case this notice is about; absent for a digest or a reminder, which cover several cases. */
  readonly caseKey?: string;
  /** One line, plain text (no markup); customer-controlled text already made visible. */
  readonly title: string;
  /** A few lines of plain text: what happened, to whom, what is owed. */
  readonly description: string;
  /** What a person should do next, each a short line (commands in backticks are fine). */
  readonly nextSteps: readonly string[];
  /** Short labels to show and search by (the failure code, the campaign, the state). */
  readonly keywords: readonly string[];
  /**
   * Messages with the same thread id are shown together (one thread per case). Digests and reminders get their own
   * id per window or run.
   */
  readonly threadId: string;
}

/** Sends notices to chat. The adapter is a no-op when no chat destination is configured. */
export interface NoticePublisher {
  /** Resolves when the destination accepted the notice; throws when it did not (the caller decides whether to retry). */
  publish(notice: Notice): Promise<void>;
}
