/**
 * Cases end to end on the local stand-ins (DynamoDB Local with its real stream, fauxqs): signed webhooks through the
 * ingest handler, the stream read as the event source mapping reads it, the alerts handler with the real case store
 * and SNS publisher, the scheduled function, and the CLI's ack / resolve / cases / show.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { runCli } from '../../cli/cli';
import { importFailure } from '../../cli/reconcile/importer';
import { DynamoDbAlertLedger } from '../../functions/adapters/dynamodb-alert-ledger';
import { DynamoDbCaseStore } from '../../functions/adapters/dynamodb-case-store';
import { DynamoDbEventStore } from '../../functions/adapters/dynamodb-event-store';
import { SnsAlertPublisher } from '../../functions/adapters/sns-publisher';
import { CASE_MESSAGE_KIND } from '../../functions/core/alerts/case-messages';
import type { CaseSettings } from '../../functions/core/alerts/case-settings';
import type { Case } from '../../functions/core/alerts/cases';
import { ALERT_KIND } from '../../functions/core/alerts/facts';
import type { Notice } from '../../functions/core/alerts/notice';
import { makeSweepHandler } from '../../functions/sweep/make-handler';
import { LOCAL_CREDENTIALS } from '../../local/runtime/aws-env';
import { type Envelope, loadFixture } from '../../tools/fixtures';
import { type AlertsHarness, snsEndpoint, startAlertsHarness } from '../helpers/alerts';
import { dynamodbEndpoint } from '../helpers/dynamodb';

// Inside one 15-minute window, so a burst falls in a single window whatever the wall clock says.
const T0 = Date.parse('2026-12-07T10:01:00.000Z');
const SETTINGS: CaseSettings = { burstLimit: 10, burstWindowMinutes: 15, reminderHours: 24 };

let counter = 0;
/** A rollback failure with its own event id; `rollback` names its rollback (its case), fresh by default. */
function failure(rollback?: string, patch: (e: Envelope) => void = () => {}) {
  const envelope = loadFixture('redemption.rollback.failed');
  counter += 1;
  rollback ??= `rrf_it_${Date.now().toString(36)}_${counter}`;
  envelope.id = `whs_it_${counter}_${Date.now().toString(36)}`;
  (envelope.event as { id: string }).id = `evrrf_it_${counter}_${Date.now().toString(36)}`;
  (envelope.data.redemption_rollback as { id: string }).id = rollback;
  patch(envelope);
  return { envelope, rollback, eventId: (envelope.event as { id: string }).id };
}

interface Setup {
  harness: AlertsHarness;
  store: DynamoDbCaseStore;
  notices: Notice[];
  sweep: (now: number, settings?: CaseSettings) => ReturnType<ReturnType<typeof makeSweepHandler>>;
  cli: (...argv: string[]) => Promise<{ code: number; out: string; err: string }>;
  setNow: (ms: number) => void;
}

