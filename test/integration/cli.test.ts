/**
 * The operations CLI (`voucherify-events`) against DynamoDB Local, on events stored through the real ingest core:
 * every list filter and the index that serves it, paging, show, stats, replay (promotion after a schema change, dry
 * run, idempotence, the alert through fauxqs), and the errors a person can act on. Commands run in-process through
 * `runCli`; a few run through the launcher, as `npx voucherify-events` does.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { runCli } from '../../cli/cli';
import { EventsRepository } from '../../cli/repository';
import { DynamoDbAlertLedger } from '../../functions/adapters/dynamodb-alert-ledger';
import { DynamoDbEventStore } from '../../functions/adapters/dynamodb-event-store';
import { staticSecrets } from '../../functions/adapters/secrets';
import { EVENTS_TABLE, INDEX_KEYS } from '../../functions/adapters/table';
import { DEFAULT_INGEST_CONFIG, makeIngest } from '../../functions/core/ingest/ingest';
import type { GeneratedValidator } from '../../functions/core/ingest/schemas/generated/validators';
import { type Validators, validatorsAheadOfTime } from '../../functions/core/ingest/validation';
import { silentLogger } from '../../functions/core/shared/logger';
import {
  createAlertTopic,
  localSnsClient,
  localSqsClient,
  parseAlertNotification,
  subscribeQueue,
} from '../../local/runtime/alerts';
import { loadFixture, setPath, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { snsEndpoint } from '../helpers/alerts';
import { createTestTable, dynamodbEndpoint, getEventItem, testClient } from '../helpers/dynamodb';

const NOW = Date.parse('2026-11-22T12:00:00.000Z');
const HOUR = 3_600_000;
const LAUNCHER = path.join(__dirname, '..', '..', 'cli', 'voucherify-events.js');

/**
 * The schema before a (pretend) fix: rollback failures had to name a voucher, so one redeemed through a promotion tier
 * (`data.voucher: null`) was quarantined. Today's schema allows it.
 */
function strictValidators(): Validators {
  const base = validatorsAheadOfTime.dataByType['redemption.rollback.failed'] as GeneratedValidator;
  const strict = ((data: unknown) => {
    const voucher = (data as { voucher?: unknown } | null)?.voucher;
    const ok = base(data) && typeof voucher === 'object' && voucher !== null;
    strict.errors = ok
      ? null
      : [
          {
            instancePath: '/voucher',
            schemaPath: '#/properties/voucher/type',
            keyword: 'type',
            params: { type: 'object' },
          },
        ];
    return ok;
  }) as GeneratedValidator;
  return {
    ...validatorsAheadOfTime,
    dataByType: { ...validatorsAheadOfTime.dataByType, 'redemption.rollback.failed': strict },
  };
}

/** The ids the seed stores, by what they show. */
const ID = {
  rollbackFailed: 'evrrf_0e3ac8bf0a0531c400', // NOW-1h, cust_Idg.../jck-wbhk, already_rolled_back, Refer-gift
  rollbackSucceeded: 'evrr_0e8d22222222222222', // NOW-1h too (same millisecond: the id breaks the tie)
  redemptionFailed: 'evrf_0e3ac5685d2431c105', // NOW-2h, no_applicable_redeemables
  redemptionSucceeded: 'evr_0e7c11111111111112', // NOW-3h, Refer-gift
  giftCard: 'evrf_0e5a77bb89dd99dd11', // NOW-4h, GIFT-50-AB12CD, gift_amount_exceeded
  promotionTier: 'evrrf_0e4b01aa00c531d201', // NOW-5h, quarantined by the strict schema, cust_Idg.../jck-wbhk
  broken: 'evrf_0e6b00000000000002', // NOW-6h, quarantined: created_at is not a date
  published: 'evpub_0e9e33333333333332', // NOW-26h (yesterday)
  loyalty: 'evrrf_0e9f00aa11dd22cc55', // NOW-10 days: outside the default 7 days
} as const;

