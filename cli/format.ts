import type { CaseSummary } from '../functions/core/alerts/case-messages';
import { type Case, caseAgeMs, formatAge } from '../functions/core/alerts/cases';
import type { ValidationIssue } from '../functions/core/ingest/validation';
import { terminalJson, terminalSafe } from '../functions/core/shared/visible-text';
import { gapText } from './gap';
import type { ReplayResult } from './replay';
import type { EventSummary, StoredEvent } from './repository';
import type { EventStats } from './stats';

/**
 * A plain-text table: a header row, then rows, columns padded; long cells are cut with `…`. Every cell is webhook text
 * until proven otherwise: made {@link terminalSafe} (one line, nothing raw) before it is measured and cut.
 */
export function table(columns: readonly { title: string; max?: number }[], rows: readonly string[][]): string {
  const cut = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
  const cells = rows.map((row) => row.map((cell, i) => cut(terminalSafe(cell), columns[i]?.max)));
  const widths = columns.map((column, i) => Math.max(column.title.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...cells.map(line)].join('\n');
}

/** `2026-11-22T10:00:01.123Z` as `2026-11-22 10:00:01`: the table shows UTC seconds; --json has the exact value. */
const when = (timestamp: string) => timestamp.replace('T', ' ').replace(/\.\d+Z$/, '');

export function eventsTable(items: readonly EventSummary[]): string {
  return table(
    [
      { title: 'RECEIVED (UTC)' },
      { title: 'EVENT ID', max: 40 },
      { title: 'TYPE', max: 34 },
      { title: 'STATUS' },
      { title: 'FAILURE CODE', max: 30 },
      { title: 'CUSTOMER', max: 30 },
      { title: 'CAMPAIGN', max: 30 },
      { title: 'VOUCHER', max: 30 },
    ],
    items.map((event) => [
      when(event.receivedAt),
      event.eventId,
      event.type ?? '-',
      event.status,
      event.failureCode ?? '-',
      event.customerSourceId ?? event.customerId ?? '-',
      event.campaignName ?? event.campaignId ?? '-',
      event.voucherCode ?? '-',
    ]),
  );
}

function issuesText(issues: readonly ValidationIssue[], indent = '  '): string {
  // A pointer names the webhook's own keys, and a message may quote its values.
  return issues.map((issue) => `${indent}${terminalSafe(issue.pointer)}: ${terminalSafe(issue.message)}`).join('\n');
}

/** `show`: the stored event, field by field, then why it was quarantined, then the payload as received. */
export function showText(stored: StoredEvent, payload: { json?: unknown; text?: string; error?: string }): string {
  const r = stored.record;
  const rows: [string, string | undefined][] = [
    ['status', r.status],
    ['type', r.type],
    ['received at', r.receivedAt],
    ['event time', r.eventAt],
    ['send-out id', r.sendoutId],
    ['project', r.projectId],
    ['customer', [r.customerId, r.customerSourceId && `source id ${r.customerSourceId}`].filter(Boolean).join(', ')],
    ['campaign', [r.campaignName, r.campaignId].filter(Boolean).join(', ')],
    ['voucher', r.voucherCode],
    ['promotion tier', r.promotionTierId],
    ['redemption', r.redemptionId],
    ['rollback', r.rollbackId],
    ['failure', [r.failureCode, r.failureMessage].filter(Boolean).join(': ')],
    ['alerted at', stored.alertedAt && `${stored.alertedAt} (message ${stored.alertMessageId ?? '?'})`],
    ['promoted at', stored.promotedAt],
    [
      're-alerted at',
      stored.replayAlertedAt && `${stored.replayAlertedAt} (message ${stored.replayAlertMessageId ?? '?'})`,
    ],
    [
      'erased',
      r.erased &&
        `${r.erased.at} (erasure ${r.erased.erasureId}): personal data removed; the body is redacted and no longer ` +
          'what Voucherify signed',
    ],
    [
      'body',
      `${r.bodyBytes} bytes ${r.erased ? 'after erasure' : 'received'}, ${r.body.length} stored (${r.bodyEncoding})`,
    ],
    ['expires at', r.expiresAt ? new Date(r.expiresAt * 1000).toISOString() : undefined],
  ];
  const shown = rows.filter((row): row is [string, string] => row[1] !== undefined && row[1] !== '');
  const width = Math.max(...shown.map(([label]) => label.length));
  const out = [
    `Event ${terminalSafe(r.eventId)}`,
    ...shown.map(([label, value]) => `  ${label.padEnd(width)}  ${terminalSafe(value)}`),
  ];
  if (r.issues?.length) out.push('', 'Why it was quarantined:', issuesText(r.issues));
  out.push('', r.erased ? 'Payload (redacted by erasure):' : 'Payload (as received):');
  if (payload.error) out.push(`  (${payload.error})`);
  else out.push(payloadText(payload));
  return out.join('\n');
}

/**
 * The payload, pretty-printed when it is JSON that can be: a body nested thousands deep parses (JSON.parse is not
 * recursive) but cannot be stringified again (RangeError), so it is shown as received, never a crash of `show`.
 */
function payloadText(payload: { json?: unknown; text?: string }): string {
  if (payload.json !== undefined) {
    try {
      return terminalJson(payload.json, 2);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  }
  return terminalSafe(payload.text ?? '', { lines: true });
}

export function statsText(stats: EventStats): string {
  const out = [
    `Events received ${stats.window.fromMs ? new Date(stats.window.fromMs).toISOString() : ''} .. ${new Date(stats.window.toMs).toISOString()}`,
    `  total ${stats.total}: ${
      [...stats.byStatus].map(([status, count]) => `${count} ${status.toLowerCase()}`).join(', ') || 'none'
    }; ${stats.failures} report a failure`,
    `  ${gapText(stats.longestGap)}`,
    '',
    'By type',
  ];
  const types = [...stats.byType].sort(([a, x], [b, y]) => total(y) - total(x) || a.localeCompare(b));
  out.push(
    indent(
      table(
        [{ title: 'TYPE' }, { title: 'TOTAL' }, { title: 'ACCEPTED' }, { title: 'QUARANTINED' }],
        types.map(([type, counts]) => [
          type,
          String(total(counts)),
          String(counts.get('ACCEPTED') ?? 0),
          String(counts.get('QUARANTINED') ?? 0),
        ]),
      ),
    ),
    '',
    'By failure code',
  );
  const codes = [...stats.byFailureCode].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  out.push(
    codes.length
      ? indent(
          table(
            [{ title: 'FAILURE CODE' }, { title: 'EVENTS' }],
            codes.map(([c, n]) => [c, String(n)]),
          ),
        )
      : '  none',
    '',
    'Top campaigns among failures',
    stats.topCampaigns.length
      ? indent(
          table(
            [{ title: 'CAMPAIGN' }, { title: 'NAME' }, { title: 'FAILURES' }],
            stats.topCampaigns.map((c) => [c.campaign, c.name ?? '-', String(c.count)]),
          ),
        )
      : '  none',
    '',
    'Top vouchers among failures',
    stats.topVouchers.length
      ? indent(
          table(
            [{ title: 'VOUCHER' }, { title: 'FAILURES' }],
            stats.topVouchers.map((v) => [v.voucher, String(v.count)]),
          ),
        )
      : '  none',
  );
  return out.join('\n');
}

function total(counts: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const n of counts.values()) sum += n;
  return sum;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function alertText(alert: NonNullable<ReplayResult['alert']>): string {
  switch (alert.result) {
    case 'sent':
      return `${alert.resentAfter ? 're-sent' : 'sent'} (message ${alert.messageId}${
        alert.resentAfter ? `; first sent at ${alert.resentAfter}` : ''
      }${alert.note ? `; ${alert.note}` : ''})`;
    case 'would send':
      return alert.resentAfter ? `would re-send (first sent at ${alert.resentAfter})` : 'would send';
    case 'already sent':
      return `already sent at ${alert.at} (${alert.by === 'case' ? 'for its case' : `by the ${alert.by}`}; --force sends it again)`;
    case 'not sent':
      return `not sent (${alert.reason})`;
  }
}

/** One line per replayed event, the issues under it when it still fails. */
export function replayText(result: ReplayResult): string {
  const head = `${terminalSafe(result.eventId)}  ${terminalSafe(result.type ?? '-')}  ${result.before} -> ${result.after}  ${result.action}`;
  const alert = result.alert ? `  alert: ${alertText(result.alert)}` : '';
  const lines = [`${head}${alert}`];
  if (result.issues?.length) {
    const label = result.action === 'already accepted' ? "    today's schemas would refuse it:" : '    still fails:';
    lines.push(label, issuesText(result.issues, '      '));
  }
  return lines.join('\n');
}

/** `cases`: one row per case, newest first. */
export function casesTable(items: readonly CaseSummary[], now: number): string {
  return table(
    [
      { title: 'CASE KEY', max: 36 },
      { title: 'STATE' },
      { title: 'OPENED (UTC)' },
      { title: 'AGE' },
      { title: 'FAILURE CODE', max: 28 },
      { title: 'CUSTOMER', max: 28 },
      { title: 'VOUCHER / CAMPAIGN', max: 32 },
      { title: 'ACKNOWLEDGED BY', max: 36 },
      { title: 'EVENTS' },
    ],
    items.map((c) => [
      c.key,
      c.state,
      when(c.openedAt),
      formatAge(caseAgeMs(c, now)),
      c.facts.failureCode ?? '-',
      c.facts.customerSourceId ?? c.facts.customerId ?? '-',
      c.facts.voucherCode ?? c.facts.campaignName ?? c.facts.campaignId ?? '-',
      c.acknowledgedBy ?? '-',
      String(c.eventCount),
    ]),
  );
}

/** `show <case key>`: the case's fields, its history (who, when, note, event) and its linked events. */
export function caseText(c: Case, now: number): string {
  const f = c.facts;
  const rows: [string, string | undefined][] = [
    ['state', c.state],
    [
      'opened at',
      `${c.openedAt} (${formatAge(caseAgeMs(c, now))} ago)${c.openings > 1 ? `, reopened ${c.openings - 1}x` : ''}`,
    ],
    ['first opened', c.openings > 1 ? c.firstOpenedAt : undefined],
    ['failure', [f.failureCode, f.failureMessage].filter(Boolean).join(': ')],
    ['customer', [f.customerId, f.customerSourceId && `source id ${f.customerSourceId}`].filter(Boolean).join(', ')],
    ['voucher', f.voucherCode],
    ['campaign', [f.campaignName, f.campaignId].filter(Boolean).join(', ')],
    ['amount', f.amount === undefined ? undefined : `${f.amount} (smallest currency unit)`],
    ['redemption', f.redemptionId],
    ['acknowledged', c.acknowledgedBy && `by ${c.acknowledgedBy} at ${c.acknowledgedAt}`],
    ['resolved', c.resolvedBy && `by ${c.resolvedBy} at ${c.resolvedAt}`],
    [
      'told by',
      c.notice &&
        (c.notice.via === 'alert'
          ? `its own alert${c.notice.alertedAt ? ` at ${c.notice.alertedAt} (message ${c.notice.messageId ?? '?'})` : ' (not yet accepted by the topic)'}`
          : `the digest of the burst window from ${c.notice.window}`),
    ],
    ['announcement', c.pendingAnnouncement && `${c.pendingAnnouncement}: pending (the alerts function sends it)`],
  ];
  const shown = rows.filter((row): row is [string, string] => row[1] !== undefined && row[1] !== '');
  const width = Math.max(...shown.map(([label]) => label.length));
  const out = [`Case ${c.key}`, ...shown.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`), '', 'History'];
  out.push(
    indent(
      table(
        [
          { title: 'WHEN (UTC)' },
          { title: 'WHAT' },
          { title: 'WHO', max: 50 },
          { title: 'EVENT', max: 40 },
          { title: 'NOTE', max: 120 },
        ],
        c.history.map((h) => [when(h.at), h.action, h.by, h.eventId ?? '-', h.note ?? '']),
      ),
    ),
  );
  out.push(
    '',
    `Linked events (${c.eventCount}${c.eventCount > c.eventIds.length ? `, the first ${c.eventIds.length} listed` : ''}): voucherify-events show <event id>`,
    ...c.eventIds.map((id) => `  ${id}`),
  );
  return out.join('\n');
}
