/**
 * The erasure contract: every place that keeps a copy of a customer's personal data is a {@link Holder}, and erasing
 * a customer is running the holders' find, redact and verify steps in a fixed order (see `erase.ts`). A new place
 * (the rollback-failure cases, bodies kept as overflow objects) is one more holder in the list.
 */
import type { ErasureMark } from './erased-event';

/** Whom to erase. The key is what erasure records and later events are matched by; the id is never stored by erasure. */
export interface ErasureSubject {
  /** The Voucherify customer id (`cust_...`), as the operator gave it. */
  readonly customerId: string;
  /** `customerKey(customerId)`: SHA-256, the only form an erasure record keeps. */
  readonly customerKey: string;
}

/** One copy of personal data a holder found: enough to redact it and to list it in a dry run. */
export interface HeldCopy {
  /** The holder's own key for it (an event id, a case key, an object key). */
  readonly key: string;
  /** One line for the dry run and the report: what it is (type, time, status). */
  readonly summary: string;
  /** What redacting changes (`body`, `customerId`...). */
  readonly changes: readonly string[];
  /** Facts later holders may follow (an event's rollback id leads to its case; its overflow key to the object). */
  readonly links?: Readonly<Record<string, string>>;
}

/** What one redact step did. */
export type RedactOutcome =
  /** Rewritten now, with a conditional write on the version that was read. */
  | 'erased'
  /** Someone else (another run, the ingest path) erased it between find and redact: nothing to do. */
  | 'already erased'
  /** It expired or was deleted between find and redact. */
  | 'gone';

/**
 * A place that holds copies of a customer's personal data.
 * - `find` lists the copies that still hold data, never ones already erased (so a re-run finds only what is left).
 *   It gets what the holders before it in the list found (`earlier`), because some copies can only be reached
 *   through another (a case through its rollback's event).
 * - `redact` removes the data from one copy with a conditional write: idempotent, safe to repeat after a crash.
 * - `verify` counts the copies still holding data, read afresh (consistent reads where the store has them).
 */
export interface Holder {
  /** Plural noun for messages: `events`, `cases`, `overflow bodies`. */
  readonly name: string;
  find(subject: ErasureSubject, earlier: readonly FoundCopies[]): AsyncIterable<HeldCopy>;
  redact(copy: HeldCopy, mark: ErasureMark): Promise<RedactOutcome>;
  verify(subject: ErasureSubject, earlier: readonly FoundCopies[]): Promise<number>;
}

/** A holder's finds, handed to the holders after it. */
export interface FoundCopies {
  readonly holder: string;
  readonly copies: readonly HeldCopy[];
}

/**
 * The rollback-failure cases (branch `cases`): one item per `data.redemption_rollback.id`, holding the customer id and
 * source id besides voucher code, campaign, failure code and message and amount. Erasing a case removes the customer
 * id and source id (replaced by the marker) and keeps the rest, so the case still counts and can still be worked.
 * Cases are reached through the customer's rollback-failure events (`links.rollbackId` of the events holder's finds).
 * To plug in: implement this port in the cases' DynamoDB adapter and add `caseHolder(port)` to the holder list.
 */
export interface CaseErasurePort {
  /** The case of one rollback, if it still holds customer data (not yet erased). */
  openCopy(rollbackId: string): Promise<HeldCopy | undefined>;
  /** Removes the customer id and source id from the case, conditional on it not being erased yet. */
  redact(caseKey: string, mark: ErasureMark): Promise<RedactOutcome>;
}

/** The cases holder over a {@link CaseErasurePort}: finds the cases of the rollbacks the events holder found. */
export function caseHolder(port: CaseErasurePort): Holder {
  async function* copies(earlier: readonly FoundCopies[]): AsyncIterable<HeldCopy> {
    const rollbacks = new Set<string>();
    for (const found of earlier)
      for (const copy of found.copies) if (copy.links?.rollbackId) rollbacks.add(copy.links.rollbackId);
    for (const rollbackId of rollbacks) {
      const copy = await port.openCopy(rollbackId);
      if (copy) yield copy;
    }
  }
  return {
    name: 'cases',
    find: (_subject, earlier) => copies(earlier),
    redact: (copy, mark) => port.redact(copy.key, mark),
    async verify(_subject, earlier) {
      let left = 0;
      for await (const _copy of copies(earlier)) left += 1;
      return left;
    },
  };
}
