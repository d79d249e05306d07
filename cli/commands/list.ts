import { terminalJson, terminalSafe } from '../../functions/core/shared/visible-text';
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  type Command,
  DEFAULT_WINDOW_MS,
  nonEmpty,
  parse,
  positiveInteger,
  WINDOW_HELP,
  WINDOW_OPTIONS,
  withSession,
} from '../command';
import { UsageError } from '../errors';
import { eventsTable } from '../format';
import { decodePageToken, encodePageToken } from '../paging-token';
import type { ListFilters, ListQuery } from '../repository';
import { iso, resolveWindow, type Window } from '../time';

const HELP = `Usage: voucherify-events list [filters] [--limit N] [--next TOKEN]

Events newest first (default: the last 7 days, 25 per page).
Filters:
  --type TYPE            e.g. redemption.rollback.failed
  --status STATUS        accepted or quarantined
  --customer ID          a Voucherify customer id (cust_...) or the customer's source id
  --campaign ID|NAME     campaign id or name
  --voucher CODE         voucher code
  --failure-code CODE    e.g. already_rolled_back
${WINDOW_HELP}
Paging:
  --limit N              events per page, 1-1000 (default 25)
  --next TOKEN           the next page (printed under a full page); keeps the first page's window
${COMMON_HELP}`;

function statusFlag(text: string | undefined): ListFilters['status'] {
  if (text === undefined) return undefined;
  const status = text.trim().toUpperCase();
  if (status === 'ACCEPTED' || status === 'QUARANTINED') return status;
  throw new UsageError(`--status must be accepted or quarantined; got "${text}"`);
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export const list: Command = {
  name: 'list',
  overview: '  list               events, newest first, with filters',
  help: HELP,
  async run(args, deps) {
    const { values } = parse(
      args,
      {
        ...COMMON_OPTIONS,
        ...WINDOW_OPTIONS,
        type: { type: 'string' },
        status: { type: 'string' },
        customer: { type: 'string' },
        campaign: { type: 'string' },
        voucher: { type: 'string' },
        'failure-code': { type: 'string' },
        limit: { type: 'string' },
        next: { type: 'string' },
      },
      0,
    );
    if (values.help) {
      deps.stdout(HELP);
      return 0;
    }
    const now = (deps.now ?? Date.now)();
    const filters: ListFilters = {
      type: nonEmpty(values.type, '--type'),
      status: statusFlag(values.status),
      customer: nonEmpty(values.customer, '--customer'),
      campaign: nonEmpty(values.campaign, '--campaign'),
      voucher: nonEmpty(values.voucher, '--voucher'),
      failureCode: nonEmpty(values['failure-code'], '--failure-code'),
    };
    const limit = positiveInteger(values.limit, '--limit', 25, 1000);
    let window = resolveWindow(values, now, DEFAULT_WINDOW_MS) as Window;
    let before: string | undefined;
    if (values.next !== undefined) {
      const position = decodePageToken(values.next, filters);
      window = position.window;
      before = position.cursor;
    }
    const query: ListQuery = { ...definedOnly(filters), window, limit, ...(before ? { before } : {}) };

    const page = await withSession(values, deps, (session) => session.run(() => session.repository.list(query)));
    const next = page.next ? encodePageToken({ cursor: page.next, window }, filters) : undefined;
    if (values.json) {
      deps.stdout(
        terminalJson(
          {
            items: page.items,
            next: next ?? null,
            index: page.index,
            window: { from: iso(window.fromMs), to: iso(window.toMs) },
            ...(page.customer ? { customer: page.customer } : {}),
          },
          2,
        ),
      );
      return 0;
    }
    if (page.customer?.via === 'source id')
      deps.stderr(
        `customer source id ${terminalSafe(page.customer.sourceId)} is customer ${terminalSafe(page.customer.customerId)}`,
      );
    if (page.customer?.via === 'none')
      deps.stderr(
        `no customer id ${terminalSafe(page.customer.value)}, and no event in the window carries it as a source id`,
      );
    if (page.items.length > 0) deps.stdout(eventsTable(page.items));
    const range = `${iso(window.fromMs)} .. ${iso(window.toMs)}`;
    deps.stdout(
      `${page.items.length} event${page.items.length === 1 ? '' : 's'}, newest first (${range}; index ${page.index})`,
    );
    if (next) deps.stdout(`more: repeat with --next ${next}`);
    return 0;
  },
};
