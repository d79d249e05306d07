import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbAlertLedger } from '../../functions/adapters/dynamodb-alert-ledger';
import { SnsAlertPublisher } from '../../functions/adapters/sns-publisher';
import { ALERT_KIND } from '../../functions/core/alerts/facts';
import type { AlertPublisher } from '../../functions/core/alerts/ports';
import { buildEmailText } from '../../functions/core/alerts/text';
import type { ReceivedAlert } from '../../local/runtime/alerts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/runtime/aws-env';
import { freePort } from '../../local/runtime/net';
import { type Envelope, loadFixture, setPath } from '../../tools/fixtures';
import { type AlertsHarness, snsEndpoint, startAlertsHarness } from '../helpers/alerts';
import { dynamodbEndpoint, getEventItem } from '../helpers/dynamodb';

const SEED = 'redemption.rollback.failed';
const SEED_EVENT_ID = 'evrrf_0e3ac8bf0a0531c400';
/** A second rollback failure, posted last: once its alert is in, every alert before it has been published. */
const SENTINEL = 'redemption.rollback.failed.promotion-tier';
const SENTINEL_EVENT_ID = 'evrrf_0e4b01aa00c531d201';

const forEvent = (alerts: readonly ReceivedAlert[], eventId: string) =>
  alerts.filter((a) => a.facts.eventId === eventId);
const hasSentinel = (alerts: readonly ReceivedAlert[]) => forEvent(alerts, SENTINEL_EVENT_ID).length > 0;

let harness: AlertsHarness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

