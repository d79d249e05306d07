/**
 * `voucherify-events reconcile` end to end: the official SDK against a local stand-in for Voucherify's API (several
 * pages, a 429 with Retry-After, a 401), the real events table on DynamoDB Local, and the alerts function on its real
 * stream publishing to fauxqs. A gap is found, imported once, and its rollback failure alerted once.
 */
import { runCli } from '../../cli/cli';
import { DynamoDbEventStore } from '../../functions/adapters/dynamodb-event-store';
import { buildEventRecord } from '../../functions/core/shared/event-record';
import { compactBody, loadFixture } from '../../tools/fixtures';
import { type AlertsHarness, startAlertsHarness } from '../helpers/alerts';
import { createTestTable, getEventItem, scanAll } from '../helpers/dynamodb';
import {
  type ApiObject,
  type FakeVoucherifyApi,
  failedRedemption,
  failedRollback,
  startFakeVoucherifyApi,
} from '../helpers/fake-voucherify-api';
import { HOSTILE, rawControl } from '../helpers/terminal';

const APP_ID = 'test-app-id';
const SECRET_KEY = 'test-secret-key';
const HOUR = 3_600_000;
/** Voucherify's largest page: 205 failures are three pages. */
const DELIVERED = 203;
const MISSING_ROLLBACK = 'rr_missing_rollback_01';
const MISSING_REDEMPTION = 'r_missing_redemption_02';

let harness: AlertsHarness;
let api: FakeVoucherifyApi;
let now: number;

/** What the webhook delivered: failures 0..202, stored as the ingest core stores a delivery (its own event id). */
function deliveredObjects(): ApiObject[] {
  return Array.from({ length: DELIVERED }, (_, i) => {
    const date = new Date(now - ((i + 2) * HOUR) / 2).toISOString();
    return i % 50 === 0
      ? failedRollback(`rr_delivered_${i}`, `r_parent_${i}`, date)
      : failedRedemption(`r_delivered_${i}`, date);
  });
}

async function storeAsWebhook(object: ApiObject, index: number): Promise<void> {
  const rollback = object.object === 'redemption_rollback';
  const envelope = loadFixture(rollback ? 'redemption.rollback.failed' : 'redemption.failed');
  envelope.event.id = `evtest_${index}`;
  if (rollback) envelope.data.redemption_rollback = object;
  else envelope.data.redemption = object;
  const rawBody = compactBody(envelope);
  await new DynamoDbEventStore(harness.dynamodb, harness.table).putIfAbsent(
    buildEventRecord({
      eventId: envelope.event.id,
      status: 'ACCEPTED',
      rawBody,
      parsed: JSON.parse(rawBody.toString('utf8')),
      receivedAtMs: now,
      retentionDays: 30,
    }),
  );
}