/** Stores the events through the ingest core, each at its own time. The not-JSON one gets a `sha256:` id. */
async function seed(client: DynamoDBClient, table: string): Promise<{ notJson: string }> {
  let clock = NOW;
  const store = new DynamoDbEventStore(client, table);
  const ingestWith = (validators?: Validators) =>
    makeIngest({
      secrets: staticSecrets(TEST_SECRET),
      store,
      logger: silentLogger,
      config: DEFAULT_INGEST_CONFIG,
      now: () => clock,
      ...(validators ? { validators } : {}),
    });
  const today = ingestWith();
  const strict = ingestWith(strictValidators());
  const post = async (ingest: typeof today, at: number, body: unknown, raw?: Buffer) => {
    clock = at;
    const result = await ingest(raw ? signedRequest(undefined, { body: raw }) : signedRequest(body));
    if (result.statusCode >= 300) throw new Error(`seed failed: ${JSON.stringify(result.body)}`);
    return result;
  };
  const broken = loadFixture('redemption.failed.nulls');
  setPath(broken, 'created_at', 'not-a-date');

  await post(today, NOW - HOUR, loadFixture('redemption.rollback.failed'));
  await post(today, NOW - HOUR, loadFixture('redemption.rollback.succeeded'));
  await post(today, NOW - 2 * HOUR, loadFixture('redemption.failed'));
  await post(today, NOW - 3 * HOUR, loadFixture('redemption.succeeded'));
  await post(today, NOW - 4 * HOUR, loadFixture('redemption.failed.gift-card'));
  await post(strict, NOW - 5 * HOUR, loadFixture('redemption.rollback.failed.promotion-tier'));
  await post(today, NOW - 6 * HOUR, broken);
  const notJson = await post(today, NOW - 7 * HOUR, undefined, Buffer.from('this is not json'));
  await post(today, NOW - 26 * HOUR, loadFixture('voucher.published'));
  await post(today, NOW - 240 * HOUR, loadFixture('redemption.rollback.failed.loyalty-card'));
  return { notJson: String(notJson.body.eventId) };
}

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function cli(table: string, extra: Partial<Parameters<typeof runCli>[1]> = {}) {
  return async (...argv: string[]): Promise<Run> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli([...argv, '--table', table, '--endpoint', dynamodbEndpoint()], {
      env: {},
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      now: () => NOW,
      localState: () => undefined,
      ...extra,
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
}

/** `list --json` as ids, failing on a non-zero exit. */
async function ids(run: ReturnType<typeof cli>, ...argv: string[]): Promise<string[]> {
  const result = await run('list', ...argv, '--json');
  expect(result).toMatchObject({ code: 0, err: '' });
  return (JSON.parse(result.out) as { items: { eventId: string }[] }).items.map((item) => item.eventId);
}

let client: DynamoDBClient;
let table: string;
let notJson: string;
let run: ReturnType<typeof cli>;

beforeAll(async () => {
  client = testClient();
  table = await createTestTable(client, 'cli');
  ({ notJson } = await seed(client, table));
  run = cli(table);
});

afterAll(() => client.destroy());

describe('list', () => {
  it('without filters: the last 7 days, newest first, across types and days (ties by event id)', async () => {
    expect(await ids(run)).toEqual([
      ID.rollbackFailed,
      ID.rollbackSucceeded,
      ID.redemptionFailed,
      ID.redemptionSucceeded,
      ID.giftCard,
      ID.promotionTier,
      ID.broken,
      notJson,
      ID.published,
    ]);
  });

  it('--type: one type, accepted and quarantined alike, from the byDay index', async () => {
    const result = JSON.parse((await run('list', '--type', 'redemption.failed', '--json')).out);
    expect(result.index).toBe('byDay');
    expect(result.items.map((i: { eventId: string }) => i.eventId)).toEqual([
      ID.redemptionFailed,
      ID.giftCard,
      ID.broken,
    ]);
  });

  it('--status quarantined: the quarantined index, unparseable bodies included', async () => {
    const result = JSON.parse((await run('list', '--status', 'quarantined', '--json')).out);
    expect(result.index).toBe('quarantined');
    expect(result.items.map((i: { eventId: string }) => i.eventId)).toEqual([ID.promotionTier, ID.broken, notJson]);
    expect(result.items.every((i: { status: string }) => i.status === 'QUARANTINED')).toBe(true);
  });

  it('--status accepted leaves the quarantined out', async () => {
    expect(await ids(run, '--status', 'ACCEPTED')).toEqual([
      ID.rollbackFailed,
      ID.rollbackSucceeded,
      ID.redemptionFailed,
      ID.redemptionSucceeded,
      ID.giftCard,
      ID.published,
    ]);
  });

  it('--since, --from and --to bound the window', async () => {
    expect(await ids(run, '--since', '2h')).toEqual([ID.rollbackFailed, ID.rollbackSucceeded, ID.redemptionFailed]);
    expect(await ids(run, '--since', '30d')).toContain(ID.loyalty);
    expect(await ids(run, '--from', '2026-11-12', '--to', '2026-11-12')).toEqual([ID.loyalty]);
    expect(await ids(run, '--from', '2026-11-21T09:00:00Z', '--to', '2026-11-21T11:00:00Z')).toEqual([ID.published]);
    // --to is inclusive to the millisecond.
    expect(await ids(run, '--from', '2026-11-22T11:00:00.000Z', '--to', '2026-11-22T11:00:00.000Z')).toEqual([
      ID.rollbackFailed,
      ID.rollbackSucceeded,
    ]);
  });

  it('--customer with a customer id: the byCustomer index', async () => {
    const result = JSON.parse((await run('list', '--customer', 'cust_IdgAFZxYwwHctOk9pPuMu308', '--json')).out);
    expect(result.index).toBe('byCustomer');
    expect(result.customer).toEqual({ via: 'id', customerId: 'cust_IdgAFZxYwwHctOk9pPuMu308' });
    expect(result.items.map((i: { eventId: string }) => i.eventId)).toEqual([
      ID.rollbackFailed,
      ID.rollbackSucceeded,
      ID.promotionTier,
    ]);
  });

  it('--customer with a source id resolves to the customer id and lists the same events', async () => {
    const result = await run('list', '--customer', 'jck-wbhk');
    expect(result.code).toBe(0);
    expect(result.err).toContain('customer source id jck-wbhk is customer cust_IdgAFZxYwwHctOk9pPuMu308');
    expect(await ids(run, '--customer', 'jck-wbhk')).toEqual([
      ID.rollbackFailed,
      ID.rollbackSucceeded,
      ID.promotionTier,
    ]);
  });

  it('--customer that matches nothing: an empty list and a note', async () => {
    const result = await run('list', '--customer', 'nobody');
    expect(result.code).toBe(0);
    expect(result.out).toContain('0 events');
    expect(result.err).toContain('no customer id nobody');
  });

  it('--campaign by id or by name, --voucher, --failure-code', async () => {
    const referGift = [ID.rollbackFailed, ID.rollbackSucceeded, ID.redemptionSucceeded];
    expect(await ids(run, '--campaign', 'camp_QULf1Wzu4yvT3cJ3IzFp76nY')).toEqual(referGift);
    expect(await ids(run, '--campaign', 'Refer-gift')).toEqual(referGift);
    expect(await ids(run, '--voucher', 'GIFT-50-AB12CD')).toEqual([ID.giftCard]);
    expect(await ids(run, '--failure-code', 'already_rolled_back')).toEqual([ID.rollbackFailed, ID.promotionTier]);
  });

  it('filters combine: a type and a customer; a status and a failure code', async () => {
    expect(await ids(run, '--type', 'redemption.rollback.failed', '--customer', 'jck-wbhk')).toEqual([
      ID.rollbackFailed,
      ID.promotionTier,
    ]);
    expect(await ids(run, '--status', 'quarantined', '--failure-code', 'already_rolled_back')).toEqual([
      ID.promotionTier,
    ]);
  });

  it('pages with --limit and --next: every event once, in order, across the tie and the day boundary', async () => {
    const all = await ids(run);
    const seen: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const result = await run('list', '--limit', '2', '--json', ...(next ? ['--next', next] : []));
      expect(result.code).toBe(0);
      const page = JSON.parse(result.out) as { items: { eventId: string }[]; next: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.eventId));
      next = page.next;
      pages += 1;
    } while (next && pages < 20);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 2));
  });

  it('a --next token keeps its window and refuses other filters', async () => {
    const first = JSON.parse((await run('list', '--since', '2h', '--limit', '1', '--json')).out);
    // A later, wider --since is ignored: the token carries the first page's window.
    const second = JSON.parse(
      (await run('list', '--since', '30d', '--limit', '5', '--next', first.next, '--json')).out,
    );
    expect(second.items.map((i: { eventId: string }) => i.eventId)).toEqual([
      ID.rollbackSucceeded,
      ID.redemptionFailed,
    ]);
    const other = await run('list', '--type', 'redemption.failed', '--next', first.next);
    expect(other.code).toBe(2);
    expect(other.err).toContain('other filters');
  });

  it('the table: a header, one row per event with the searchable fields, a footer with the index', async () => {
    const result = await run('list', '--failure-code', 'already_rolled_back');
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toMatch(
      /^RECEIVED \(UTC\)\s+EVENT ID\s+TYPE\s+STATUS\s+FAILURE CODE\s+CUSTOMER\s+CAMPAIGN\s+VOUCHER$/,
    );
    expect(lines[1]).toMatch(
      /^2026-11-22 11:00:00\s+evrrf_0e3ac8bf0a0531c400\s+redemption\.rollback\.failed\s+ACCEPTED\s+already_rolled_back\s+jck-wbhk\s+Refer-gift\s+Refer-gift-90873378$/,
    );
    expect(lines[2]).toContain(ID.promotionTier);
    expect(lines[3]).toBe('2 events, newest first (2026-11-15T12:00:00.000Z .. 2026-11-22T12:00:00.000Z; index byDay)');
  });
});

