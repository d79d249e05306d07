/**
 * Issue 21, item 2: nothing from a webhook reaches the operator's terminal raw. Events whose id, voucher code,
 * campaign name, customer source id, failure code and message, or non-JSON body carry escape sequences are stored
 * through the real ingest core in DynamoDB Local; then every CLI printer runs through `runCli` (the door the launcher
 * uses): the human output shows the characters as `<U+XXXX>`, `--json` stays valid JSON holding the exact values with
 * the characters escaped. What a real terminal shows is checked by hand with tmux (see the report of issue 21).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runCli } from '../../cli/cli';
import { DynamoDbEventStore } from '../../functions/adapters/dynamodb-event-store';
import { staticSecrets } from '../../functions/adapters/secrets';
import { DEFAULT_INGEST_CONFIG, makeIngest } from '../../functions/core/ingest/ingest';
import { silentLogger } from '../../functions/core/shared/logger';
import { loadFixture, setPath, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { createTestTable, dynamodbEndpoint, testClient } from '../helpers/dynamodb';
import { HOSTILE, rawControl } from '../helpers/terminal';

const NOW = Date.parse('2026-11-22T12:00:00.000Z');
const EVENT_ID = `evrrf_${HOSTILE.osc52}x`;
const VALUES = {
  voucherCode: HOSTILE.osc8,
  campaignName: `${HOSTILE.clear}Winter`,
  customerSourceId: `${HOSTILE.bidi}\u0007`,
  failureCode: `${HOSTILE.c1}red`,
  failureMessage: HOSTILE.lineForge,
};
const NOT_JSON = `not json ${HOSTILE.clear}\u001b]0;pwned title\u0007 end\r\nsecond line`;

let client: DynamoDBClient;
let table: string;
let notJsonId: string;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli([...argv, '--table', table, '--endpoint', dynamodbEndpoint()], {
    env: {},
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    now: () => NOW,
    localState: () => undefined,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  client = testClient();
  table = await createTestTable(client, 'cli-terminal');
  const ingest = makeIngest({
    secrets: staticSecrets(TEST_SECRET),
    store: new DynamoDbEventStore(client, table),
    logger: silentLogger,
    config: DEFAULT_INGEST_CONFIG,
    now: () => NOW - 60_000,
  });
  const event = loadFixture('redemption.rollback.failed');
  setPath(event, 'event.id', EVENT_ID);
  setPath(event, 'data.voucher.code', VALUES.voucherCode);
  setPath(event, 'data.campaign.name', VALUES.campaignName);
  setPath(event, 'data.customer.source_id', VALUES.customerSourceId);
  setPath(event, 'data.redemption_rollback.failure_code', VALUES.failureCode);
  setPath(event, 'data.redemption_rollback.failure_message', VALUES.failureMessage);
  const stored = await ingest(signedRequest(event));
  expect(stored.body).toMatchObject({ eventId: EVENT_ID });
  const notJson = await ingest(signedRequest(undefined, { body: Buffer.from(NOT_JSON) }));
  notJsonId = String(notJson.body.eventId);
});

afterAll(() => client.destroy());

describe('human-readable output shows control and invisible characters, never writes them', () => {
  it.each([
    ['list', ['list', '--since', '1d']],
    ['list --customer (source id)', ['list', '--since', '1d', '--customer', VALUES.customerSourceId]],
    ['show', ['show', EVENT_ID]],
    ['show (a non-JSON body)', ['show', '<not json>']],
    ['stats', ['stats', '--since', '1d']],
    ['replay', ['replay', EVENT_ID, '--dry-run']],
    ['an error quoting the id', ['show', `${EVENT_ID}-missing`]],
  ])('%s', async (_name, argv) => {
    // Act
    const result = await cli(...argv.map((arg) => (arg === '<not json>' ? notJsonId : arg)));

    // Assess
    expect(result.out + result.err).not.toBe('');
    expect(rawControl(result.out)).toBeUndefined();
    expect(rawControl(result.err)).toBeUndefined();
  });

  it('list: the table shows each value visibly, one row per event (a CR LF in a value forges no row)', async () => {
    const { out } = await cli('list', '--since', '1d');
    expect(out).toContain('evrrf_<U+001B>]52;c;cHduZWQ=<U+0007>x');
    expect(out).toContain('<U+009B>31mred');
    expect(out.split('\n')).toHaveLength(1 + 2 + 1); // header, two events, the summary line
  });

  it('show: every field visible, the failure message on one line, the JSON payload escaped', async () => {
    const { out } = await cli('show', EVENT_ID);
    expect(out).toContain(`Event evrrf_<U+001B>]52;c;cHduZWQ=<U+0007>x`);
    expect(out).toContain('voucher      <U+001B>]8;;https://evil.example/<U+001B>\\REFUND-OK<U+001B>]8;;<U+001B>\\');
    expect(out).toContain('campaign     <U+001B>[2J<U+001B>[HWinter');
    expect(out).toContain('source id <U+202E>gnp.exe<U+0007>');
    expect(out).toContain('failure      <U+009B>31mred: ok<U+000D><U+000A>FAKE ROW<U+0085>');
    // The payload is printed as JSON: the same characters as JSON escapes.
    expect(out).toContain('"code": "\\u001b]8;;https://evil.example/\\u001b\\\\REFUND-OK');
    expect(out).toContain('"failure_code": "\\u009b31mred"');
  });

  it('show of a non-JSON body: its own line breaks kept, everything else visible', async () => {
    const { out } = await cli('show', notJsonId);
    expect(out).toContain('not json <U+001B>[2J<U+001B>[H<U+001B>]0;pwned title<U+0007> end<U+000D>\nsecond line');
  });
});

describe('--json stays valid JSON, with the exact values, the characters escaped', () => {
  it.each([
    ['list', ['list', '--since', '1d', '--json'], VALUES.voucherCode],
    ['show', ['show', EVENT_ID, '--json'], VALUES.voucherCode],
    ['stats', ['stats', '--since', '1d', '--json'], VALUES.voucherCode],
    ['replay', ['replay', EVENT_ID, '--dry-run', '--json'], EVENT_ID],
  ])('%s', async (_name, argv, value) => {
    const { code, out } = await cli(...argv);
    expect(code).toBe(0);
    expect(rawControl(out)).toBeUndefined();
    const parsed = JSON.parse(out);
    const text = JSON.stringify(parsed);
    expect(text).toContain(JSON.stringify(value).slice(1, -1));
  });

  it('list --json and show --json give back the values byte for byte', async () => {
    const listed = JSON.parse((await cli('list', '--since', '1d', '--json')).out).items;
    const event = listed.find((item: { eventId: string }) => item.eventId === EVENT_ID);
    expect(event).toMatchObject({
      voucherCode: VALUES.voucherCode,
      campaignName: VALUES.campaignName,
      customerSourceId: VALUES.customerSourceId,
      failureCode: VALUES.failureCode,
    });
    const shown = JSON.parse((await cli('show', EVENT_ID, '--json')).out);
    expect(shown.failureMessage).toBe(VALUES.failureMessage);
    expect(shown.payload.data.voucher.code).toBe(VALUES.voucherCode);
    const body = JSON.parse((await cli('show', notJsonId, '--json')).out);
    expect(body.payload).toBe(NOT_JSON);
  });
});