describe('alerts from the real stream to a subscribed queue (DynamoDB Local + fauxqs)', () => {
  it('turns a rollback failure posted to the ingest handler into exactly one message, with attributes and text', async () => {
    harness = await startAlertsHarness('one');

    expect((await harness.post(loadFixture(SEED))).statusCode).toBe(202);
    expect((await harness.post(loadFixture(SENTINEL))).statusCode).toBe(202);
    const alerts = await harness.receiveUntil(hasSentinel);

    const [alert, ...extra] = forEvent(alerts, SEED_EVENT_ID);
    expect(extra).toEqual([]);
    expect(alert?.subject).toBe('Rollback failed: already_rolled_back - Refer-gift-90873378');
    expect(alert?.attributes).toEqual({
      event_type: 'redemption.rollback.failed',
      failure_code: 'already_rolled_back',
      campaign: 'camp_QULf1Wzu4yvT3cJ3IzFp76nY',
      customer_id: 'cust_IdgAFZxYwwHctOk9pPuMu308',
      // The case the alert opened (one per rollback: its id).
      case_key: 'rrf_0e3ac8beeea431c302',
      case_state: 'open',
    });
    expect(alert?.facts).toMatchObject({
      version: '1',
      kind: ALERT_KIND,
      eventId: SEED_EVENT_ID,
      validated: true,
      failure: { code: 'already_rolled_back', message: 'Already rolled back' },
      customer: { id: 'cust_IdgAFZxYwwHctOk9pPuMu308', name: 'Jack Webhook' },
      redemption: { id: 'r_0e3ab1f3fb99fee4b9' },
    });
    // fauxqs passes the per-protocol document through; its email body is the text built from the same facts.
    expect(alert?.email).toBe(buildEmailText(alert!.facts));
    expect(alert?.email).toContain('Nothing is left to undo in Voucherify');

    const item = await getEventItem(harness.dynamodb, harness.table, SEED_EVENT_ID);
    expect(item?.alertMessageId?.S).toBe(alert?.messageId);
    expect(item?.alertedAt?.S).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('sends nothing for redemption.failed (stored, but filtered out before the function)', async () => {
    harness = await startAlertsHarness('none');

    expect((await harness.post(loadFixture('redemption.failed'))).statusCode).toBe(202);
    expect((await harness.post(loadFixture('redemption.rollback.succeeded'))).statusCode).toBe(202);
    expect((await harness.post(loadFixture(SENTINEL))).statusCode).toBe(202);
    const alerts = await harness.receiveUntil(hasSentinel);

    expect(alerts.map((a) => a.facts.eventId)).toEqual([SENTINEL_EVENT_ID]);
    const seen = harness.invocations.flatMap((i) => i.event.Records.map((r) => r.dynamodb?.NewImage?.type?.S));
    expect(seen).toEqual(['redemption.rollback.failed']);
  });

  it('sends one alert for the same event delivered five times', async () => {
    harness = await startAlertsHarness('five');
    const envelope = loadFixture(SEED);

    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push((await harness.post(envelope)).statusCode);
    await harness.post(loadFixture(SENTINEL));
    const alerts = await harness.receiveUntil(hasSentinel);

    expect(answers).toEqual([202, 200, 200, 200, 200]);
    expect(forEvent(alerts, SEED_EVENT_ID)).toHaveLength(1);
  });

  it('does not alert twice when the stream hands the same records to the function again (Lambda retry)', async () => {
    harness = await startAlertsHarness('replay');
    await harness.post(loadFixture(SEED));
    await harness.post(loadFixture(SENTINEL));
    const first = await harness.receiveUntil(hasSentinel);
    const delivered = harness.invocations.map((i) => i.event);

    for (let i = 0; i < 4; i += 1) {
      for (const event of delivered) expect(await harness.alerts(event)).toEqual({ batchItemFailures: [] });
    }
    await harness.post(loadFixture('redemption.rollback.failed.loyalty-card'));
    const later = await harness.receiveUntil((alerts) => forEvent(alerts, 'evrrf_0e9f00aa11dd22cc55').length > 0);

    expect([...first, ...later].map((a) => a.facts.eventId).sort()).toEqual(
      [SEED_EVENT_ID, SENTINEL_EVENT_ID, 'evrrf_0e9f00aa11dd22cc55'].sort(),
    );
  });

  it('reports the record as failed while Publish fails, and the retry delivers exactly one message', async () => {
    // A publisher whose first attempts go to an endpoint where nothing listens: a real connection failure.
    const dead = new SNSClient({
      endpoint: `http://127.0.0.1:${await freePort()}`,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    let failuresLeft = 2;
    harness = await startAlertsHarness('flaky', {
      deps: ({ tableName, topicArn }) => {
        const local = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
        const real = new SnsAlertPublisher(new SNSClient({ ...local, endpoint: snsEndpoint() }), topicArn);
        const failing = new SnsAlertPublisher(dead, topicArn);
        const publisher: AlertPublisher = {
          publish: (message) => (failuresLeft-- > 0 ? failing : real).publish(message),
        };
        const ledger = new DynamoDbAlertLedger(
          new DynamoDBClient({ ...local, endpoint: dynamodbEndpoint() }),
          tableName,
        );
        return { publisher, ledger };
      },
    });

    await harness.post(loadFixture(SEED));
    const alerts = await harness.receiveUntil((received) => forEvent(received, SEED_EVENT_ID).length > 0);

    const seedSequence = harness.invocations[0]?.event.Records[0]?.dynamodb?.SequenceNumber;
    expect(harness.invocations.map((i) => i.response)).toEqual([
      { batchItemFailures: [{ itemIdentifier: seedSequence }] },
      { batchItemFailures: [{ itemIdentifier: seedSequence }] },
      { batchItemFailures: [] },
    ]);
    expect(forEvent(alerts, SEED_EVENT_ID)).toHaveLength(1);
    expect(alerts).toHaveLength(1);
    dead.destroy();
  });

  it('alerts on a quarantined rollback failure too, flagged as unvalidated', async () => {
    harness = await startAlertsHarness('quarantined');
    const envelope: Envelope = setPath(loadFixture(SEED), 'data.redemption', 5);

    expect((await harness.post(envelope)).body.status).toBe('quarantined');
    const alerts = await harness.receiveUntil((received) => forEvent(received, SEED_EVENT_ID).length > 0);

    expect(alerts[0]?.subject).toBe('[unvalidated] Rollback failed: already_rolled_back - Refer-gift-90873378');
    expect(alerts[0]?.facts.validated).toBe(false);
    expect(alerts[0]?.facts.validationIssues).toEqual([
      { pointer: '/data/redemption', message: 'must be object or null' },
    ]);
  });

  it('honours a subscription filter policy on failure_code (the docs/alerts.md example)', async () => {
    harness = await startAlertsHarness('filter');
    const onlyAlreadyRolledBack = await harness.subscribe({ failure_code: ['already_rolled_back'] });

    await harness.post(loadFixture('redemption.rollback.failed.loyalty-card')); // invalid_redemption
    await harness.post(loadFixture(SENTINEL)); // already_rolled_back
    const all = await harness.receiveUntil(hasSentinel);
    const filtered = await harness.receiveUntil(hasSentinel, { queueUrl: onlyAlreadyRolledBack });

    expect(all.map((a) => a.attributes.failure_code).sort()).toEqual(['already_rolled_back', 'invalid_redemption']);
    expect(filtered.map((a) => a.attributes.failure_code)).toEqual(['already_rolled_back']);
  });
});