describe('show', () => {
  it('an accepted event: its fields and the payload as received', async () => {
    const result = await run('show', ID.rollbackFailed);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`Event ${ID.rollbackFailed}`);
    expect(result.out).toMatch(/status\s+ACCEPTED/);
    expect(result.out).toMatch(/failure\s+already_rolled_back: Already rolled back/);
    expect(result.out).toMatch(/customer\s+cust_IdgAFZxYwwHctOk9pPuMu308, source id jck-wbhk/);
    const payload = result.out.slice(result.out.indexOf('Payload (as received):') + 'Payload (as received):'.length);
    expect(JSON.parse(payload)).toEqual(loadFixture('redemption.rollback.failed'));
    expect(result.out).not.toContain('Why it was quarantined');
  });

  it('a quarantined event: why, pointer by pointer', async () => {
    const result = await run('show', ID.broken);
    expect(result.out).toMatch(/status\s+QUARANTINED/);
    expect(result.out).toContain('Why it was quarantined:\n  /created_at: must be a date-time string');
  });

  it('a body that is not JSON is shown as text; --json gives the record, the issues and the payload', async () => {
    const text = await run('show', notJson);
    expect(text.out).toContain('this is not json');
    const json = JSON.parse((await run('show', ID.promotionTier, '--json')).out);
    expect(json).toMatchObject({
      eventId: ID.promotionTier,
      status: 'QUARANTINED',
      issues: [{ pointer: '/data/voucher', message: 'must be object' }],
      payload: loadFixture('redemption.rollback.failed.promotion-tier'),
    });
    expect(json).not.toHaveProperty('body');
  });

  it('an unknown id: exit 1 and a plain message', async () => {
    const result = await run('show', 'ev_does_not_exist');
    expect(result).toEqual({
      code: 1,
      out: '',
      err: 'error: no event or case with id "ev_does_not_exist" in the table',
    });
  });
});

