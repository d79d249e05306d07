import type { ErasurePlan, ErasureRecord, ErasureResult, ErasureStatus } from '../functions/core/erasure/erase';
import type { ErasureSubject } from '../functions/core/erasure/holders';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const shortKey = (key: string) => `${key.slice(0, 12)}…`;

function recordLine(record: ErasureRecord): string {
  return (
    `erasure ${record.erasureId}: first run ${record.erasedAt} by ${record.erasedBy}; ` +
    `${plural(record.runs, 'run')}, last ${record.lastRunAt} by ${record.lastRunBy}; ` +
    `${plural(record.itemsErased, 'item')} erased, ${record.itemsLeft} left (${record.state}); ` +
    `kept until ${new Date(record.expiresAt * 1000).toISOString()}`
  );
}

const NOTHING_FOUND = (id: string) =>
  `  no stored event names customer id ${id}. A source id is not a customer id: find the cust_... id with ` +
  '`list --customer <source id>`. Erasing anyway files the record, so later events of that id arrive erased.';

/** `erase --dry-run` (and the preview before the question): every copy each holder would change. */
export function erasePlanText(plan: ErasurePlan, options: { preview?: boolean } = {}): string {
  const total = plan.found.reduce((sum, found) => sum + found.copies.length, 0);
  const out = [
    `Customer ${plan.subject.customerId} (key ${shortKey(plan.subject.customerKey)}): ${plural(total, 'item')} hold personal data`,
  ];
  if (plan.record) out.push(`  already filed: ${recordLine(plan.record)}`);
  if (total === 0 && !plan.record) out.push(NOTHING_FOUND(plan.subject.customerId));
  for (const found of plan.found) {
    out.push(`  ${found.holder}: ${found.copies.length}`);
    for (const copy of found.copies) out.push(`    ${copy.key}  ${copy.summary}  -> ${copy.changes.join(', ')}`);
  }
  if (!options.preview)
    out.push(
      'Nothing written (--dry-run). Erasing also files an erasure record, so later events are erased on arrival.',
    );
  return out.join('\n');
}

/** The end of a run: per holder what was done and what is left, then the total. */
export function erasureResultText(subject: ErasureSubject, result: ErasureResult): string {
  const out = [`Customer key ${shortKey(subject.customerKey)}: ${recordLine(result.record)}`];
  for (const h of result.holders) {
    out.push(
      `  ${h.holder}: ${h.erased} erased, ${h.alreadyErased} already erased, ${h.gone} gone, ` +
        `${h.failed.length} failed, ${h.left} left`,
    );
    for (const failure of h.failed) out.push(`    ${failure.key}: ${failure.error}`);
  }
  out.push(
    result.left === 0 && result.holders.every((h) => h.failed.length === 0)
      ? `Done: ${plural(result.erased, 'item')} erased, nothing left. Later events of this customer are erased on arrival (by every receiver instance within a minute: then check with erase --status).`
      : `NOT DONE: ${plural(result.left, 'item')} still hold data. Run the same command again to finish.`,
  );
  return out.join('\n');
}

/** `erase --status`: the record, and what still holds data. */
export function erasureStatusText(subject: ErasureSubject, status: ErasureStatus): string {
  return [
    `Customer ${subject.customerId} (key ${shortKey(subject.customerKey)})`,
    `  record  ${status.record ? recordLine(status.record) : 'none: never erased'}`,
    `  stored  ${
      status.stored === 0
        ? "no item holds this customer's data"
        : `${plural(status.stored, 'item')} still hold this customer's data (${status.left
            .filter((l) => l.count > 0)
            .map((l) => `${l.holder} ${l.count}`)
            .join(', ')})`
    }`,
  ].join('\n');
}