async function cli(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['reconcile', '--table', harness.table, '--endpoint', dynamodbEndpointOf(), ...args], {
    env: { VOUCHERIFY_APP_ID: APP_ID, VOUCHERIFY_SECRET_KEY: SECRET_KEY, VOUCHERIFY_API_URL: api.url, ...env },
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    localState: () => undefined,
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const dynamodbEndpointOf = () => process.env.INTEGRATION_DYNAMODB_ENDPOINT as string;

beforeAll(async () => {
  now = Date.now();
  harness = await startAlertsHarness('reconcile', { deferPolling: true });
  const delivered = deliveredObjects();
  for (const [i, object] of delivered.entries()) await storeAsWebhook(object, i);
  const missing = [
    failedRollback(MISSING_ROLLBACK, 'r_parent_missing', new Date(now - 30 * HOUR).toISOString()),
    failedRedemption(MISSING_REDEMPTION, new Date(now - 40 * HOUR).toISOString()),
  ];
  // Outside the 7-day window, and a success: neither may be listed.
  const noise = [
    failedRedemption('r_too_old', new Date(now - 9 * 24 * HOUR).toISOString()),
    { ...failedRedemption('r_succeeded', new Date(now - HOUR).toISOString()), result: 'SUCCESS' as const },
  ];
  api = await startFakeVoucherifyApi({
    objects: [...delivered, ...missing, ...noise],
    appId: APP_ID,
    secretKey: SECRET_KEY,
  });
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await harness?.stop();
});

describe('reconcile against a local Voucherify API and DynamoDB Local', () => {
  it('refuses bad keys (401) with a clear error and writes nothing', async () => {
    const before = (await scanAll(harness.dynamodb, harness.table)).length;

    const result = await cli(['--since', '7d', '--import'], { VOUCHERIFY_SECRET_KEY: 'wrong' });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: Voucherify refused the API keys \(401 Unauthorized\): check VOUCHERIFY_APP_ID/,
    );
    expect(result.stderr).not.toContain('wrong');
    expect((await scanAll(harness.dynamodb, harness.table)).length).toBe(before);
  });

  it('pages through every failure, waits out a 429, and lists exactly the two the table lacks', async () => {
    api.requests.length = 0;
    api.throttleOnce(2, '1');
    const started = Date.now();

    const result = await cli(['--since', '7d', '--json']);

    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.api).toEqual({ failures: DELIVERED + 2, pages: 3, throttled: 1 });
    expect(report.stored.matched).toBe(DELIVERED);
    expect(report.missing.map((row: { id: string }) => row.id)).toEqual([MISSING_REDEMPTION, MISSING_ROLLBACK]);
    expect(report.missing[1]).toMatchObject({ type: 'redemption.rollback.failed', redemptionId: 'r_parent_missing' });
    expect(report.imported).toBeNull();
    // page 2 asked twice: the 429, then after the Retry-After second, the answer
    expect(api.requests.map((r) => r.query.get('page'))).toEqual(['1', '2', '2', '3']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    const first = api.requests[0]!;
    expect(first.path).toBe('/v1/redemptions');
    expect(first.appId).toBe(APP_ID);
    expect(first.query.get('result')).toBe('FAILURE');
    expect(first.query.get('limit')).toBe('100');
    expect(Date.parse(first.query.get('created_at[after]') ?? '')).toBeLessThanOrEqual(now - 7 * 24 * HOUR + 60_000);
    // listing writes nothing
    expect(await getEventItem(harness.dynamodb, harness.table, `api-reconcile:${MISSING_ROLLBACK}`)).toBeUndefined();
  });

  it('imports the gap once, marked as from the API, and the rollback failure is alerted once, marked as reconciled', async () => {
    const first = await cli(['--since', '7d', '--import']);
    const second = await cli(['--since', '7d', '--import', '--json']);
    await harness.startPolling();
    const alerts = await harness.receiveUntil((seen) =>
      seen.some((a) => a.facts.eventId === `api-reconcile:${MISSING_ROLLBACK}`),
    );

    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`imported 2`);
    expect(first.stdout).toMatch(/205 failed redemptions\/rollbacks in Voucherify .*203 stored, 2 missing/);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ missing: [], imported: 0, stored: { matched: DELIVERED + 2 } });

    const rollback = await getEventItem(harness.dynamodb, harness.table, `api-reconcile:${MISSING_ROLLBACK}`);
    expect(rollback).toMatchObject({
      source: { S: 'api-reconcile' },
      status: { S: 'ACCEPTED' },
      type: { S: 'redemption.rollback.failed' },
      rollbackId: { S: MISSING_ROLLBACK },
      redemptionId: { S: 'r_parent_missing' },
      failureCode: { S: 'already_rolled_back' },
    });
    const redemption = await getEventItem(harness.dynamodb, harness.table, `api-reconcile:${MISSING_REDEMPTION}`);
    expect(redemption).toMatchObject({ source: { S: 'api-reconcile' }, redemptionId: { S: MISSING_REDEMPTION } });
    // Events only: the table also holds the cases (pk case#…) and burst counters the alerts function wrote.
    const items = (await scanAll(harness.dynamodb, harness.table)).filter((item) => !item.pk?.S?.startsWith('case'));
    expect(items.length).toBe(DELIVERED + 2);
    expect(items.filter((item) => item.source?.S === 'api-reconcile')).toHaveLength(2);

    const reconciled = alerts.filter((a) => a.facts.eventId === `api-reconcile:${MISSING_ROLLBACK}`);
    expect(reconciled).toHaveLength(1);
    expect(reconciled[0]?.subject).toMatch(/^\[reconciled\] Rollback failed: already_rolled_back/);
    expect(reconciled[0]?.facts).toMatchObject({ foundByReconciliation: true, rollback: { id: MISSING_ROLLBACK } });
    expect(reconciled[0]?.email).toContain("Found by reconciliation against Voucherify's API");
    expect(alerts.filter((a) => a.facts.eventId === `api-reconcile:${MISSING_REDEMPTION}`)).toEqual([]);
  }, 60_000);
});

