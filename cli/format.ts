import type { ValidationIssue } from '../functions/core/ingest/validation';
import { gapText } from './gap';
import type { ReplayResult } from './replay';
import type { EventSummary, StoredEvent } from './repository';
import type { EventStats } from './stats';

/** A plain-text table: a header row, then rows, columns padded; long cells are cut with `…`. */
export function table(columns: readonly { title: string; max?: number }[], rows: readonly string[][]): string {
  const cut = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
  const cells = rows.map((row) => row.map((cell, i) => cut(cell, columns[i]?.max)));
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
  return issues.map((issue) => `${indent}${issue.pointer}: ${issue.message}`).join('\n');
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
  const out = [`Event ${r.eventId}`, ...shown.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)];
  if (r.issues?.length) out.push('', 'Why it was quarantined:', issuesText(r.issues));
  out.push('', r.erased ? 'Payload (redacted by erasure):' : 'Payload (as received):');
  if (payload.error) out.push(`  (${payload.error})`);
  else if (payload.json !== undefined) out.push(JSON.stringify(payload.json, null, 2));
  else out.push(payload.text ?? '');
  return out.join('\n');
}

export function statsText(stats: EventStats): string {
  const out = [
    `Events received ${stats.window.fromMs ? new Date(stats.window.fromMs).toISOString() : ''} .. ${new Date(stats.window.toMs).toISOString()}`,
    `  total ${stats.total}: ${
      Object.entries(stats.byStatus)
        .map(([status, count]) => `${count} ${status.toLowerCase()}`)
        .join(', ') || 'none'
    }; ${stats.failures} report a failure`,
    `  ${gapText(stats.longestGap)}`,
    '',
    'By type',
  ];
  const types = Object.entries(stats.byType).sort(([a, x], [b, y]) => total(y) - total(x) || a.localeCompare(b));
  out.push(
    indent(
      table(
        [{ title: 'TYPE' }, { title: 'TOTAL' }, { title: 'ACCEPTED' }, { title: 'QUARANTINED' }],
        types.map(([type, counts]) => [
          type,
          String(total(counts)),
          String(counts.ACCEPTED ?? 0),
          String(counts.QUARANTINED ?? 0),
        ]),
      ),
    ),
    '',
    'By failure code',
  );
  const codes = Object.entries(stats.byFailureCode).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
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

function total(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/** One line per replayed event, the issues under it when it still fails. */
export function replayText(result: ReplayResult): string {
  const head = `${result.eventId}  ${result.type ?? '-'}  ${result.before} -> ${result.after}  ${result.action}`;
  const alert = result.alert
    ? `  alert: ${result.alert.result}${
        result.alert.result === 'sent'
          ? ` (message ${result.alert.messageId}${result.alert.note ? `; ${result.alert.note}` : ''})`
          : result.alert.result === 'already sent'
            ? ` at ${result.alert.at}`
            : result.alert.result === 'not sent'
              ? ` (${result.alert.reason})`
              : ''
      }`
    : '';
  const lines = [`${head}${alert}`];
  if (result.issues?.length) {
    const label = result.action === 'already accepted' ? "    today's schemas would refuse it:" : '    still fails:';
    lines.push(label, issuesText(result.issues, '      '));
  }
  return lines.join('\n');
}
