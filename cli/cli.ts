/**
 * `npx voucherify-events <command>` (or `npm run events -- <command>`): find, inspect, count and replay stored
 * webhook events, against the local mode or a deployed stack. A thin layer: flags and output here, queries in
 * repository.ts, re-validation and alerts in replay.ts. See docs/operating.md.
 */
import { createHash } from 'node:crypto';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { SnsAlertPublisher } from '../functions/adapters/sns-publisher';
import type { AlertPublisher } from '../functions/core/alert-ports';
import { decodeBody } from '../functions/core/body-codec';
import type { Validators } from '../functions/core/validation';
import { type LocalModeState, localDir, readState } from '../local/runtime/state';
import { RECONCILE_HELP, reconcile } from './commands/reconcile';
import { CliError, UsageError } from './errors';
import { eventsTable, replayText, showText, statsText } from './format';
import { type ReplayResult, replayEvent } from './replay';
import { EventsRepository, type ListFilters, type ListQuery } from './repository';
import { dynamoDbClient, explainAwsError, resolveTarget, snsClient, type Target } from './target';
import { iso, resolveWindow, type Window } from './time';

type Env = Readonly<Record<string, string | undefined>>;

export interface CliDeps {
  readonly env: Env;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now?: () => number;
  /** The schemas `replay` validates with; today's generated validators unless a test swaps them. */
  readonly validators?: Validators;
  /** Sends `replay --alert`'s alerts instead of SNS (tests). */
  readonly publisher?: AlertPublisher;
  /** The running local mode, if any (its state file by default). */
  readonly localState?: () => LocalModeState | undefined;
}

const COMMON_OPTIONS = {
  table: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const WINDOW_OPTIONS = {
  since: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
} as const;

const COMMON_HELP = `Where (first that applies):
  --table NAME       the events table (the stack output TableName); env EVENTS_TABLE_NAME
  --endpoint URL     a DynamoDB endpoint such as DynamoDB Local (default: AWS, or the running \`npm start\`)
  --region REGION    default AWS_REGION; the running \`npm start\` when nothing else is given
Output:
  --json             machine-readable output on stdout
  --debug            print the underlying error of a failure
  -h, --help         this help`;

const WINDOW_HELP = `  --since DURATION   the last 30m, 24h, 7d, 2w
  --from DATE        2026-11-22 or 2026-11-22T10:00:00Z (UTC)
  --to DATE          inclusive; a date means the end of that day`;

const HELP: Record<string, string> = {
  main: `Usage: voucherify-events <command> [options]   (npm run events -- <command> [options])

Commands:
  list               events, newest first, with filters
  show <eventId>     one stored event: fields, why it was quarantined, the payload as received
  stats              counts by type and failure code, top campaigns and vouchers among failures
  replay <eventId>   validate a stored event again with today's schemas; promote it if it passes
  replay --quarantined   the same for every quarantined event
  reconcile          failed redemptions and rollbacks in Voucherify's API that the table lacks; --import stores them

Run \`voucherify-events <command> --help\` for a command's options. Docs: docs/operating.md`,
  list: `Usage: voucherify-events list [filters] [--limit N] [--next TOKEN]

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
${COMMON_HELP}`,
  show: `Usage: voucherify-events show <eventId>

The stored event: lifted fields, alert and replay markers, the validation issues of a quarantined event and the
original payload, decoded. (The payload holds customer data: mind where you paste it.)
${COMMON_HELP}`,
  stats: `Usage: voucherify-events stats [--since 7d | --from DATE --to DATE] [--top N]

Counts by type and status, by failure code, and the top campaigns and vouchers among events that report a failure
(default: the last 7 days). Reads every event of the window from the byDay index (small projected items).
${WINDOW_HELP}
  --top N            how many campaigns and vouchers to list (default 5)
${COMMON_HELP}`,
  reconcile: RECONCILE_HELP,
  replay: `Usage: voucherify-events replay <eventId> [options]
       voucherify-events replay --quarantined [--since 7d | --from DATE --to DATE] [options]

Validates the stored raw body again with today's schemas. A QUARANTINED event that now passes is promoted to
ACCEPTED (only if it is still QUARANTINED: running it twice changes nothing). An event that still fails stays as it
is, and the reasons are printed. ACCEPTED events are never demoted.
  --quarantined          every quarantined event (all of them, or those received in the window)
${WINDOW_HELP}
  --dry-run              say what would happen; write and send nothing
  --alert                also send the alert of a redemption.rollback.failed that ends ACCEPTED (once per event)
  --topic-arn ARN        the alert topic (the stack output AlertTopicArn); env ALERT_TOPIC_ARN
  --sns-endpoint URL     an SNS endpoint such as the local mode's fauxqs (default: AWS_ENDPOINT_URL_SNS or AWS)
${COMMON_HELP}`,
};

const DEFAULT_WINDOW_MS = 7 * 86_400_000;

/** Runs one command; resolves to the exit code (0 done, 1 failed, 2 bad usage). Never calls process.exit. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      deps.stdout(HELP.main as string);
      return command === undefined ? 2 : 0;
    }
    switch (command) {
      case 'list':
        return await list(rest, deps);
      case 'show':
        return await show(rest, deps);
      case 'stats':
        return await stats(rest, deps);
      case 'replay':
        return await replay(rest, deps);
      case 'reconcile':
        return await reconcile(rest, deps);
      default:
        throw new UsageError(`unknown command "${command}"; the commands are list, show, stats, replay and reconcile`);
    }
  } catch (error) {
    return report(error, command, argv.includes('--debug'), deps);
  }
}

function report(error: unknown, command: string | undefined, debug: boolean, deps: CliDeps): number {
  if (error instanceof CliError) {
    const hint = error instanceof UsageError && command && HELP[command] ? ` (see ${command} --help)` : '';
    deps.stderr(`error: ${error.message}${hint}`);
    if (debug && error.cause) deps.stderr(String((error.cause as Error).stack ?? error.cause));
    return error.exitCode;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  deps.stderr(`error: ${message}`);
  if (debug && error instanceof Error) deps.stderr(String(error.stack));
  return 1;
}

/** node:util parseArgs, with its errors as usage errors, and at most `positionals` arguments. */
function parse<const O extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: O,
  positionals: number,
) {
  const config = { args: [...args], options, allowPositionals: true, strict: true } as const;
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (cause) {
    // Node's message goes on about positionals after `--`; its first sentence is what matters.
    // (Read by shape: node:util's errors may come from another realm.)
    const text = String((cause as { message?: unknown })?.message ?? cause);
    const message = text.split(/\.(\s|$)/)[0] ?? text;
    throw new UsageError(message.charAt(0).toLowerCase() + message.slice(1), { cause });
  }
  if (!(parsed.values as { help?: boolean }).help && parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  }
  return parsed;
}