describe('stats', () => {
  it('--json: counts by type and status, by failure code, top campaigns and vouchers among failures', async () => {
    const result = await run('stats', '--since', '7d', '--json');
    expect(result.code).toBe(0);
    const stats = JSON.parse(result.out);
    expect(stats.total).toBe(9);
    expect(stats.byStatus).toEqual({ ACCEPTED: 6, QUARANTINED: 3 });
    expect(stats.byType).toEqual({
      'redemption.rollback.failed': { ACCEPTED: 1, QUARANTINED: 1 },
      'redemption.rollback.succeeded': { ACCEPTED: 1 },
      'redemption.failed': { ACCEPTED: 2, QUARANTINED: 1 },
      'redemption.succeeded': { ACCEPTED: 1 },
      'voucher.published': { ACCEPTED: 1 },
      '(none)': { QUARANTINED: 1 },
    });
    expect(stats.byFailureCode).toEqual({
      already_rolled_back: 2,
      no_applicable_redeemables: 1,
      gift_amount_exceeded: 1,
      missing_customer: 1,
    });
    expect(stats.failures).toBe(5);
    expect(stats.topCampaigns).toEqual([
      { campaign: 'camp_G1ftC4rds2024xx', name: 'Gift cards 2024', count: 1 },
      { campaign: 'camp_QULf1Wzu4yvT3cJ3IzFp76nY', name: 'Refer-gift', count: 1 },
      { campaign: 'camp_W1nt3rS4l3C4mp41gn', count: 1 },
    ]);
    expect(stats.topVouchers).toEqual([
      { voucher: 'GIFT-50-AB12CD', count: 1 },
      { voucher: 'Refer-gift-90873378', count: 1 },
    ]);
    // The first event of the week came 26 hours ago: nothing before it since the window's start.
    expect(stats.longestGap).toEqual({
      from: new Date(NOW - 7 * 24 * HOUR).toISOString(),
      to: new Date(NOW - 26 * HOUR).toISOString(),
      ms: (7 * 24 - 26) * HOUR,
      fromWindowStart: true,
      toWindowEnd: false,
    });
  });

  it('the window bounds the counts; the text form has every section', async () => {
    const narrow = JSON.parse((await run('stats', '--since', '90m', '--json')).out);
    expect(narrow.total).toBe(2);
    expect(narrow.longestGap).toMatchObject({ from: new Date(NOW - HOUR).toISOString(), ms: HOUR, toWindowEnd: true });
    const text = await run('stats');
    expect(text.out).toContain(
      `Longest gap between deliveries: 5d 22h 00m (${new Date(NOW - 7 * 24 * HOUR).toISOString()} (window start) .. `,
    );
    expect(text.code).toBe(0);
    for (const heading of ['By type', 'By failure code', 'Top campaigns among failures', 'Top vouchers among failures'])
      expect(text.out).toContain(heading);
    expect(text.out).toMatch(/already_rolled_back\s+2/);
  });
});

