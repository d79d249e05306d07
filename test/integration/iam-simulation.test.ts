/**
 * Every AWS call the functions really make, judged by AWS's rules against the synthesized stack's policies.
 *
 * The deployed handlers run here as in the other integration tests (DynamoDB Local, fauxqs, and a stand-in for the
 * one Secrets Manager operation, so ingest runs configured as in AWS with WEBHOOK_SECRET_ARN). Their SDK's `send` is
 * recorded (test/helpers/iam/sdk-calls.ts), each call is turned into the IAM request AWS would authorize (action,
 * resource ARN in the deployed stack, the condition keys the request carries) and simulated with
 * `@cloud-copilot/iam-simulate` against the role of the function that made it. So the list of calls comes from the
 * code: a call added to a handler without a grant fails here.
 *
 * It lives with the integration tests because recording needs the stand-ins; the template is synthesized here
 * (bundling skipped, which leaves the policies unchanged). What must be denied, and the resource policies, are in
 * test/infra/iam-reference.test.ts.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { smokeEvents } from '../../cli/smoke/events';
import { DynamoDbCaseStore } from '../../functions/adapters/dynamodb-case-store';
import { burstWindowStart } from '../../functions/core/alerts/case-settings';
import { decideOnFailure } from '../../functions/core/alerts/cases';
import { createAlertTopic, loadAlertsHandler, localSnsClient, type StreamHandler } from '../../local/runtime/alerts';
import { applyLocalAwsEnv } from '../../local/runtime/aws-env';
import type { HttpApiHandler } from '../../local/runtime/server';
import { loadSweepHandler, type SweepHandler } from '../../local/runtime/sweep';
import { type Envelope, loadFixture, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from '../../tools/secrets-manager-stand-in';
import { type AlertsHarness, snsEndpoint, startAlertsHarness } from '../helpers/alerts';
import { dynamodbEndpoint } from '../helpers/dynamodb';
import { iamRequestsFor, type RecordedCall, type ResourceMap, recordSdkCalls } from '../helpers/iam/sdk-calls';
import { decide, reportCalls, type SimulatedCall, type SimulatedRequest } from '../helpers/iam/simulate';
import { TemplateResolver } from '../helpers/iam/template-policies';
import {
  alertsFunction,
  eventsTable,
  ingestFunction,
  referencedId,
  resourceById,
  smokeSecret,
  stackFromContext,
  sweepFunction,
  webhookSecret,
} from '../helpers/infra';
import { apiEvent, invoke } from '../helpers/receiver';

const LOCAL_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:local-webhook-secret-AbCdEf';
const LOCAL_SMOKE_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:local-smoke-secret-GhIjKl';
const SMOKE_SECRET = 'smoke-secret-for-the-iam-run';

/** The deployed ingest handler as configured in AWS (secret by ARN), its SDK calls recorded as `ingest`. */
function recordedIngest(calls: RecordedCall[], tableName: string, secrets: SecretsManagerStandIn): HttpApiHandler {
  let handler: HttpApiHandler | undefined;
  jest.isolateModules(() => {
    recordSdkCalls(calls, 'ingest');
    applyLocalAwsEnv(dynamodbEndpoint());
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      WEBHOOK_SECRET_ARN: secrets.secretArn,
      SMOKE_SECRET_ARN: LOCAL_SMOKE_SECRET_ARN,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    });
    handler = (require('../../functions/ingest/handler') as typeof import('../../functions/ingest/handler')).handler;
  });
  // The handler read WEBHOOK_SECRET_ARN at import; the SDK reads the endpoint variable at its first call, so that one
  // stays until afterAll.
  delete process.env.WEBHOOK_SECRET_ARN;
  delete process.env.SMOKE_SECRET_ARN;
  if (!handler) throw new Error('the ingest handler did not load');
  return handler;
}