interface Session {
  readonly target: Target;
  readonly repository: EventsRepository;
  /** Runs a repository call, turning AWS SDK failures into messages. */
  run<T>(call: () => Promise<T>): Promise<T>;
  close(): void;
}

function open(flags: { table?: string; endpoint?: string; region?: string }, deps: CliDeps): Session {
  const local = (deps.localState ?? (() => readState(localDir(deps.env as NodeJS.ProcessEnv))))();
  const target = resolveTarget(flags, deps.env, local);
  const client = dynamoDbClient(target, deps.env);
  return {
    target,
    repository: new EventsRepository(client, target.tableName),
    async run(call) {
      try {
        return await call();
      } catch (error) {
        throw explainAwsError(error, target);
      }
    },
    close: () => client.destroy(),
  };
}

async function withSession<T>(
  flags: { table?: string; endpoint?: string; region?: string },
  deps: CliDeps,
  use: (session: Session) => Promise<T>,
): Promise<T> {
  const session = open(flags, deps);
  try {
    return await use(session);
  } finally {
    session.close();
  }
}

function positiveInteger(text: string | undefined, flag: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}; got "${text}"`);
  return value;
}

function statusFlag(text: string | undefined): ListFilters['status'] {
  if (text === undefined) return undefined;
  const status = text.trim().toUpperCase();
  if (status === 'ACCEPTED' || status === 'QUARANTINED') return status;
  throw new UsageError(`--status must be accepted or quarantined; got "${text}"`);
}

/** A non-empty flag value (a filter on "" would silently match nothing). */
function nonEmpty(text: string | undefined, flag: string): string | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '') throw new UsageError(`${flag} needs a value`);
  return text.trim();
}

/** The paging token: the cursor, the window of the first page and a fingerprint of the filters. */
interface Token {
  readonly v: 1;
  readonly c: string;
  readonly from: number;
  readonly to: number;
  readonly f: string;
}

function fingerprint(filters: ListFilters): string {
  const canonical = JSON.stringify([
    filters.type,
    filters.status,
    filters.customer,
    filters.campaign,
    filters.voucher,
    filters.failureCode,
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

function encodeToken(token: Token): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeToken(text: string, filters: ListFilters): Token {
  let token: Partial<Token>;
  try {
    token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Token>;
  } catch (cause) {
    throw new UsageError('--next takes the token printed under the previous page', { cause });
  }
  if (
    token.v !== 1 ||
    typeof token.c !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T[\d:.]+Z#/.test(token.c) ||
    typeof token.from !== 'number' ||
    typeof token.to !== 'number'
  )
    throw new UsageError('--next takes the token printed under the previous page');
  if (token.f !== fingerprint(filters))
    throw new UsageError('this --next token belongs to a list with other filters; repeat the same filters');
  return token as Token;
}

async function list(args: readonly string[], deps: CliDeps): Promise<number> {
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
    deps.stdout(HELP.list as string);
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
    const token = decodeToken(values.next, filters);
    window = { fromMs: token.from, toMs: token.to };
    before = token.c;
  }
  const query: ListQuery = { ...definedOnly(filters), window, limit, ...(before ? { before } : {}) };

  const page = await withSession(values, deps, (session) => session.run(() => session.repository.list(query)));
  const next = page.next
    ? encodeToken({ v: 1, c: page.next, from: window.fromMs, to: window.toMs, f: fingerprint(filters) })
    : undefined;
  if (values.json) {
    deps.stdout(
      JSON.stringify(
        {
          items: page.items,
          next: next ?? null,
          index: page.index,
          window: { from: iso(window.fromMs), to: iso(window.toMs) },
          ...(page.customer ? { customer: page.customer } : {}),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  if (page.customer?.via === 'source id')
    deps.stderr(`customer source id ${page.customer.sourceId} is customer ${page.customer.customerId}`);
  if (page.customer?.via === 'none')
    deps.stderr(`no customer id ${page.customer.value}, and no event in the window carries it as a source id`);
  if (page.items.length > 0) deps.stdout(eventsTable(page.items));
  const range = `${iso(window.fromMs)} .. ${iso(window.toMs)}`;
  deps.stdout(
    `${page.items.length} event${page.items.length === 1 ? '' : 's'}, newest first (${range}; index ${page.index})`,
  );
  if (next) deps.stdout(`more: repeat with --next ${next}`);
  return 0;
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

async function show(args: readonly string[], deps: CliDeps): Promise<number> {
  const { values, positionals } = parse(args, COMMON_OPTIONS, 1);
  if (values.help) {
    deps.stdout(HELP.show as string);
    return 0;
  }
  const eventId = positionals[0];
  if (!eventId) throw new UsageError('show needs an event id: voucherify-events show <eventId>');
  const stored = await withSession(values, deps, (session) => session.run(() => session.repository.get(eventId)));
  if (!stored) throw new CliError(`no event with id "${eventId}" in the table`);

  let payload: { json?: unknown; text?: string; error?: string };
  try {
    const raw = decodeBody(stored.record.body, stored.record.bodyEncoding).toString('utf8');
    try {
      payload = { json: JSON.parse(raw) };
    } catch {
      payload = { text: raw };
    }
  } catch (cause) {
    payload = { error: `the stored body could not be decoded: ${cause instanceof Error ? cause.message : cause}` };
  }
  if (values.json) {
    const { body: _body, ...record } = stored.record;
    deps.stdout(
      JSON.stringify(
        {
          ...record,
          alertedAt: stored.alertedAt,
          alertMessageId: stored.alertMessageId,
          promotedAt: stored.promotedAt,
          replayAlertedAt: stored.replayAlertedAt,
          replayAlertMessageId: stored.replayAlertMessageId,
          payload: payload.json ?? payload.text ?? null,
          ...(payload.error ? { payloadError: payload.error } : {}),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  deps.stdout(showText(stored, payload));
  return 0;
}

async function stats(args: readonly string[], deps: CliDeps): Promise<number> {
  const { values } = parse(args, { ...COMMON_OPTIONS, ...WINDOW_OPTIONS, top: { type: 'string' } }, 0);
  if (values.help) {
    deps.stdout(HELP.stats as string);
    return 0;
  }
  const window = resolveWindow(values, (deps.now ?? Date.now)(), DEFAULT_WINDOW_MS) as Window;
  const top = positiveInteger(values.top, '--top', 5, 100);
  const result = await withSession(values, deps, (session) => session.run(() => session.repository.stats(window, top)));
  if (values.json) {
    deps.stdout(JSON.stringify({ ...result, window: { from: iso(window.fromMs), to: iso(window.toMs) } }, null, 2));
    return 0;
  }
  deps.stdout(statsText(result));
  return 0;
}

async function replay(args: readonly string[], deps: CliDeps): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      ...COMMON_OPTIONS,
      ...WINDOW_OPTIONS,
      quarantined: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      alert: { type: 'boolean' },
      'topic-arn': { type: 'string' },
      'sns-endpoint': { type: 'string' },
    },
    1,
  );
  if (values.help) {
    deps.stdout(HELP.replay as string);
    return 0;
  }
  const eventId = positionals[0];
  if (eventId !== undefined && values.quarantined) throw new UsageError('give an event id or --quarantined, not both');
  if (eventId === undefined && !values.quarantined)
    throw new UsageError('replay needs an event id, or --quarantined for every quarantined event');
  if (eventId !== undefined && (values.since ?? values.from ?? values.to) !== undefined)
    throw new UsageError('--since, --from and --to go with --quarantined');
  const window = values.quarantined ? resolveWindow(values, (deps.now ?? Date.now)(), undefined) : undefined;
  const options = { dryRun: values['dry-run'] === true, alert: values.alert === true };
  const topicArn = values['topic-arn'] ?? deps.env.ALERT_TOPIC_ARN;
  if (options.alert && !options.dryRun && !deps.publisher && !topicArn)
    throw new UsageError('--alert needs the alert topic: pass --topic-arn (the stack output AlertTopicArn)');
  if (topicArn !== undefined && !/^arn:[\w-]+:sns:[\w-]*:\d*:[\w-]+$/.test(topicArn))
    throw new UsageError(`--topic-arn must be an SNS topic ARN; got "${topicArn}"`);

  return withSession(values, deps, async (session) => {
    const sns =
      options.alert && !options.dryRun && !deps.publisher && topicArn
        ? snsClient(session.target, deps.env, values['sns-endpoint'])
        : undefined;
    try {
      const replayDeps = {
        repository: session.repository,
        now: deps.now ?? Date.now,
        ...(deps.validators ? { validators: deps.validators } : {}),
        ...(deps.publisher
          ? { publisher: deps.publisher }
          : sns && topicArn
            ? { publisher: new SnsAlertPublisher(sns, topicArn) }
            : {}),
      };
      const ids =
        eventId !== undefined ? [eventId] : await session.run(() => session.repository.quarantinedIds(window));
      const results: ReplayResult[] = [];
      for (const id of ids) {
        const result = await session.run(() => replayEvent(id, options, replayDeps));
        results.push(result);
        if (!values.json) deps.stdout(replayText(result));
      }
      if (values.json) {
        deps.stdout(JSON.stringify({ dryRun: options.dryRun, results }, null, 2));
      } else if (values.quarantined) {
        const counts = new Map<string, number>();
        for (const r of results) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
        const summary = [...counts].map(([action, n]) => `${n} ${action}`).join(', ');
        deps.stdout(
          `${results.length} quarantined event${results.length === 1 ? '' : 's'}${summary ? `: ${summary}` : ''}` +
            `${options.dryRun ? ' (dry run: nothing written or sent)' : ''}`,
        );
      } else if (options.dryRun) {
        deps.stdout('(dry run: nothing written or sent)');
      }
      return 0;
    } finally {
      sns?.destroy();
    }
  });
}

/** The process entry (the `voucherify-events` launcher and `npm run events`). */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  // The SDK's Node 20 end-of-support notice would land in the middle of the output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runCli(argv, {
    env: process.env,
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