describe('every query goes through the key or an index', () => {
  it('list, stats and the customer look-up send only GetItem and Query with an IndexName, never Scan', async () => {
    const queried = testClient();
    const commands: { name: string; index?: string }[] = [];
    queried.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push({
          name: context.commandName as string,
          index: (args.input as { IndexName?: string }).IndexName,
        });
        return next(args);
      },
      { step: 'initialize' },
    );
    const repository = new EventsRepository(queried, table);
    const window = { fromMs: NOW - 7 * 24 * HOUR, toMs: NOW };
    await repository.list({ window, limit: 5 });
    await repository.list({ window, limit: 5, customer: 'jck-wbhk', type: 'redemption.rollback.failed' });
    await repository.list({ window, limit: 5, status: 'QUARANTINED', campaign: 'x' });
    for await (const _summary of repository.daySummaries(window));
    await repository.quarantinedIds();
    await repository.get(ID.rollbackFailed);
    queried.destroy();

    expect(commands.length).toBeGreaterThan(5);
    for (const command of commands) {
      expect(['QueryCommand', 'GetItemCommand']).toContain(command.name);
      if (command.name === 'QueryCommand') expect(command.index).toEqual(expect.any(String));
    }
  });
});

describe('replay', () => {
  let replayTable: string;
  let replay: ReturnType<typeof cli>;
  beforeAll(async () => {
    replayTable = await createTestTable(client, 'cli-replay');
    await seed(client, replayTable);
    replay = cli(replayTable);
  });

  it('with the schema the event was quarantined under, it still fails and nothing changes', async () => {
    const strict = cli(replayTable, { validators: strictValidators() });
    const result = await strict('replay', ID.promotionTier);
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      `${ID.promotionTier}  redemption.rollback.failed  QUARANTINED -> QUARANTINED  still invalid`,
    );
    expect(result.out).toContain('/data/voucher: must be object');
    expect((await getEventItem(client, replayTable, ID.promotionTier))?.status?.S).toBe('QUARANTINED');
  });

  it("--dry-run with today's schemas says it would promote, and writes nothing", async () => {
    const result = await replay('replay', ID.promotionTier, '--dry-run');
    expect(result.out).toContain('QUARANTINED -> ACCEPTED  would promote');
    expect(result.out).toContain('dry run');
    expect((await getEventItem(client, replayTable, ID.promotionTier))?.status?.S).toBe('QUARANTINED');
  });

  it("with today's schemas it is promoted: ACCEPTED, issues and quarantine key gone, out of the quarantined list", async () => {
    const result = await replay('replay', ID.promotionTier);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('QUARANTINED -> ACCEPTED  promoted');

    const item = await getEventItem(client, replayTable, ID.promotionTier);
    expect(item?.status?.S).toBe('ACCEPTED');
    expect(item?.issues).toBeUndefined();
    expect(item?.[INDEX_KEYS.quarantined]).toBeUndefined();
    expect(item?.promotedAt?.S).toBe(new Date(NOW).toISOString());
    expect(item?.[EVENTS_TABLE.partitionKey]?.S).toBe(ID.promotionTier);
    expect(await ids(replay, '--status', 'quarantined')).not.toContain(ID.promotionTier);
    expect(await ids(replay, '--status', 'accepted')).toContain(ID.promotionTier);
  });

  it('again: nothing to do (idempotent)', async () => {
    const result = await replay('replay', ID.promotionTier, '--json');
    expect(JSON.parse(result.out).results).toEqual([
      {
        eventId: ID.promotionTier,
        type: 'redemption.rollback.failed',
        before: 'ACCEPTED',
        after: 'ACCEPTED',
        action: 'already accepted',
      },
    ]);
  });

  it('--quarantined: every quarantined event; those that still fail stay, with their reasons', async () => {
    const result = await replay('replay', '--quarantined');
    expect(result.code).toBe(0);
    expect(result.out).toContain(`${ID.broken}  redemption.failed  QUARANTINED -> QUARANTINED  still invalid`);
    expect(result.out).toContain('the body is not valid JSON');
    expect(result.out).toContain('2 quarantined events: 2 still invalid');
    expect(await ids(replay, '--status', 'quarantined')).toHaveLength(2);
  });

  it('--alert sends the rollback failure alert once, through the SNS publisher, marked on the item', async () => {
    const sns = localSnsClient(snsEndpoint());
    const sqs = localSqsClient(snsEndpoint());
    const unique = Date.now().toString(36);
    const topicArn = await createAlertTopic(sns, `cli-replay-${unique}`);
    const { queueUrl } = await subscribeQueue(sns, sqs, topicArn, `cli-replay-${unique}`);
    const alert = (...argv: string[]) =>
      replay('replay', ID.promotionTier, '--alert', '--topic-arn', topicArn, '--sns-endpoint', snsEndpoint(), ...argv);

    expect((await alert('--dry-run')).out).toContain('alert: would send');
    const first = await alert();
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/already accepted {2}alert: sent \(message [\w-]+\)/);
    const second = await alert();
    expect(second.out).toContain('alert: already sent at 2026-11-22T12:00:00.000Z');

    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(Messages).toHaveLength(1);
    const received = parseAlertNotification(Messages?.[0]?.Body ?? '{}');
    expect(received.subject).toBe('Rollback failed: already_rolled_back - Winter sale 10% off orders over 100');
    expect(received.facts).toMatchObject({ eventId: ID.promotionTier, validated: true });
    const item = await getEventItem(client, replayTable, ID.promotionTier);
    expect(item?.replayAlertMessageId?.S).toBe(received.messageId);
    sns.destroy();
    sqs.destroy();
  });

  it('--alert never sends a second alert for an event the alerts function already alerted; --force re-sends, saying so', async () => {
    // Prepare: the alerts function published this event's alert from the stream and marked it.
    const sns = localSnsClient(snsEndpoint());
    const sqs = localSqsClient(snsEndpoint());
    const unique = Date.now().toString(36);
    const topicArn = await createAlertTopic(sns, `cli-resend-${unique}`);
    const { queueUrl } = await subscribeQueue(sns, sqs, topicArn, `cli-resend-${unique}`);
    const firstAt = '2026-11-22T11:00:05.000Z';
    await new DynamoDbAlertLedger(client, replayTable).markAlerted(ID.rollbackFailed, {
      at: firstAt,
      messageId: 'msg-from-the-stream',
    });
    const alert = (...argv: string[]) =>
      replay('replay', ID.rollbackFailed, '--alert', '--topic-arn', topicArn, '--sns-endpoint', snsEndpoint(), ...argv);
    const received = async () =>
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 })))
        .Messages ?? [];

    // Act, Assess: without --force nothing is published.
    const plain = await alert();
    expect(plain.code).toBe(0);
    expect(plain.out).toContain(`alert: already sent at ${firstAt} (by the alerts function; --force sends it again)`);
    expect(await received()).toHaveLength(0);

    // Act, Assess: --force publishes once more and says it was a re-send.
    const forced = await alert('--force');
    expect(forced.code).toBe(0);
    expect(forced.out).toMatch(new RegExp(`alert: re-sent \\(message [\\w-]+; first sent at ${firstAt}\\)`));
    const messages = await received();
    expect(messages).toHaveLength(1);
    const item = await getEventItem(client, replayTable, ID.rollbackFailed);
    expect(item?.alertedAt?.S).toBe(firstAt);
    expect(item?.replayAlertMessageId?.S).toBe(parseAlertNotification(messages[0]?.Body ?? '{}').messageId);
    expect((await replay('replay', ID.rollbackFailed, '--force')).err).toContain('--force goes with --alert');
    sns.destroy();
    sqs.destroy();
  });

  it('--alert on an event that is not a rollback failure sends nothing and says why', async () => {
    const result = await replay(
      'replay',
      ID.redemptionFailed,
      '--alert',
      '--topic-arn',
      'arn:aws:sns:us-east-1:000000000000:x',
    );
    expect(result.out).toContain('alert: not sent (not a redemption.rollback.failed)');
  });

  it('an unknown id: exit 1', async () => {
    const result = await replay('replay', 'ev_nope');
    expect(result).toMatchObject({ code: 1, err: 'error: no event with id "ev_nope" in the table' });
  });
});