describe("reconcile against an API that answers badly (issue 21: it does not trust the API's answer)", () => {
  const HOSTILE_ID = `r_${HOSTILE.osc52}`;
  let badApi: FakeVoucherifyApi;
  let table: string;

  beforeAll(async () => {
    table = await createTestTable(harness.dynamodb, 'reconcile-bad');
    const date = (hours: number) => new Date(now - hours * HOUR).toISOString();
    badApi = await startFakeVoucherifyApi({
      objects: [
        failedRedemption('r_gap_1', date(3)),
        failedRollback('rr_gap_2', 'r_parent_gap', date(4)),
        { ...failedRedemption(HOSTILE_ID, date(5)), failure_code: `${HOSTILE.clear}code` },
        { ...failedRedemption('r_bad_number_id', date(6)), id: 42 },
        failedRedemption(`r_${'x'.repeat(300)}`, date(7)),
      ],
      appId: APP_ID,
      secretKey: SECRET_KEY,
    });
  });

  afterAll(() => badApi?.stop());

  const reconcile = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['reconcile', '--table', table, '--endpoint', dynamodbEndpointOf(), ...args], {
      env: { VOUCHERIFY_APP_ID: APP_ID, VOUCHERIFY_SECRET_KEY: SECRET_KEY, VOUCHERIFY_API_URL: badApi.url },
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      localState: () => undefined,
    });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  };

  it('bad items are reported and skipped, the rest imported, the run ends INCOMPLETE with exit 1', async () => {
    const result = await reconcile('--since', '7d', '--import');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('skipped: page 1 item 3: /id: must be string');
    expect(result.stderr).toMatch(/skipped: page 1 item 4 \(id r_x+\): its id cannot be an event id/);
    expect(result.stdout).toContain('0 stored, 3 missing among those read; imported 3');
    expect(result.stdout).toContain('INCOMPLETE: 2 listed items could not be read.');
    // The table and the messages show the escape sequences in the API's answer, never write them.
    expect(rawControl(result.stdout)).toBeUndefined();
    expect(rawControl(result.stderr)).toBeUndefined();
    expect(result.stdout).toContain('r_<U+001B>]52;c;cHduZWQ=<U+0007>');
    const items = await scanAll(harness.dynamodb, table);
    expect(items.map((item) => item.pk?.S).sort()).toEqual(
      ['api-reconcile:r_gap_1', 'api-reconcile:rr_gap_2', `api-reconcile:${HOSTILE_ID}`].sort(),
    );
  });

  it('a page that is not a list: INCOMPLETE and exit 1, never "0 missing"', async () => {
    badApi.rewritePage(1, () => ({ object: 'list', redemptions: 'none today' }));

    const human = await reconcile('--since', '7d');
    const json = await reconcile('--since', '7d', '--json');

    expect(human.code).toBe(1);
    expect(human.stdout).not.toMatch(/ 0 missing$/m);
    expect(human.stdout).toContain('0 missing among those read');
    expect(human.stdout).toMatch(/^INCOMPLETE: page 1 is not a list of redemptions \(\/redemptions: must be array\)/m);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ complete: false, incomplete: expect.stringMatching(/^page 1 /) });
  });
});
