/**
 * `voucherify-events erase` on DynamoDB Local, on events stored through the real ingest core: a customer with
 * redemption and rollback events, a quarantined one and a rollback-failure case is erased; another customer is left
 * untouched; a re-run is a no-op; a run that stops half-way is finished by the next; a later event of the customer is
 * stored erased. The cases are real case items (the alerts function's store), opened with a note by an operator.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runCli } from '../../cli/cli';
import type { EraseDeps } from '../../cli/commands/erase';
import { erasureDeps } from '../../cli/erasure';
import { importFailure } from '../../cli/reconcile/importer';
import { DynamoDbCaseStore } from '../../functions/adapters/dynamodb-case-store';
import { DynamoDbErasureLedger, ERASURE_INDEX_KEY } from '../../functions/adapters/dynamodb-erasure';
import { DynamoDbEventStore, fromItem } from '../../functions/adapters/dynamodb-event-store';
import { staticSecrets } from '../../functions/adapters/secrets';
import { INDEX_KEYS } from '../../functions/adapters/table';
import { decideOnFailure } from '../../functions/core/alerts/cases';
import { erasureSubject, planErasure, runErasure } from '../../functions/core/erasure/erase';
import { erasingStore } from '../../functions/core/erasure/on-arrival';
import { ERASED_MARKER } from '../../functions/core/erasure/redact';
import { DEFAULT_INGEST_CONFIG, makeIngest } from '../../functions/core/ingest/ingest';
import { decodeBody } from '../../functions/core/shared/body-codec';
import { silentLogger } from '../../functions/core/shared/logger';
import { localDynamoDbClient } from '../../local/runtime/aws-env';
import { loadFixture, setPath, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { createTestTable, dynamodbEndpoint, type Item, scanAll, testClient } from '../helpers/dynamodb';

const NOW = Date.parse('2026-11-22T12:00:00.000Z');
const HOUR = 3_600_000;
const JACK = 'cust_IdgAFZxYwwHctOk9pPuMu308';
const JANE = 'cust_1g637SqVZnkdPNdAIZ7Ra879';
/** Every personal value of Jack's the fixtures carry (name, source id, metadata, tracking id, the id itself). */
const JACK_DATA = ['Jack Webhook', 'jck-wbhk', JACK, 'EMEA', 'sign-up', 'track_8RFQINPxgc'];

/** A case of `key` for `customerId`, opened by `eventId` and acknowledged with a note, in the cases' own store. */
async function openCase(key: string, eventId: string, customerId: string, sourceId: string): Promise<void> {
  const store = new DynamoDbCaseStore(client, table);
  const opened = decideOnFailure(undefined, {
    key,
    eventId,
    facts: { customerId, customerSourceId: sourceId, failureCode: 'already_rolled_back' },
    at: new Date(NOW - 3 * HOUR).toISOString(),
  });
  if (opened.kind !== 'open') throw new Error('the case did not open');
  const noted = {
    ...opened.next,
    version: 2,
    history: [
      ...opened.next.history,
      {
        at: new Date(NOW - 2 * HOUR).toISOString(),
        action: 'acknowledged' as const,
        by: 'ops',
        note: `called ${sourceId}`,
      },
    ],
  };
  expect(await store.put(noted, 0)).toBe('written');
}

let client: DynamoDBClient;
let table: string;
let clock = NOW;

function ingestOn(erasures: boolean) {
  return makeIngest({
    secrets: staticSecrets(TEST_SECRET),
    store: erasures
      ? erasingStore(new DynamoDbEventStore(client, table), new DynamoDbErasureLedger(client, table, () => clock))
      : new DynamoDbEventStore(client, table),
    logger: silentLogger,
    config: DEFAULT_INGEST_CONFIG,
    now: () => clock,
  });
}

async function post(body: unknown, at: number, erasures = true) {
  clock = at;
  const result = await ingestOn(erasures)(signedRequest(body));
  expect(result.statusCode).toBeLessThan(300);
  return String(result.body.eventId);
}