describe('bad usage: exit 2 and a message that names the flag', () => {
  it.each([
    [['list', '--status', 'maybe'], '--status must be accepted or quarantined; got "maybe"'],
    [['list', '--since', '3 days'], '--since takes a duration like 30m, 24h, 7d or 2w; got "3 days"'],
    [['list', '--since', '1d', '--from', '2026-11-01'], 'use either --since or --from/--to, not both'],
    [['list', '--from', '2026-11-22', '--to', '2026-11-01'], '--from must not be after --to'],
    [['list', '--from', 'yesterday'], '--from takes a date (2026-11-22) or a UTC date-time'],
    [['list', '--since', '500d'], 'a window may span at most 400 days'],
    [['list', '--limit', '0'], '--limit must be a whole number from 1 to 1000; got "0"'],
    [['list', '--bogus'], "unknown option '--bogus'"],
    [['list', '--customer', ''], '--customer needs a value'],
    [['list', 'extra'], 'unexpected argument "extra"'],
    [['list', '--next', 'garbage'], '--next takes the token printed under the previous page'],
    [['show'], 'show needs an event id'],
    [['replay'], 'replay needs an event id, or --quarantined'],
    [['replay', 'ev1', '--quarantined'], 'give an event id or --quarantined, not both'],
    [['replay', 'ev1', '--since', '1d'], '--since, --from and --to go with --quarantined'],
    [['replay', 'ev1', '--alert'], '--alert needs the alert topic'],
    [['replay', 'ev1', '--topic-arn', 'nope'], '--topic-arn must be an SNS topic ARN'],
    [['stats', '--top', 'ten'], '--top must be a whole number'],
    [['frobnicate'], 'unknown command "frobnicate"'],
  ])('%j', async (argv, message) => {
    const result = await run(...argv);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toContain(message);
    expect(result.err).not.toMatch(/\n\s+at /);
  });

  it('no table anywhere: exit 2, saying how to name one', async () => {
    const code = await runCli(['list'], {
      env: {},
      stdout: () => {},
      stderr: (text) => expect(text).toContain('no table to read: pass --table'),
      localState: () => undefined,
    });
    expect(code).toBe(2);
  });

  it.each(['list', 'show', 'stats', 'replay'])('%s --help: exit 0 and its usage', async (command) => {
    const result = await run(command, '--help');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`^Usage: voucherify-events ${command}`));
  });
});