async function setup(label: string, settings: CaseSettings = SETTINGS): Promise<Setup> {
  let now = T0;
  const notices: Notice[] = [];
  const chat = { publish: async (notice: Notice) => void notices.push(notice) };
  let dynamodbClient: DynamoDBClient | undefined;
  const sns = new SNSClient({ endpoint: snsEndpoint(), region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const harness = await startAlertsHarness(label, {
    deps: ({ tableName, topicArn }) => {
      const { DynamoDBClient } = require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
      dynamodbClient = new DynamoDBClient({
        endpoint: dynamodbEndpoint(),
        region: 'us-east-1',
        credentials: LOCAL_CREDENTIALS,
      });
      return {
        publisher: new SnsAlertPublisher(sns, topicArn),
        ledger: new DynamoDbAlertLedger(dynamodbClient, tableName),
        cases: { store: new DynamoDbCaseStore(dynamodbClient, tableName), settings },
        notices: chat,
        now: () => now,
      };
    },
  });
  const store = new DynamoDbCaseStore(harness.dynamodb, harness.table);
  const sweep = (at: number, s: CaseSettings = settings) =>
    makeSweepHandler({
      store,
      publisher: new SnsAlertPublisher(sns, harness.topicArn),
      notices: chat,
      settings: s,
      logger: { log() {} },
      now: () => at,
    })({});
  const cli = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli([...argv, '--table', harness.table, '--endpoint', dynamodbEndpoint()], {
      env: {},
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      now: () => now,
      localState: () => undefined,
      identity: async (_target, by) => by ?? 'arn:aws:sts::123456789012:assumed-role/Ops/alice',
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const stop = harness.stop;
  return {
    harness: {
      ...harness,
      stop: async () => {
        await stop();
        dynamodbClient?.destroy();
        sns.destroy();
      },
    },
    store,
    notices,
    sweep,
    cli,
    setNow: (ms) => {
      now = ms;
    },
  };
}

const kindOf = (facts: unknown) => (facts as { kind?: string }).kind;

/** Waits until the case exists and `ready` says it is as expected (the stream is asynchronous). */
async function waitForCase(store: DynamoDbCaseStore, key: string, ready: (c: Case) => boolean): Promise<Case> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = await store.get(key);
    if (found && ready(found)) return found;
    if (Date.now() > deadline) throw new Error(`case ${key} not as expected: ${JSON.stringify(found)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('cases: one per rollback failure, one alert', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup('cases-one');
  });
  afterAll(async () => {
    await s?.harness.stop();
  });

  it('two events of one rollback (a re-send under a new event id) make one case and one alert; the second is linked', async () => {
    // Prepare
    const first = failure();
    const second = failure(first.rollback);

    // Act
    await s.harness.post(first.envelope);
    await s.harness.post(second.envelope);
    const linked = await waitForCase(
      s.store,
      first.rollback,
      (c) => c.eventCount === 2 && c.notice?.alertedAt !== undefined,
    );
    const received = await s.harness.receiveUntil((r) => r.length >= 1);

    // Assess
    expect(received.filter((r) => kindOf(r.facts) === ALERT_KIND)).toHaveLength(1);
    expect(received[0]?.attributes).toMatchObject({ case_key: first.rollback, case_state: 'open' });
    expect(received[0]?.email).toContain(`Case ${first.rollback}`);
    expect(linked.eventIds).toEqual([first.eventId, second.eventId]);
    expect(linked.history.map((h) => h.action)).toEqual(['opened', 'linked']);
    expect(linked.state).toBe('open');
    // The chat notice of the alert, threaded by the case.
    expect(s.notices.filter((n) => n.caseKey === first.rollback).map((n) => n.kind)).toEqual(['alert']);
  });

  it('a reconcile import, then the webhook of the same rollback: one alert, both events on the case', async () => {
    // Prepare: the failure as Voucherify's API lists it, imported the way `reconcile --import` does.
    const webhook = failure();
    const rollback = webhook.envelope.data.redemption_rollback as Record<string, unknown>;
    const store = new DynamoDbEventStore(s.harness.dynamodb, s.harness.table);

    // Act
    const imported = await importFailure(
      {
        type: 'redemption.rollback.failed',
        id: webhook.rollback,
        redemptionId: String(rollback.redemption ?? 'r_x'),
        object: rollback,
      },
      { store, now: () => T0, retentionDays: 30 },
    );
    await waitForCase(s.store, webhook.rollback, (c) => c.notice?.alertedAt !== undefined);
    await s.harness.post(webhook.envelope);
    const c = await waitForCase(s.store, webhook.rollback, (x) => x.eventCount === 2);
    const received = await s.harness.receiveUntil((r) => r.length >= 1);

    // Assess
    expect(received).toHaveLength(1);
    expect(received[0]?.subject).toContain('[reconciled]');
    expect(c.eventIds).toEqual([imported.eventId, webhook.eventId]);
  });

  it('a failure of a resolved case reopens it and alerts again, saying so; ack and resolve are announced', async () => {
    // Prepare: a case, acknowledged then resolved through the CLI.
    const first = failure();
    await s.harness.post(first.envelope);
    await waitForCase(s.store, first.rollback, (c) => c.notice?.alertedAt !== undefined);
    await s.harness.receiveUntil((r) => r.length >= 1);

    // Act
    const acked = await s.cli('ack', first.rollback, '--note', 'looking at it');
    const resolved = await s.cli('resolve', first.rollback, '--note', 'credited 500 points by hand', '--by', 'bob');
    const announced = await s.harness.receiveUntil(
      (r) => r.filter((m) => kindOf(m.facts) === CASE_MESSAGE_KIND.resolved).length >= 1,
    );
    const again = failure(first.rollback);
    await s.harness.post(again.envelope);
    const reopened = await waitForCase(
      s.store,
      first.rollback,
      (c) => c.openings === 2 && c.notice?.alertedAt !== undefined,
    );
    const alerts = await s.harness.receiveUntil((r) => r.length >= 1);
    const refused = await s.cli('resolve', first.rollback);

    // Assess
    expect([acked.code, resolved.code]).toEqual([0, 0]);
    expect(acked.out).toContain('acknowledged by arn:aws:sts::123456789012:assumed-role/Ops/alice');
    const kinds = announced.map((m) => kindOf(m.facts));
    expect(kinds).toContain(CASE_MESSAGE_KIND.resolved);
    const resolution = announced.find((m) => kindOf(m.facts) === CASE_MESSAGE_KIND.resolved);
    expect(resolution?.attributes).toMatchObject({ case_key: first.rollback, case_state: 'resolved' });
    expect(resolution?.email).toContain('credited 500 points by hand');
    expect(reopened.state).toBe('open');
    expect(reopened.history.map((h) => h.action)).toEqual(['opened', 'acknowledged', 'resolved', 'reopened']);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.subject).toMatch(/^\[reopened\] Rollback failed/);
    expect(alerts[0]?.email).toContain('REOPENED case');
    expect(alerts[0]?.email).toContain('credited 500 points by hand');
    expect(s.notices.filter((n) => n.caseKey === first.rollback).map((n) => n.kind)).toEqual([
      'alert',
      ...(kinds.includes(CASE_MESSAGE_KIND.acknowledged) ? ['acknowledged'] : []),
      'resolved',
      'reopened',
    ]);
    // resolve without a note is refused, and says why.
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('resolve needs --note');
  });

  it('ack, resolve and new events of one case at the same moment: every update lands, none is lost', async () => {
    // Prepare
    const first = failure();
    await s.harness.post(first.envelope);
    await waitForCase(s.store, first.rollback, (c) => c.notice?.alertedAt !== undefined);
    await s.harness.receiveUntil((r) => r.length >= 1);
    const more = Array.from({ length: 5 }, () => failure(first.rollback));

    // Act: the CLI and the alerts function write the same item concurrently.
    const [ack] = await Promise.all([
      s.cli('ack', first.rollback, '--by', 'carol'),
      ...more.map((m) => s.harness.post(m.envelope)),
    ]);
    // (Events arriving after the resolution would reopen the case, rightly: let the links land first.)
    await waitForCase(s.store, first.rollback, (x) => x.eventCount === 6);
    const [resolve] = await Promise.all([
      s.cli('resolve', first.rollback, '--note', 'refunded', '--by', 'dave'),
      s.cli('ack', first.rollback, '--by', 'erin'),
    ]);
    const c = await waitForCase(s.store, first.rollback, (x) => x.state === 'resolved');

    // Assess: every link and both moves are in the history; the version counts every write.
    expect(ack.code).toBe(0);
    expect(resolve.code).toBe(0);
    expect(c.state).toBe('resolved');
    expect(c.resolvedBy).toBe('dave');
    expect(new Set(c.eventIds)).toEqual(new Set([first.eventId, ...more.map((m) => m.eventId)]));
    const actions = c.history.map((h) => h.action);
    expect(actions.filter((a) => a === 'linked')).toHaveLength(5);
    expect(actions).toContain('acknowledged');
    expect(actions.at(-1) === 'resolved' || actions.includes('resolved')).toBe(true);
    // An ack racing the resolve either landed before it or was refused: never after a resolution.
    expect(actions.lastIndexOf('acknowledged')).toBeLessThan(actions.indexOf('resolved'));
  });

  it('`cases`, `cases --open --json` and `show <case key>` list and show cases with who took them', async () => {
    // Prepare
    const one = failure();
    await s.harness.post(one.envelope);
    await waitForCase(s.store, one.rollback, (c) => c.notice?.alertedAt !== undefined);
    await s.cli('ack', one.rollback, '--by', 'frank', '--note', 'calling the customer');

    // Act
    const table = await s.cli('cases');
    const json = await s.cli('cases', '--open', '--json');
    const shown = await s.cli('show', one.rollback);
    const bad = await s.cli('cases', '--state', 'closed');

    // Assess
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/CASE KEY\s+STATE\s+OPENED \(UTC\)\s+AGE\s+FAILURE CODE\s+CUSTOMER/);
    expect(table.out).toContain(one.rollback);
    const listed = JSON.parse(json.out) as { cases: { key: string; state: string; acknowledgedBy?: string }[] };
    expect(listed.cases.find((c) => c.key === one.rollback)).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'frank',
    });
    expect(listed.cases.every((c) => c.state !== 'resolved')).toBe(true);
    expect(shown.out).toContain(`Case ${one.rollback}`);
    expect(shown.out).toMatch(/acknowledged\s+frank\s+-\s+calling the customer/);
    expect(shown.out).toContain(one.eventId);
    expect(bad.code).toBe(2);
  });
});

describe('cases: a burst is a digest, not a flood', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup('cases-burst');
  });
  afterAll(async () => {
    await s?.harness.stop();
  });

  it('40 failures in a burst: 10 alerts, then one digest of the other 30 when the window ends; 40 cases', async () => {
    // Prepare
    const burst = Array.from({ length: 40 }, () => failure());

    // Act
    for (const f of burst) await s.harness.post(f.envelope);
    const deadline = Date.now() + 30_000;
    let open = 0;
    while (open < 40 && Date.now() < deadline) {
      open = (await s.store.listByState('open')).cases.length;
      await new Promise((r) => setTimeout(r, 200));
    }
    const alerts = await s.harness.receiveUntil((r) => r.length >= 10);
    const early = await s.sweep(T0 + 60_000); // the window is still open: no digest yet
    const closed = await s.sweep(T0 + 15 * 60_000); // 10:16: the 10:00-10:15 window has ended
    const repeated = await s.sweep(T0 + 16 * 60_000); // sent once
    const digest = await s.harness.receiveUntil((r) => r.length >= 1);
    const listed = await s.cli('cases', '--open', '--json');

    // Assess
    expect(open).toBe(40);
    expect(alerts.filter((a) => kindOf(a.facts) === ALERT_KIND)).toHaveLength(10);
    expect(early.digests).toEqual([]);
    expect(closed.digests).toEqual([expect.objectContaining({ cases: 30 })]);
    expect(repeated.digests).toEqual([]);
    expect(digest).toHaveLength(1);
    const body = digest[0]?.facts as unknown as { kind: string; cases: number; byFailureCode: Record<string, number> };
    expect(body.kind).toBe(CASE_MESSAGE_KIND.digest);
    expect(body.cases).toBe(30);
    expect(Object.values(body.byFailureCode).reduce((a, b) => a + b, 0)).toBe(30);
    expect(digest[0]?.email).toContain('npx voucherify-events cases --open');
    expect((JSON.parse(listed.out) as { cases: unknown[] }).cases).toHaveLength(40);
    expect(s.notices.filter((n) => n.kind === 'digest')).toHaveLength(1);
    expect(closed.openCases).toBe(40);
  });
});

describe('cases: never forgotten (the reminder)', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup('cases-remind');
  });
  afterAll(async () => {
    await s?.harness.stop();
  });

  it('reminds once of unresolved cases older than the setting, oldest first, and not of newer or resolved ones', async () => {
    // Prepare: cases opened 30 h, 26 h and 2 h before "now"; the 26-h one acknowledged, another old one resolved.
    const now = T0 + 40 * 3_600_000;
    const at = (hoursAgo: number) => now - hoursAgo * 3_600_000;
    const open = async (hoursAgo: number) => {
      s.setNow(at(hoursAgo));
      const f = failure();
      await s.harness.post(f.envelope);
      await waitForCase(s.store, f.rollback, (c) => c.notice !== undefined);
      return f.rollback;
    };
    const oldest = await open(30);
    const acknowledged = await open(26);
    const resolved = await open(35);
    const recent = await open(2);
    s.setNow(now);
    await s.cli('ack', acknowledged, '--by', 'gina');
    await s.cli('resolve', resolved, '--by', 'gina', '--note', 'done');
    await s.harness.receiveUntil((r) => r.length >= 6);

    // Act
    const off = await s.sweep(now, { ...SETTINGS, reminderHours: 0 });
    const first = await s.sweep(now);
    const second = await s.sweep(now + 60_000);
    const messages = await s.harness.receiveUntil((r) => r.length >= 1);

    // Assess
    expect(off.reminder).toBeUndefined();
    expect(first.reminder).toEqual(expect.objectContaining({ cases: 2 }));
    expect(second.reminder).toBeUndefined();
    expect(first.openCases).toBe(3);
    expect(first.oldestOpenCaseAgeSeconds).toBe(30 * 3600);
    const reminder = messages.find((m) => kindOf(m.facts) === CASE_MESSAGE_KIND.reminder);
    const body = reminder?.facts as unknown as { oldest: { key: string }[] };
    expect(body.oldest.map((c) => c.key)).toEqual([oldest, acknowledged]);
    expect(reminder?.email).toContain('npx voucherify-events cases --open');
    expect(reminder?.email).not.toContain(recent);
    expect(reminder?.email).not.toContain(resolved);
  });
});