/** Jack: a redemption, a rollback failure (with its case), a rollback success, a quarantined rollback failure. Jane: three. */
async function seed(): Promise<{ jack: string[]; jane: string[] }> {
  const redemption = setPath(loadFixture('redemption.succeeded'), 'data.customer.id', JACK);
  setPath(redemption, 'event.id', 'evr_jack_redemption_000001');
  setPath(redemption, 'data.redemption.customer_id', JACK);
  const quarantined = loadFixture('redemption.rollback.failed.promotion-tier');
  setPath(quarantined, 'created_at', 'not-a-date');
  const jack = [
    await post(redemption, NOW - 4 * HOUR),
    await post(loadFixture('redemption.rollback.failed'), NOW - 3 * HOUR),
    await post(loadFixture('redemption.rollback.succeeded'), NOW - 2 * HOUR),
    await post(quarantined, NOW - HOUR),
  ];
  const jane = [
    await post(loadFixture('redemption.failed'), NOW - 4 * HOUR),
    await post(loadFixture('redemption.succeeded'), NOW - 3 * HOUR),
    await post(loadFixture('redemption.failed.gift-card'), NOW - 2 * HOUR),
  ];
  const rollback = loadFixture('redemption.rollback.failed').data.redemption_rollback as { id: string };
  await openCase(rollback.id, jack[1] as string, JACK, 'jck-wbhk');
  await openCase('rrf_someone_else', 'evrrf_someone_else', JANE, 'jane');
  return { jack, jane };
}

/** The CLI, with its own holders (events, then the cases they lead to). */
function cli(extra: Partial<EraseDeps> = {}) {
  return async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const deps: EraseDeps = {
      env: {},
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      now: () => clock,
      localState: () => undefined,
      callerIdentity: async () => 'arn:aws:iam::123456789012:user/dpo',
      ...extra,
    };
    const code = await runCli([...argv, '--table', table, '--endpoint', dynamodbEndpoint()], deps);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
}

const byId = (items: Item[]) => new Map(items.map((item) => [item.pk?.S ?? '', item]));
const bodyText = (item: Item) => decodeBody(fromItem(item).body, fromItem(item).bodyEncoding).toString('utf8');

beforeAll(async () => {
  client = testClient();
});
afterAll(() => client.destroy());
beforeEach(async () => {
  table = await createTestTable(client, 'erase');
  clock = NOW;
});

