import { randomBytes } from 'node:crypto';
import type { ErasureMark } from './erased-event';
import type { ErasureSubject, FoundCopies, Holder, RedactOutcome } from './holders';
import { customerKey } from './redact';

/**
 * The proof an erasure happened, kept for the retention period: when, by whom, how many items, under the customer's
 * key (a hash), never the id or any data. One per customer: a second run adds to it. The ingest path reads it to erase
 * later events of the customer on arrival.
 */
export interface ErasureRecord {
  readonly customerKey: string;
  readonly erasureId: string;
  /** When the first run started. */
  readonly erasedAt: string;
  readonly erasedBy: string;
  readonly lastRunAt: string;
  readonly lastRunBy: string;
  readonly runs: number;
  /** Items erased by all runs together (later events erased on arrival are not counted here). */
  readonly itemsErased: number;
  /** Items the last run could not erase (0 when it finished). */
  readonly itemsLeft: number;
  readonly state: 'in progress' | 'complete';
  /** Epoch seconds: the table's TTL removes the record after the retention period. */
  readonly expiresAt: number;
}

/** Where erasure records are kept. Writes are conditional, so two runs at once keep one erasure id. */
export interface ErasureLedger {
  get(customerKey: string): Promise<ErasureRecord | undefined>;
  /** Creates the record, or marks a new run on an existing one (keeping its id and first time); returns it. */
  startRun(run: {
    readonly customerKey: string;
    readonly erasureId: string;
    readonly at: string;
    readonly by: string;
    readonly expiresAt: number;
  }): Promise<ErasureRecord>;
  finishRun(customerKey: string, result: { readonly erased: number; readonly left: number }): Promise<void>;
}

/** What the ingest path needs: whether a customer was erased, as the mark to put on a later event. */
export interface ErasureLookup {
  find(customerKey: string): Promise<ErasureMark | undefined>;
  /**
   * Starts reading what `find` will need, without waiting, so the read overlaps other I/O of the request (the secret's
   * read on a cold start). Optional; `find` works without it. Never rejects: a failed read surfaces at `find`.
   */
  prefetch?(): void;
}

export interface ErasureDeps {
  /** In find order; redaction runs in the reverse order (see {@link runErasure}). */
  readonly holders: readonly Holder[];
  readonly ledger: ErasureLedger;
  readonly now?: () => number;
}

export function erasureSubject(customerId: string): ErasureSubject {
  return { customerId, customerKey: customerKey(customerId) };
}

/** A new erasure id: `er_` and the day, then random (it names the erasure in `show`, never the customer). */
export function newErasureId(nowMs: number): string {
  return `er_${new Date(nowMs).toISOString().slice(0, 10).replaceAll('-', '')}_${randomBytes(6).toString('hex')}`;
}

export interface ErasurePlan {
  readonly subject: ErasureSubject;
  readonly found: readonly FoundCopies[];
  readonly record?: ErasureRecord;
}

/** What would be erased (nothing is written): every holder's finds, in order, and the existing record if any. */
export async function planErasure(deps: ErasureDeps, subject: ErasureSubject): Promise<ErasurePlan> {
  const found: FoundCopies[] = [];
  for (const holder of deps.holders) {
    const copies = [];
    for await (const copy of holder.find(subject, found)) copies.push(copy);
    found.push({ holder: holder.name, copies });
  }
  const record = await deps.ledger.get(subject.customerKey);
  return { subject, found, ...(record ? { record } : {}) };
}

export interface HolderResult {
  readonly holder: string;
  readonly erased: number;
  readonly alreadyErased: number;
  readonly gone: number;
  /** Copies whose redact threw, with the error's name (the run goes on with the others). */
  readonly failed: readonly { readonly key: string; readonly error: string }[];
  /** Copies still holding data after the run, read afresh. */
  readonly left: number;
}

export interface ErasureResult {
  readonly record: ErasureRecord;
  readonly holders: readonly HolderResult[];
  readonly erased: number;
  readonly left: number;
}

/**
 * Erases a plan: first files (or re-opens) the erasure record, so from that moment the ingest path erases new events
 * of the customer on arrival; then redacts every found copy, holder by holder in the reverse of the find order (the
 * copies reached through events, such as cases and overflow bodies, before the events themselves, so a run that stops
 * half-way leaves the events findable and a re-run reaches their dependants again); then verifies every holder and
 * closes the record with the count left. Each redact is a conditional write, so repeating a run is safe.
 */
export async function runErasure(
  deps: ErasureDeps,
  plan: ErasurePlan,
  options: { readonly by: string; readonly retentionDays: number },
): Promise<ErasureResult> {
  const now = deps.now ?? Date.now;
  const startMs = now();
  const latestExpiry = Math.max(
    Math.floor(startMs / 1000) + Math.round(options.retentionDays * 86_400),
    plan.record?.expiresAt ?? 0,
  );
  const record = await deps.ledger.startRun({
    customerKey: plan.subject.customerKey,
    erasureId: plan.record?.erasureId ?? newErasureId(startMs),
    at: new Date(startMs).toISOString(),
    by: options.by,
    expiresAt: latestExpiry,
  });
  const mark: ErasureMark = { at: new Date(startMs).toISOString(), erasureId: record.erasureId };

  const counts = new Map<
    string,
    { erased: number; alreadyErased: number; gone: number; failed: HolderResult['failed'] }
  >();
  for (const holder of [...deps.holders].reverse()) {
    const tally = { erased: 0, alreadyErased: 0, gone: 0, failed: [] as { key: string; error: string }[] };
    counts.set(holder.name, tally);
    const copies = plan.found.find((found) => found.holder === holder.name)?.copies ?? [];
    for (const copy of copies) {
      let outcome: RedactOutcome;
      try {
        outcome = await holder.redact(copy, mark);
      } catch (error) {
        tally.failed.push({ key: copy.key, error: error instanceof Error ? error.name : String(error) });
        continue;
      }
      if (outcome === 'erased') tally.erased += 1;
      else if (outcome === 'already erased') tally.alreadyErased += 1;
      else tally.gone += 1;
    }
  }

  const holders: HolderResult[] = [];
  for (const holder of deps.holders) {
    const tally = counts.get(holder.name) ?? { erased: 0, alreadyErased: 0, gone: 0, failed: [] };
    holders.push({ holder: holder.name, ...tally, left: await holder.verify(plan.subject, plan.found) });
  }
  const erased = holders.reduce((sum, h) => sum + h.erased, 0);
  const left = holders.reduce((sum, h) => sum + h.left, 0);
  await deps.ledger.finishRun(plan.subject.customerKey, { erased, left });
  const closed = await deps.ledger.get(plan.subject.customerKey);
  return { record: closed ?? record, holders, erased, left };
}

export interface ErasureStatus {
  readonly record?: ErasureRecord;
  /** Copies still holding the customer's data, per holder. */
  readonly left: readonly { readonly holder: string; readonly count: number }[];
  readonly stored: number;
}

/** Whether data of the customer is still stored: every holder's verify, and the erasure record if there is one. */
export async function erasureStatus(deps: ErasureDeps, subject: ErasureSubject): Promise<ErasureStatus> {
  const plan = await planErasure(deps, subject);
  const left: { holder: string; count: number }[] = [];
  for (const holder of deps.holders)
    left.push({ holder: holder.name, count: await holder.verify(subject, plan.found) });
  return {
    ...(plan.record ? { record: plan.record } : {}),
    left,
    stored: left.reduce((sum, l) => sum + l.count, 0),
  };
}