describe('the target: where things go wrong', () => {
  it('an unreachable endpoint: exit 1, naming it and what to check', async () => {
    const out: string[] = [];
    const code = await runCli(['list', '--table', 'events', '--endpoint', 'http://127.0.0.1:1'], {
      env: {},
      stdout: () => {},
      stderr: (text) => out.push(text),
      localState: () => undefined,
    });
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(
      /^error: cannot reach DynamoDB for table events at http:\/\/127\.0\.0\.1:1, from --table \(ECONNREFUSED\)\. Is `npm start`/,
    );
  });

  it('a table that does not exist', async () => {
    const result = await cli('no-such-table')('list');
    expect(result.code).toBe(1);
    expect(result.err).toContain('table no-such-table at');
    expect(result.err).toContain('does not exist');
  });

  it('a table without the indexes (made by an older version): says to deploy or restart', async () => {
    const name = `it-cli-old-${Date.now().toString(36)}`;
    await client.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: EVENTS_TABLE.partitionKey, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: EVENTS_TABLE.partitionKey, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const result = await cli(name)('list');
    expect(result.code).toBe(1);
    expect(result.err).toContain('lacks an index the CLI needs');
  });
});

describe('through the launcher (what `npx voucherify-events` runs)', () => {
  const exec = promisify(execFile);
  const launch = (argv: string[], env: NodeJS.ProcessEnv) =>
    exec(process.execPath, [LAUNCHER, ...argv], { env, timeout: 30_000 }).then(
      (ok) => ({ code: 0, ...ok }),
      (failed: { code: number; stdout: string; stderr: string }) => failed,
    );
  const baseEnv = () => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // No local mode to fall back on.
    LOCAL_DIR: path.join(__dirname, 'no-such-dir'),
  });

  it('list --json from DynamoDB Local, table from EVENTS_TABLE_NAME', async () => {
    // An explicit window: the process runs on the real clock, the seed is in November 2026.
    const argv = ['list', '--endpoint', dynamodbEndpoint(), '--from', '2026-11-01', '--to', '2026-11-30'];
    const result = await launch([...argv, '--limit', '3', '--json'], { ...baseEnv(), EVENTS_TABLE_NAME: table });
    expect(result.code).toBe(0);
    const page = JSON.parse(result.stdout);
    expect(page.items.map((i: { eventId: string }) => i.eventId)).toEqual([
      ID.rollbackFailed,
      ID.rollbackSucceeded,
      ID.redemptionFailed,
    ]);
    expect(page.next).toEqual(expect.any(String));
  });

  it('no AWS credentials: exit 1 and how to provide them', async () => {
    const result = await launch(['list', '--table', 'events', '--region', 'eu-west-1'], {
      ...baseEnv(),
      AWS_CONFIG_FILE: path.join(__dirname, 'no-such-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(__dirname, 'no-such-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: no AWS credentials found for table events in AWS (eu-west-1)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('the esbuild build (what an install without devDependencies runs) answers as the source does', async () => {
    // Prepare: build into a folder of its own (dist/ may hold an older build); NODE_PATH finds the dependencies.
    const outdir = mkdtempSync(path.join(tmpdir(), 'voucherify-events-build-'));
    const repo = path.join(__dirname, '..', '..');
    try {
      await exec(process.execPath, [path.join(repo, 'tools', 'build-cli.js'), outdir], { timeout: 60_000 });
      const bundle = path.join(outdir, 'voucherify-events.js');
      const expected = await cli(table)('--help');

      // Act
      const result = await exec(process.execPath, ['-e', 'require(process.argv[1]).main()', bundle, '--help'], {
        env: { ...baseEnv(), NODE_PATH: path.join(repo, 'node_modules') },
        timeout: 30_000,
      });

      // Assess
      expect(result.stdout).toBe(`${expected.out}\n`);
      expect(expected.out).toContain('Commands:');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