it('erases every copy of one customer, keeps what is not personal, and leaves the other customer untouched', async () => {
  const { jack, jane } = await seed();
  const before = byId(await scanAll(client, table));
  const run = cli();

  const dry = await run('erase', '--customer', JACK, '--dry-run');
  expect(dry.code).toBe(0);
  for (const id of jack) expect(dry.out).toContain(id);
  expect(dry.out).toContain('cases: 1');
  expect(dry.out).toContain('Nothing written');
  expect(byId(await scanAll(client, table))).toEqual(before);

  clock = NOW + HOUR;
  const done = await run('erase', '--customer', JACK, '--yes');
  expect(done.err).toBe('');
  expect(done.code).toBe(0);
  expect(done.out).toMatch(/events: 4 erased, 0 already erased, 0 gone, 0 failed, 0 left/);
  expect(done.out).toMatch(/cases: 1 erased/);
  expect(done.out).toContain('Done: 5 items erased, nothing left');

  const after = byId(await scanAll(client, table));
  for (const id of jack) {
    const item = after.get(id) as Item;
    const text = `${bodyText(item)} ${JSON.stringify({ ...item, body: undefined })}`;
    for (const value of JACK_DATA) expect(text).not.toContain(value);
    expect(item.erasedAt?.S).toBe(new Date(NOW + HOUR).toISOString());
    expect(item.erasureId?.S).toMatch(/^er_20261122_[0-9a-f]{12}$/);
    expect(item[INDEX_KEYS.customerId]).toBeUndefined();
    // What is not personal stays: type, status, ids, codes.
    for (const name of ['type', 'status', 'voucherCode', 'redemptionId', 'rollbackId', 'failureCode', 'typeTime'])
      expect(item[name]).toEqual((before.get(id) as Item)[name]);
  }
  const rollbackBody = JSON.parse(bodyText(after.get(jack[1] as string) as Item));
  expect(rollbackBody.data.redemption_rollback).toMatchObject({
    id: 'rrf_0e3ac8beeea431c302',
    failure_code: 'already_rolled_back',
    customer_id: ERASED_MARKER,
    customer: { id: ERASED_MARKER, object: 'customer', metadata: {}, source_id: ERASED_MARKER },
  });
  expect(after.get(jack[3] as string)?.status?.S).toBe('QUARANTINED');
  // Jane's events and case are exactly as they were.
  for (const id of jane) expect(after.get(id)).toEqual(before.get(id));
  const caseStore = new DynamoDbCaseStore(client, table);
  const janes = await caseStore.get('rrf_someone_else');
  expect(janes?.facts.customerId).toBe(JANE);
  expect(janes?.history.map((entry) => entry.note)).toContain('called jane');
  expect(janes?.erased).toBeUndefined();
  const jacks = await caseStore.get('rrf_0e3ac8beeea431c302');
  expect(jacks?.facts.customerId).toBeUndefined();
  expect(jacks?.facts.customerSourceId).toBeUndefined();
  expect(jacks?.facts.failureCode).toBe('already_rolled_back');
  expect(jacks?.history.map((entry) => entry.note)).toEqual([undefined, '[erased]']);
  expect(jacks?.erased?.erasureId).toMatch(/^er_/);

  // show says so; list --customer finds nothing of Jack's any more.
  const shown = await run('show', jack[1] as string);
  expect(shown.out).toMatch(/erased\s+2026-11-22T13:00:00.000Z \(erasure er_/);
  expect(shown.out).toContain('Payload (redacted by erasure):');
  const listed = await run('list', '--customer', JACK, '--json');
  expect(JSON.parse(listed.out).items).toEqual([]);

  // The record: hashed key, who, how many; --status says nothing is stored.
  const status = await run('erase', '--status', JACK);
  expect(status.code).toBe(0);
  expect(status.out).toContain('by arn:aws:iam::123456789012:user/dpo');
  expect(status.out).toContain('5 items erased, 0 left (complete)');
  expect(status.out).toContain("no item holds this customer's data");
  const record = after.get(
    [...after.keys()].find((key) => key.startsWith('erasure#') && key !== ERASURE_INDEX_KEY) as string,
  ) as Item;
  expect(JSON.stringify(record)).not.toContain(JACK);
  // The index every ingest instance checks holds the customer key's prefix, not the id.
  const index = after.get(ERASURE_INDEX_KEY) as Item;
  expect(index.erasedPrefixes?.SS).toEqual([String(record.customerKey?.S).slice(0, 16)]);
  expect(JSON.stringify(index)).not.toContain(JACK);
  expect(Number(record.expiresAt?.N)).toBe(Math.floor((NOW + HOUR) / 1000) + 365 * 86_400);

  // A re-run changes nothing.
  const snapshot = await scanAll(client, table);
  const again = await run('erase', '--customer', JACK, '--yes');
  expect(again.code).toBe(0);
  expect(again.out).toMatch(/events: 0 erased/);
  const rerun = byId(await scanAll(client, table));
  for (const item of snapshot)
    if (!item.pk?.S?.startsWith('erasure#')) expect(rerun.get(item.pk?.S ?? '')).toEqual(item);
});

it('a run that stops half-way is finished by the next, which exits 0 only then', async () => {
  const { jack } = await seed();
  // The connection fails after two item rewrites, as when the operator's session ends.
  const faulty = localDynamoDbClient(dynamodbEndpoint());
  let updates = 0;
  faulty.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UpdateItemCommand' && !JSON.stringify(args.input).includes('erasure#')) {
        updates += 1;
        if (updates > 2) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      }
      return next(args);
    },
    { step: 'initialize' },
  );
  const deps = erasureDeps(faulty, table, () => clock);
  const stopped = await runErasure(deps, await planErasure(deps, erasureSubject(JACK)), {
    by: 'test',
    retentionDays: 365,
  });
  faulty.destroy();
  // Copies first (the case), then the events: the case and one event were rewritten before the connection failed.
  expect(stopped.erased).toBe(2);
  expect(stopped.left).toBe(3);
  expect(stopped.record.state).toBe('in progress');

  const run = cli({ erasureHolders: undefined });
  const status = await run('erase', '--status', JACK);
  expect(status.code).toBe(1);
  expect(status.out).toContain("3 items still hold this customer's data (events 3)");

  const finished = await run('erase', '--customer', JACK, '--yes');
  expect(finished.code).toBe(0);
  expect(finished.out).toMatch(/events: 3 erased, 0 already erased, 0 gone, 0 failed, 0 left/);
  expect(finished.out).toContain(stopped.record.erasureId);
  const items = byId(await scanAll(client, table));
  for (const id of jack) expect(items.get(id)?.erasureId?.S).toBe(stopped.record.erasureId);
});

