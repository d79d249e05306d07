/**
 * Issue 21, item 2 in the fuzz: control characters in every printed field, and the invariant that no raw control
 * character reaches printed output. `printedFieldSweep` puts escape sequences of every family (OSC 8 links, OSC 52
 * clipboard writes, CSI screen clears, BEL, C1 controls, bidi overrides, CR LF) into each field a person reads in the
 * CLI (event id, type, voucher code, campaign, customer ids, failure code and message); `checkPrinted` renders every
 * stored item through the CLI's printers (list, show, stats, replay, their --json) and the smoke's table, and fails
 * on a raw control, format or bidi character in what would reach the terminal.
 */
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { eventsTable, replayText, showText, statsText } from '../../cli/format';
import type { StoredEvent } from '../../cli/repository';
import { formatTable } from '../../cli/smoke/run';
import { countEvents } from '../../cli/stats';
import { fromItem } from '../../functions/adapters/dynamodb-event-store';
import { EVENTS_TABLE } from '../../functions/adapters/table';
import { decodeBody } from '../../functions/core/shared/body-codec';
import { terminalJson } from '../../functions/core/shared/visible-text';
import { plainCase, SEED_NODES } from './arbitraries';
import type { FuzzCase } from './cases';

/**
 * What may not reach a terminal raw: C0 but LF and TAB, DEL, C1, format and bidi characters, line and paragraph
 * separators, U+FFFE/U+FFFF, lone surrogates. Written out here, apart from the neutraliser it checks.
 */
const RAW_CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's purpose.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

/** The first raw control in `text`, as `U+XXXX at <offset>` with some context, or undefined. */
export function rawControl(text: string): string | undefined {
  const match = RAW_CONTROL.exec(text);
  if (!match) return undefined;
  const code = (match[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return `U+${code} at ${match.index}: …${JSON.stringify(text.slice(Math.max(0, match.index - 20), match.index + 20))}…`;
}

/** One string per family of what a webhook can carry to a terminal. */
export const CONTROL_TEXTS: readonly string[] = [
  '\u001b]8;;https://evil.example/\u001b\\CLICK\u001b]8;;\u001b\\',
  '\u001b]52;c;cHduZWQ=\u0007',
  '\u001b[2J\u001b[H\u001b[31mred',
  '\u009b2J\u0090dcs\u009c\u0085nel',
  'a\r\nFAKE ROW\tb\u0000\u0008\u007f',
  '\u202egnp.exe\u2066\u2069\u200b\u200f\ufeff\u2028',
];

/** Fields a person reads in the CLI, by their JSON path in the envelope (wherever a seed has them as strings). */
const PRINTED_PATHS = new Set(
  [
    'id',
    'type',
    'project_id',
    'event.id',
    'data.voucher.code',
    'data.voucher.campaign',
    'data.campaign.name',
    'data.campaign.id',
    'data.customer.id',
    'data.customer.source_id',
    'data.redemption.failure_code',
    'data.redemption.failure_message',
    'data.redemption_rollback.failure_code',
    'data.redemption_rollback.failure_message',
  ].map((path) => path.split('.').join('\u0000')),
);

/**
 * Every printed field of every seed set to control texts: authentic deliveries, so they are stored and shown. `all`
 * tries every text in every field (`npm run fuzz`); otherwise each field gets one text, the texts taken in turn, so
 * every family still reaches every kind of field across the seeds (the test suite's shorter run).
 */
export function printedFieldSweep(options: { readonly all?: boolean } = {}): FuzzCase[] {
  const nodes = SEED_NODES.filter((node) => node.kind === 'string' && PRINTED_PATHS.has(node.path.join('\u0000')));
  return nodes.flatMap((node, index) =>
    (options.all ? CONTROL_TEXTS : [CONTROL_TEXTS[index % CONTROL_TEXTS.length] as string]).map((text) =>
      plainCase({
        kind: 'seed',
        seed: node.seed,
        // The event id keeps a unique prefix, so a rerun of the sweep stores its events again rather than as duplicates.
        mutation: { kind: 'set', path: node.path, value: node.path.join('.') === 'event.id' ? `evt_${text}` : text },
        indent: 0,
        edit: { kind: 'none' },
      }),
    ),
  );
}

/** The stored item of `key` rendered by every printer; throws a message naming the printer that let a control out. */
export async function checkPrinted(target: { client: DynamoDBClient; table: string }, key: string): Promise<void> {
  const { Item } = await target.client.send(
    new GetItemCommand({
      TableName: target.table,
      Key: { [EVENTS_TABLE.partitionKey]: { S: key } },
      ConsistentRead: true,
    }),
  );
  if (!Item) return;
  const record = fromItem(Item);
  const stored: StoredEvent = { record };
  const raw = decodeBody(record.body, record.bodyEncoding).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  // As `show --json` writes it: the parsed payload, or the text when it is nested too deep to stringify again.
  let payloadJson: string;
  try {
    payloadJson = terminalJson({ ...record, body: undefined, payload: json ?? raw }, 2);
  } catch {
    payloadJson = terminalJson({ ...record, body: undefined, payload: raw }, 2);
  }
  const window = { fromMs: Date.parse(record.receivedAt) - 1, toMs: Date.parse(record.receivedAt) + 1 };
  const stats = countEvents([record], window, 5);
  const outputs: [string, string][] = [
    ['list', eventsTable([record])],
    ['show', showText(stored, json === undefined ? { text: raw } : { json, text: raw })],
    ['stats', statsText(stats)],
    [
      'replay',
      replayText({
        eventId: record.eventId,
        ...(record.type ? { type: record.type } : {}),
        before: record.status,
        after: record.status,
        action: 'already accepted',
        ...(record.issues ? { issues: record.issues } : {}),
      }),
    ],
    ['list --json', terminalJson({ items: [{ ...record, body: undefined }] }, 2)],
    ['show --json', payloadJson],
    [
      'smoke table',
      formatTable({ label: 'fuzz', webhookUrl: 'u', tableName: 't', topicArn: 'a', secret: 's' }, [
        { name: 'read back', status: 'fail', detail: `${record.eventId}: ${record.failureMessage ?? ''}`, ms: 1 },
      ]),
    ],
  ];
  for (const [printer, text] of outputs) {
    const found = rawControl(text);
    if (found)
      throw new Error(`a raw control character reached the ${printer} output of ${JSON.stringify(key)}: ${found}`);
  }
}