/** The deployed alerts handler, its SDK calls recorded as `alerts`. */
function recordedAlerts(calls: RecordedCall[], settings: { tableName: string; topicArn: string }): StreamHandler {
  let handler: StreamHandler | undefined;
  jest.isolateModules(() => {
    recordSdkCalls(calls, 'alerts');
    handler = loadAlertsHandler({ dynamodbEndpoint: dynamodbEndpoint(), snsEndpoint: snsEndpoint(), ...settings });
  });
  if (!handler) throw new Error('the alerts handler did not load');
  return handler;
}

/** A smoke run's redemption.failed, its id unique to this run. */
function smokeBody(): Buffer {
  return smokeEvents(`iam${Date.now().toString(36)}`, Date.now()).failed.body;
}

/** The deployed scheduled case function, its SDK calls recorded as `sweep`. */
function recordedSweep(calls: RecordedCall[], settings: { tableName: string; topicArn: string }): SweepHandler {
  let handler: SweepHandler | undefined;
  jest.isolateModules(() => {
    recordSdkCalls(calls, 'sweep');
    handler = loadSweepHandler({ dynamodbEndpoint: dynamodbEndpoint(), snsEndpoint: snsEndpoint(), ...settings });
  });
  if (!handler) throw new Error('the sweep handler did not load');
  return handler;
}

/**
 * Cases the scheduled function has work for, written with the test's own (unrecorded) client: one opened two days ago
 * (the reminder is due), one in the digest of the window that just ended (its digest is due).
 */
async function seedDueCases(harness: AlertsHarness): Promise<void> {
  const store = new DynamoDbCaseStore(harness.dynamodb, harness.table);
  const now = Date.now();
  const old = decideOnFailure(undefined, {
    key: `rrf_iam_old_${now.toString(36)}`,
    eventId: `evrrf_iam_old_${now.toString(36)}`,
    facts: { failureCode: 'invalid_redemption' },
    at: new Date(now - 48 * 3_600_000).toISOString(),
  });
  if (old.kind === 'open') await store.put(old.next, 0);
  const window = burstWindowStart(now - 15 * 60_000, 15);
  const digested = decideOnFailure(undefined, {
    key: `rrf_iam_burst_${now.toString(36)}`,
    eventId: `evrrf_iam_burst_${now.toString(36)}`,
    facts: { failureCode: 'already_rolled_back' },
    at: new Date(Date.parse(window) + 1_000).toISOString(),
  });
  if (digested.kind === 'open') await store.put({ ...digested.next, notice: { opening: 1, via: 'digest', window } }, 0);
  await store.addToDigest(window);
}

let counter = 0;
function freshEnvelope(name: string): Envelope {
  const envelope = loadFixture(name);
  counter += 1;
  envelope.event.id = `${envelope.event.id}_iam${counter}_${Date.now().toString(36)}`;
  return envelope;
}

let synthesized: Template | undefined;

/** The deployed stack's names for what the local run used, and the two roles (the template synthesized once). */
function deployedStack(harness: AlertsHarness) {
  synthesized ??= Template.fromStack(stackFromContext());
  const template = synthesized;
  const resolver = new TemplateResolver(template.toJSON());
  const ingest = ingestFunction(template);
  const alerts = alertsFunction(template);
  const topicId = referencedId(alerts.properties.Environment.Variables.TOPIC_ARN);
  const keyId = referencedId(resourceById(template, topicId, 'AWS::SNS::Topic').properties.KmsMasterKeyId);
  const topicArn = resolver.ref(topicId);
  const map: ResourceMap = {
    tables: { [harness.table]: resolver.getAtt(eventsTable(template).id, 'Arn') },
    topics: { [harness.topicArn]: topicArn },
    secrets: {
      [LOCAL_SECRET_ARN]: resolver.ref(webhookSecret(template).id),
      [LOCAL_SMOKE_SECRET_ARN]: resolver.ref(smokeSecret(template).id),
    },
    topicKeys: { [topicArn]: resolver.getAtt(keyId, 'Arn') },
  };
  const roles: Record<string, string> = {
    ingest: referencedId(ingest.properties.Role),
    alerts: referencedId(alerts.properties.Role),
    sweep: referencedId(sweepFunction(template).properties.Role),
  };
  return { resolver, map, roles };
}