it('a later event of an erased customer is stored erased, and one of another customer is not', async () => {
  await seed();
  expect((await cli()('erase', '--customer', JACK, '--yes')).code).toBe(0);

  // A retry of an old send-out with a new event id, and a reconcile-style import, both arrive after the erasure.
  const later = setPath(loadFixture('redemption.rollback.failed'), 'event.id', 'evrrf_later_0000000000001');
  const id = await post(later, NOW + 2 * HOUR);
  const other = await post(
    setPath(loadFixture('redemption.failed'), 'event.id', 'evrf_jane_later_00000001'),
    NOW + 2 * HOUR,
  );
  const items = byId(await scanAll(client, table));
  const stored = items.get(id) as Item;
  expect(stored.erasedAt?.S).toBe(new Date(NOW + 2 * HOUR).toISOString());
  expect(stored[INDEX_KEYS.customerId]).toBeUndefined();
  for (const value of JACK_DATA) expect(bodyText(stored)).not.toContain(value);
  expect(stored.rollbackId?.S).toBe('rrf_0e3ac8beeea431c302');
  expect(items.get(other)?.erasedAt).toBeUndefined();
  expect(items.get(other)?.[INDEX_KEYS.customerId]?.S).toBe(JANE);

  // A failure found by `reconcile --import` in Voucherify's API goes through the same store.
  const rollback = loadFixture('redemption.rollback.failed').data.redemption_rollback as Record<string, unknown>;
  const imported = await importFailure(
    {
      type: 'redemption.rollback.failed',
      id: 'rr_imported_later_01',
      redemptionId: 'r_1',
      object: { ...rollback, id: 'rr_imported_later_01' },
    },
    {
      store: erasingStore(new DynamoDbEventStore(client, table), new DynamoDbErasureLedger(client, table)),
      now: () => NOW + 3 * HOUR,
      retentionDays: 365,
    },
  );
  const importedItem = byId(await scanAll(client, table)).get(imported.eventId) as Item;
  expect(importedItem.erasedAt).toBeDefined();
  for (const value of JACK_DATA) expect(bodyText(importedItem)).not.toContain(value);

  const shown = await cli()('show', id);
  expect(shown.out).toContain('personal data removed');
  expect((await cli()('erase', '--status', JACK)).out).toContain("no item holds this customer's data");
});

it('asks before erasing, refuses without a terminal, and says what it needs', async () => {
  await seed();
  const noTerminal = await cli({ confirm: async () => undefined })('erase', '--customer', JACK);
  expect(noTerminal.code).toBe(2);
  expect(noTerminal.err).toContain('no terminal to ask on: run with --yes');
  const no = await cli({ confirm: async () => false })('erase', '--customer', JACK);
  expect(no.code).toBe(1);
  expect(no.out).toContain('5 items hold personal data');
  const asked: string[] = [];
  const yes = await cli({
    confirm: async (question) => {
      asked.push(question);
      return true;
    },
  })('erase', '--customer', JACK);
  expect(yes.code).toBe(0);
  expect(asked[0]).toMatch(/^Erase the personal data of cust_IdgAFZxYwwHctOk9pPuMu308 from 5 item\(s\) in it-erase-/);
  expect((await cli()('erase')).err).toContain('erase needs --customer');
  expect((await cli()('erase', '--customer', JACK, '--status', JACK)).code).toBe(2);
});