/** Each distinct IAM request the calls need, simulated as the role of the function that made it. */
async function judgeCalls(
  calls: readonly RecordedCall[],
  stack: ReturnType<typeof deployedStack>,
): Promise<SimulatedCall[]> {
  const distinct = new Map<string, SimulatedRequest & { who: string }>();
  for (const call of calls) {
    const role = stack.roles[call.fn];
    if (!role) throw new Error(`no role for ${call.fn}`);
    for (const request of iamRequestsFor(call, role, stack.map))
      distinct.set(JSON.stringify([call.fn, request]), { ...request, who: call.fn });
  }
  const judged: SimulatedCall[] = [];
  for (const request of distinct.values()) {
    judged.push({
      who: request.who,
      action: request.action,
      resource: request.resource,
      context: Object.entries(request.context ?? {})
        .map(([k, v]) => `${k}=${[v].flat().join(',')}`)
        .join(' '),
      expected: 'Allowed',
      verdict: await decide(stack.resolver, request),
    });
  }
  return judged;
}

describe('IAM: every call the handlers make is allowed by the stack’s policies', () => {
  const calls: RecordedCall[] = [];
  let harness: AlertsHarness;
  let secrets: SecretsManagerStandIn;
  let ingest: HttpApiHandler;
  let quiet: jest.SpyInstance;

  beforeAll(async () => {
    // The handlers' log and metric lines are not what this file checks.
    quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    secrets = await startSecretsManagerStandIn(LOCAL_SECRET_ARN, TEST_SECRET, {
      [LOCAL_SMOKE_SECRET_ARN]: SMOKE_SECRET,
    });
    harness = await startAlertsHarness('iam', { load: (settings) => recordedAlerts(calls, settings) });
    ingest = recordedIngest(calls, harness.table, secrets);
  });

  afterAll(async () => {
    await harness?.stop();
    await secrets?.stop();
    delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    quiet?.mockRestore();
  });

  it('records the calls of a delivery, a duplicate, a bad signature and an alert, and AWS’s rules allow each', async () => {
    // Prepare
    const rollback = freshEnvelope('redemption.rollback.failed');
    const failed = freshEnvelope('redemption.failed');

    // Act: what a day of webhooks does (stored, duplicate, refused, another type), then the alert and a redelivery.
    const answers = [
      await invoke(ingest, apiEvent(signedRequest(rollback))),
      await invoke(ingest, apiEvent(signedRequest(rollback))),
      await invoke(ingest, apiEvent(signedRequest(failed, { secret: 'not-the-secret' }))),
      await invoke(ingest, apiEvent(signedRequest(failed))),
      // A smoke delivery, signed with the smoke secret: the function reads that secret too.
      await invoke(ingest, apiEvent(signedRequest(undefined, { body: smokeBody(), secret: SMOKE_SECRET }))),
    ].map((a) => a.statusCode);
    const alerts = await harness.receiveUntil((received) => received.length >= 1);
    // The stream delivers a batch again (a retry): the marker is read, nothing is published twice.
    const first = harness.invocations.find((i) => i.event.Records.length > 0);
    if (first) await harness.alerts(first.event);
    // The scheduled function with work due: a digest and a reminder (its calls recorded as `sweep`).
    await seedDueCases(harness);
    const swept = await recordedSweep(calls, { tableName: harness.table, topicArn: harness.topicArn })({});
    const judged = await judgeCalls(calls, deployedStack(harness));
    reportCalls('Recorded handler calls (integration run)', judged);

    // Assess: the run did what it should, so the recording covers the real paths...
    // (On a loaded machine the first PutItem can time out on the client after DynamoDB Local stored it; the SDK's
    // retry then finds the item and the answer is 200 duplicate. Either way the event is stored once.)
    expect([202, 200]).toContain(answers[0]);
    expect(answers.slice(1)).toEqual([200, 401, 202, 202]);
    const secretReads = judged.filter((c) => c.action === 'secretsmanager:GetSecretValue').map((c) => c.resource);
    expect(secretReads.sort()).toEqual(
      [
        deployedStack(harness).resolver.ref(webhookSecret(synthesized as Template).id),
        deployedStack(harness).resolver.ref(smokeSecret(synthesized as Template).id),
      ].sort(),
    );
    expect(alerts).toHaveLength(1);
    const actions = new Set(judged.map((c) => `${c.who} ${c.action}`));
    for (const expected of [
      'ingest secretsmanager:GetSecretValue',
      'ingest dynamodb:PutItem',
      // The erasure-record read before each store (an event that names a customer).
      'ingest dynamodb:GetItem',
      'alerts dynamodb:GetItem',
      'alerts sns:Publish',
      'alerts kms:GenerateDataKey',
      'alerts kms:Decrypt',
      'alerts dynamodb:UpdateItem',
      // Cases: the case item read and written over its version, the burst window counted.
      'alerts dynamodb:PutItem',
      'sweep dynamodb:BatchGetItem',
      'sweep dynamodb:Query',
      'sweep dynamodb:UpdateItem',
      'sweep sns:Publish',
      'sweep kms:GenerateDataKey',
    ])
      expect(actions).toContain(expected);
    expect(swept.digests).toHaveLength(1);
    expect(swept.reminder).toBeDefined();
    // ...and every call it recorded is allowed, with the condition keys it carried.
    expect(judged.filter((c) => c.verdict !== 'Allowed')).toEqual([]);
    // On an event's item, only the marker; every other item call is on a case item (by its key prefix).
    const items = judged.filter(
      (c) => c.who !== 'ingest' && /^dynamodb:(GetItem|UpdateItem|PutItem|BatchGetItem)$/.test(c.action),
    );
    for (const call of items) {
      if (/dynamodb:LeadingKeys=case/.test(call.context)) continue;
      expect(call.context).toMatch(/^dynamodb:Attributes=(alertMessageId,)?alertedAt,pk dynamodb:LeadingKeys=evrrf_/);
    }
    expect(items.filter((c) => /dynamodb:LeadingKeys=case#/.test(c.context)).length).toBeGreaterThan(0);
    const erasureReads = judged.filter((c) => c.who === 'ingest' && c.action === 'dynamodb:GetItem');
    for (const call of erasureReads)
      expect(call.context).toMatch(
        /^dynamodb:Attributes=erasureId,pk dynamodb:LeadingKeys=erasure#[0-9a-f]{64}$|^dynamodb:Attributes=erasedPrefixes,pk dynamodb:LeadingKeys=erasure#index$/,
      );
    // The index of erased customers is what every delivery's check starts from.
    expect(erasureReads.some((call) => call.context.includes('erasure#index'))).toBe(true);
  });

  it('a call a handler would add without a grant is recorded and denied (negative control)', async () => {
    // Prepare: a second copy of the alerts handler's SDK, recorded the same way, making one call it must never make.
    const extra: RecordedCall[] = [];
    let sdk: typeof import('@aws-sdk/client-dynamodb') | undefined;
    jest.isolateModules(() => {
      recordSdkCalls(extra, 'alerts');
      sdk = require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
    });
    if (!sdk) throw new Error('the SDK did not load');
    const client = new sdk.DynamoDBClient({ endpoint: dynamodbEndpoint(), region: 'us-east-1' });

    // Act
    await client.send(new sdk.DeleteItemCommand({ TableName: harness.table, Key: { pk: { S: 'no-such-event' } } }));
    client.destroy();
    const judged = await judgeCalls(extra, deployedStack(harness));

    // Assess
    expect(judged.map((c) => [c.who, c.action, c.verdict])).toEqual([
      ['alerts', 'dynamodb:DeleteItem', 'ImplicitlyDenied'],
    ]);
  });

  it('a call naming a resource the function was not configured with fails the translation (negative control)', () => {
    // Prepare: a Publish to another topic, as the recorder would have seen it.
    const call: RecordedCall = {
      fn: 'alerts',
      service: 'SNS',
      operation: 'Publish',
      input: { TopicArn: 'arn:aws:sns:us-east-1:000000000000:some-other-topic', Message: 'x' },
    };

    // Act / Assess
    expect(() => iamRequestsFor(call, 'AlertsRole', deployedStack(harness).map)).toThrow(
      /names topic .*some-other-topic, which the function was not configured with/,
    );
  });
});

describe('IAM: the chat publisher’s calls, with chat channels configured', () => {
  const CHANNELS = [{ platform: 'slack', name: 'cases', workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' }];

  /** The adapter the functions use for chat (functions/adapters/sns-notice-publisher.ts), its SDK calls recorded. */
  async function recordedChatPublish(calls: RecordedCall[], fn: string, topicArn: string): Promise<void> {
    let loaded:
      | {
          adapter: typeof import('../../functions/adapters/sns-notice-publisher');
          local: typeof import('../../local/runtime/alerts');
        }
      | undefined;
    jest.isolateModules(() => {
      recordSdkCalls(calls, fn);
      loaded = {
        adapter: require('../../functions/adapters/sns-notice-publisher'),
        local: require('../../local/runtime/alerts'),
      };
    });
    if (!loaded) throw new Error('the chat adapter did not load');
    const sns = loaded.local.localSnsClient(snsEndpoint());
    try {
      await loaded.adapter.noticePublisherFromEnv(sns, { CHAT_TOPIC_ARN: topicArn }).publish({
        kind: 'resolved',
        caseKey: 'rr_iam',
        title: 'Resolved',
        description: 'points given back',
        nextSteps: [],
        keywords: ['resolved'],
        threadId: 'case-rr_iam',
      });
    } finally {
      sns.destroy();
    }
  }

  it('the alerts function may publish a notice to the chat topic; the ingest role may not (negative control)', async () => {
    // Prepare: a chat topic on fauxqs, and the deployed names for it.
    const setup = localSnsClient(snsEndpoint());
    const localTopic = await createAlertTopic(setup, `iam-chat-${Date.now().toString(36)}`);
    setup.destroy();
    const template = Template.fromStack(stackFromContext({ chatChannels: CHANNELS }));
    const resolver = new TemplateResolver(template.toJSON());
    const alerts = alertsFunction(template);
    const chatTopicId = referencedId(alerts.properties.Environment.Variables.CHAT_TOPIC_ARN);
    const keyId = referencedId(resourceById(template, chatTopicId, 'AWS::SNS::Topic').properties.KmsMasterKeyId);
    const chatTopicArn = resolver.ref(chatTopicId);
    const map: ResourceMap = {
      tables: {},
      topics: { [localTopic]: chatTopicArn },
      secrets: {},
      topicKeys: { [chatTopicArn]: resolver.getAtt(keyId, 'Arn') },
    };
    const roles: Record<string, string> = {
      alerts: referencedId(alerts.properties.Role),
      ingest: referencedId(ingestFunction(template).properties.Role),
    };

    // Act
    const calls: RecordedCall[] = [];
    await recordedChatPublish(calls, 'alerts', localTopic);
    const asIngest = calls.map((call) => ({ ...call, fn: 'ingest' }));
    const judged = await judgeCalls([...calls, ...asIngest], { resolver, map, roles } as ReturnType<
      typeof deployedStack
    >);
    reportCalls('Chat publisher calls (integration run)', judged);

    // Assess
    expect(calls.map((c) => `${c.service} ${c.operation}`)).toEqual(['SNS Publish']);
    expect(judged.map((c) => [c.who, c.action, c.verdict === 'Allowed'])).toEqual([
      ['alerts', 'sns:Publish', true],
      ['alerts', 'kms:GenerateDataKey', true],
      ['alerts', 'kms:Decrypt', true],
      ['ingest', 'sns:Publish', false],
      ['ingest', 'kms:GenerateDataKey', false],
      ['ingest', 'kms:Decrypt', false],
    ]);
  });
});
