/**
 * Every permission in the template, checked against one allow-list. Each statement of every AWS::IAM::Policy,
 * AWS::IAM::ManagedPolicy and role inline policy must be an Allow of listed actions on the exact resource (and with
 * the exact condition) the list names for that role; every listed grant must be there; every role must be known.
 * The resources are found through the references between them (API integration → ingest function → its env →
 * table and secret; TOPIC_ARN → alerts function → topic → key; mapping → DLQ), never by logical id. A `*` in an
 * identity policy fails, and in resource policies `*` is allowed only where AWS requires it (a KMS key policy's own
 * resource, the principal of a Deny).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { AnyPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { ALERT_MARKER } from '../../functions/adapters/dynamodb-alert-ledger';
import { CASE_KEY_PREFIX } from '../../functions/adapters/dynamodb-case-store';
import { EVENTS_INDEXES, EVENTS_TABLE } from '../../functions/adapters/table';
import { ERASURE_READ_CONDITION } from '../../lib/constructs/voucherify-webhook-receiver';
import {
  alertsFunction,
  eventsTable,
  type Found,
  functionLogGroup,
  ingestFunction,
  referencedId,
  resourceById,
  smokeSecret,
  stackFromContext,
  sweepFunction,
  webhookSecret,
} from '../helpers/infra';

interface Statement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Condition?: unknown;
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** One permission the stack is meant to have: actions on one resource, under one condition (or none). */
interface AllowedGrant {
  readonly why: string;
  readonly actions: readonly string[];
  readonly resource: unknown;
  readonly condition?: unknown;
}

interface KnownRole {
  readonly name: string;
  readonly grants: readonly AllowedGrant[];
  /** The one service that may assume it. @default 'lambda.amazonaws.com' */
  readonly service?: string;
}

/**
 * Actions that take no resource type in AWS's Service Authorization Reference, so "*" is the only resource a grant of
 * them can name (test/infra/iam-reference.test.ts proves any other resource could never apply).
 */
const WILDCARD_ONLY_ACTIONS: readonly string[] = ['dynamodb:ListStreams'];

const asList = <T>(value: T | readonly T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });

function resources(template: Template): [string, Resource][] {
  return Object.entries((template.toJSON().Resources ?? {}) as Record<string, Resource>);
}

/** Every string inside a JSON value (to find a `*` however deep it sits, e.g. inside an Fn::Join). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** The allow-list: every role of the stack and everything it may do. */
function knownRoles(template: Template): Map<string, KnownRole> {
  const ingest = ingestFunction(template);
  const table = eventsTable(template);
  const tableArn = getAtt(table.id, 'Arn');
  const alerts = alertsFunction(template);
  const alertsEnv = alerts.properties.Environment.Variables;
  const topic = resourceById(template, referencedId(alertsEnv.TOPIC_ARN), 'AWS::SNS::Topic');
  const key = resourceById(template, referencedId(topic.properties.KmsMasterKeyId), 'AWS::KMS::Key');
  const mapping = Object.entries(template.findResources('AWS::Lambda::EventSourceMapping')).find(
    ([, m]) => referencedId(m.Properties.FunctionName) === alerts.id,
  );
  if (!mapping) throw new Error('the alerts function has no event source mapping');
  const dlqId = referencedId(mapping[1].Properties.DestinationConfig.OnFailure.Destination);
  resourceById(template, dlqId, 'AWS::SQS::Queue');
  const markerOnly = [EVENTS_TABLE.partitionKey, ALERT_MARKER.alertedAt, ALERT_MARKER.messageId];
  // Chat, when configured: the alerts function publishes there too (same key), and Amazon Q's channels get a role.
  const chatTopic = alertsEnv.CHAT_TOPIC_ARN
    ? resourceById(template, referencedId(alertsEnv.CHAT_TOPIC_ARN), 'AWS::SNS::Topic')
    : undefined;
  const chatGrants: AllowedGrant[] = chatTopic
    ? [
        { why: 'publish case messages to chat', actions: ['sns:Publish'], resource: { Ref: chatTopic.id } },
        {
          why: 'SNS encrypts the chat message with the caller’s rights',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resource: getAtt(referencedId(chatTopic.properties.KmsMasterKeyId), 'Arn'),
        },
      ]
    : [];
  const channelRoles = Object.values({
    ...template.findResources('AWS::Chatbot::SlackChannelConfiguration'),
    ...template.findResources('AWS::Chatbot::MicrosoftTeamsChannelConfiguration'),
  }).map((config) => referencedId(config.Properties.IamRoleArn));
  const sweep = sweepFunction(template);
  const onKeys = (...prefixes: string[]) => ({
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) },
    Null: { 'dynamodb:LeadingKeys': 'false' },
  });
  const casesIndexArn = {
    'Fn::Join': ['', [getAtt(table.id, 'Arn'), `/index/${EVENTS_INDEXES.cases.name}`]],
  };
  const buckets = Object.keys(template.findResources('AWS::S3::Bucket'));
  if (buckets.length !== 1) throw new Error(`expected the one bodies bucket, found ${buckets.length}`);
  const bodyObjects = { 'Fn::Join': ['', [getAtt(buckets[0] as string, 'Arn'), '/bodies/*']] };
  const ownLogs = (fn: Found): AllowedGrant => ({
    why: 'write its own log group (the role has no AWSLambdaBasicExecutionRole, which allows logs:* on "*")',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resource: getAtt(functionLogGroup(template, fn).id, 'Arn'),
  });

  return new Map<string, KnownRole>([
    [
      referencedId(ingest.properties.Role),
      {
        name: 'ingest',
        grants: [
          ownLogs(ingest),
          { why: 'store each event once (conditional put)', actions: ['dynamodb:PutItem'], resource: tableArn },
          {
            why: "read the erasure record of an event's customer before storing it (erasure# keys only)",
            actions: ['dynamodb:GetItem'],
            resource: tableArn,
            condition: ERASURE_READ_CONDITION,
          },
          {
            why: 'keep a body too large for its item beside it (written before the item)',
            actions: ['s3:PutObject'],
            resource: bodyObjects,
          },
          {
            why: 'read the webhook secret(s)',
            actions: ['secretsmanager:GetSecretValue'],
            resource: { Ref: webhookSecret(template).id },
          },
          {
            why: 'read the smoke secret (smoke_ events only)',
            actions: ['secretsmanager:GetSecretValue'],
            resource: { Ref: smokeSecret(template).id },
          },
        ],
      },
    ],
    [
      referencedId(alerts.properties.Role),
      {
        name: 'alerts',
        grants: [
          ownLogs(alerts),
          {
            why: "Lambda's poller reads the table stream as the function",
            actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
            resource: getAtt(table.id, 'StreamArn'),
          },
          {
            why: 'Lambda checks for it when it creates the mapping; it supports no resource type, so only "*" applies',
            actions: ['dynamodb:ListStreams'],
            resource: '*',
          },
          { why: 'publish alerts', actions: ['sns:Publish'], resource: { Ref: topic.id } },
          {
            why: 'read the body of a rollback failure kept beside its item',
            actions: ['s3:GetObject'],
            resource: bodyObjects,
          },
          {
            why: 'SNS encrypts the message with the caller’s rights',
            actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
            resource: getAtt(key.id, 'Arn'),
          },
          {
            why: 'check the alert marker, and nothing else of the item',
            actions: ['dynamodb:GetItem'],
            resource: tableArn,
            condition: {
              'ForAllValues:StringEquals': { 'dynamodb:Attributes': markerOnly },
              StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
            },
          },
          {
            why: 'set the alert marker, and nothing else of the item',
            actions: ['dynamodb:UpdateItem'],
            resource: tableArn,
            condition: {
              'ForAllValues:StringEquals': { 'dynamodb:Attributes': markerOnly },
              StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
            },
          },
          {
            why: 'the event source mapping sends what it gives up on to the DLQ with the function’s role',
            actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
            resource: getAtt(dlqId, 'Arn'),
          },
          {
            why: 'read and write (over the version read) the case items, and only those',
            actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
            resource: tableArn,
            condition: onKeys(CASE_KEY_PREFIX.case),
          },
          {
            why: 'count the alerts of a burst window, on its counter item only',
            actions: ['dynamodb:UpdateItem'],
            resource: tableArn,
            condition: onKeys(CASE_KEY_PREFIX.window),
          },
          ...chatGrants,
        ],
      },
    ],
    [
      referencedId(sweep.properties.Role),
      {
        name: 'sweep',
        grants: [
          ownLogs(sweep),
          { why: 'publish digests and reminders', actions: ['sns:Publish'], resource: { Ref: topic.id } },
          {
            why: 'SNS encrypts the message with the caller’s rights',
            actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
            resource: getAtt(key.id, 'Arn'),
          },
          { why: 'list cases by state (the cases index)', actions: ['dynamodb:Query'], resource: casesIndexArn },
          {
            why: 'read the burst windows and claim their digest and the reminder, on those items only',
            actions: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
            resource: tableArn,
            condition: onKeys(CASE_KEY_PREFIX.window, CASE_KEY_PREFIX.reminder),
          },
          ...chatGrants,
        ],
      },
    ],
    // Amazon Q assumes it to post to the channels; posting needs no permission, so it has none.
    ...[...new Set(channelRoles)].map((id): [string, KnownRole] => [
      id,
      { name: 'chat channels', grants: [], service: 'chatbot.amazonaws.com' },
    ]),
  ]);
}

/** Every identity-based statement in the template, with the role it applies to (undefined: not attached to a role). */
function identityStatements(template: Template): { source: string; roles: string[]; statement: Statement }[] {
  const found: { source: string; roles: string[]; statement: Statement }[] = [];
  for (const [id, resource] of resources(template)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      const roles = asList(props.Roles).map(referencedId);
      const attachedElsewhere = asList(props.Users).length + asList(props.Groups).length > 0;
      const document = props.PolicyDocument as { Statement: Statement[] };
      for (const statement of document.Statement)
        found.push({ source: id, roles: attachedElsewhere ? [...roles, '(a user or group)'] : roles, statement });
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of asList(props.Policies) as { PolicyDocument: { Statement: Statement[] } }[])
        for (const statement of policy.PolicyDocument.Statement) found.push({ source: id, roles: [id], statement });
    }
  }
  return found;
}

/**
 * What is wrong with the template's permissions against the allow-list, one line per problem (empty when none). A
 * pure function of the template, so the negative controls below can show it catching what it must.
 */
function iamViolations(template: Template): string[] {
  const known = knownRoles(template);
  const problems: string[] = [];
  const granted = new Set<string>();

  for (const [id, resource] of resources(template)) {
    if (resource.Type === 'AWS::IAM::User' || resource.Type === 'AWS::IAM::Group')
      problems.push(`${id}: ${resource.Type} (this stack has only function roles)`);
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const role = known.get(id);
    if (!role) {
      problems.push(`${id}: a role the allow-list does not know`);
      continue;
    }
    const props = resource.Properties ?? {};
    if (props.ManagedPolicyArns !== undefined) problems.push(`${role.name}: managed policies attached`);
    const trust = (props.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
    const service = role.service ?? 'lambda.amazonaws.com';
    if (!same(trust, [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: service } }]))
      problems.push(`${role.name}: trusts more than ${service}: ${JSON.stringify(trust)}`);
  }

  for (const { source, roles, statement } of identityStatements(template)) {
    const where = `${source} ${JSON.stringify(statement)}`;
    for (const key of ['NotAction', 'NotResource', 'NotPrincipal', 'Principal'] as const)
      if (statement[key] !== undefined) problems.push(`${where}: uses ${key}`);
    if (statement.Effect !== 'Allow') continue; // a Deny only ever narrows
    const actions = asList(statement.Action);
    for (const action of actions) if (action.includes('*')) problems.push(`${where}: wildcard action ${action}`);
    // "*" only for actions that support no resource type (AWS's reference data, checked in iam-reference.test.ts).
    const wildcardOnly = actions.every((action) => WILDCARD_ONLY_ACTIONS.includes(action));
    // And the one object prefix of the bodies bucket: its keys are hashes of bytes, so no grant can name an object.
    const bodyObjects = (text: string) => text === '/bodies/*' && JSON.stringify(statement.Resource).includes('Bodies');
    for (const text of strings(statement.Resource))
      if (text.includes('*') && !(wildcardOnly && text === '*') && !bodyObjects(text))
        problems.push(`${where}: wildcard resource ${text}`);
    if (roles.length === 0) problems.push(`${where}: attached to no role`);
    for (const roleId of roles) {
      const role = known.get(roleId);
      if (!role) {
        problems.push(`${where}: granted to ${roleId}, which the allow-list does not know`);
        continue;
      }
      for (const resourceRef of asList(statement.Resource)) {
        for (const action of actions) {
          const grant = role.grants.find(
            (g) =>
              g.actions.includes(action) && same(g.resource, resourceRef) && same(g.condition, statement.Condition),
          );
          if (grant) granted.add(`${role.name} ${action} ${JSON.stringify(resourceRef)}`);
          else
            problems.push(
              `${role.name}: ${action} on ${JSON.stringify(resourceRef)}` +
                `${statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : ''} is not on the allow-list`,
            );
        }
      }
    }
  }

  for (const role of known.values())
    for (const grant of role.grants)
      for (const action of grant.actions)
        if (!granted.has(`${role.name} ${action} ${JSON.stringify(grant.resource)}`))
          problems.push(`${role.name}: ${action} on ${JSON.stringify(grant.resource)} is missing (${grant.why})`);
  return problems;
}

/** `*` in resource-based policies (key, topic, queue): only a KMS key policy's own resource and a Deny's principal. */
function resourcePolicyWildcards(template: Template): string[] {
  const problems: string[] = [];
  for (const [id, resource] of resources(template)) {
    const props = resource.Properties ?? {};
    const document = (props.KeyPolicy ?? props.PolicyDocument) as { Statement: Statement[] } | undefined;
    if (!document || resource.Type.startsWith('AWS::IAM::')) continue;
    for (const statement of document.Statement) {
      const where = `${id} (${resource.Type}) ${statement.Sid ?? JSON.stringify(statement.Action)}`;
      const isKeyPolicy = resource.Type === 'AWS::KMS::Key';
      // In a key policy, "*" is the only resource there is: it means "this key".
      // A Deny may cover every object (the bodies bucket's TLS-only statement does).
      if (!isKeyPolicy && statement.Effect === 'Allow' && strings(statement.Resource).some((s) => s.includes('*')))
        problems.push(`${where}: wildcard resource`);
      if (statement.Effect === 'Allow' && strings(statement.Principal).some((s) => s === '*'))
        problems.push(`${where}: allows any principal`);
    }
  }
  return problems;
}

describe.each([
  ['default settings', {}],
  ['every option on', { alertEmails: 'oncall@example.com', allowedSourceRegions: 'eu1', tableName: 'events-x' }],
  [
    'chat channels on',
    {
      chatChannels: [
        { platform: 'slack', name: 'cases', workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
        {
          platform: 'teams',
          name: 'cases-teams',
          tenantId: '00000000-1111-2222-3333-444444444444',
          teamId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
          channelId: '19%3a0123456789abcdef%40thread.tacv2',
        },
      ],
    },
  ],
])('IAM, %s', (_, context) => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(stackFromContext(context));
  });

  it('every statement of every policy is on the allow-list, and every listed grant is there', () => {
    expect(iamViolations(template)).toEqual([]);
  });

  it('the stack has exactly the three function roles (and the chat channels’ one), each function role with its grants', () => {
    expect(Object.keys(template.findResources('AWS::IAM::Role')).sort()).toEqual(
      [...knownRoles(template).keys()].sort(),
    );
    for (const role of knownRoles(template).values())
      if (role.name !== 'chat channels') expect(role.grants.length).toBeGreaterThanOrEqual(3);
  });

  it('the chat channels’ role, when there is one, can do nothing, and the alerts and sweep functions publish to chat', () => {
    const roles = [...knownRoles(template).values()];
    for (const role of roles.filter((r) => r.name === 'chat channels')) expect(role.grants).toEqual([]);
    const chatPublishers = roles.filter((r) => r.grants.some((g) => g.why === 'publish case messages to chat'));
    expect(chatPublishers.map((r) => r.name).sort()).toEqual(
      alertsFunction(template).properties.Environment.Variables.CHAT_TOPIC_ARN ? ['alerts', 'sweep'] : [],
    );
  });

  it('ingest may only put items, read erasure records and its two secrets, put oversized bodies, and write its logs', () => {
    const ingest = [...knownRoles(template).values()].find((role) => role.name === 'ingest')!;
    expect(ingest.grants.flatMap((grant) => grant.actions).sort()).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:PutObject',
        // the webhook secret and the smoke secret, each its own grant on its own resource
        'secretsmanager:GetSecretValue',
        'secretsmanager:GetSecretValue',
      ].sort(),
    );
    const read = ingest.grants.find((grant) => grant.actions.includes('dynamodb:GetItem'));
    expect(JSON.stringify(read?.condition)).toContain('"dynamodb:LeadingKeys":["erasure#*"]');
  });

  it('alerts can neither write an event nor read one beyond the marker; case grants reach case items only', () => {
    const alerts = [...knownRoles(template).values()].find((role) => role.name === 'alerts')!;
    const itemActions = alerts.grants.filter((g) => g.actions.some((a) => /Item$|Query|Scan|BatchGet/.test(a)));
    expect(itemActions.flatMap((g) => g.actions).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:UpdateItem',
    ]);
    // Each grant is held to the marker's attributes, or to items whose key starts with a case prefix (events' keys
    // are Voucherify's event ids, which never do).
    for (const grant of itemActions)
      expect(JSON.stringify(grant.condition)).toMatch(
        /"dynamodb:Attributes"|"dynamodb:LeadingKeys":\["case(window)?#\*"\]/,
      );
  });

  it('no "*" in resource policies beyond a KMS key policy’s own resource; no Allow to any principal', () => {
    expect(resourcePolicyWildcards(template)).toEqual([]);
  });

  it('the key policy lets only this account (through IAM) and CloudWatch alarms use the key', () => {
    const keys = Object.values(template.findResources('AWS::KMS::Key'));
    expect(keys).toHaveLength(1);
    const statements = keys[0]!.Properties.KeyPolicy.Statement as Statement[];
    const principals = statements.filter((s) => s.Effect === 'Allow').map((s) => JSON.stringify(s.Principal));
    expect(principals).toHaveLength(2);
    expect(principals[0]).toMatch(/":iam::",\{"Ref":"AWS::AccountId"\},":root"/);
    expect(principals[1]).toBe('{"Service":"cloudwatch.amazonaws.com"}');
    // The one Deny: grants only for AWS resources (CT.KMS.PR.3).
    expect(statements.filter((s) => s.Effect !== 'Allow').map((s) => s.Action)).toEqual(['kms:CreateGrant']);
  });

  it('every Lambda permission names the one caller that may invoke', () => {
    for (const permission of Object.values(template.findResources('AWS::Lambda::Permission'))) {
      // The API invokes ingest; the one-minute schedule rule invokes the scheduled case function.
      expect(['apigateway.amazonaws.com', 'events.amazonaws.com']).toContain(permission.Properties.Principal);
      expect(permission.Properties.SourceArn).toBeDefined();
    }
  });
});

describe('the checks can fail (negative controls)', () => {
  it('a wildcard grant added to a function is reported, with what is wrong', () => {
    const stack = stackFromContext();
    stack.ingestFunction.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    const problems = iamViolations(Template.fromStack(stack));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/wildcard resource \*$/),
        expect.stringContaining('ingest: s3:GetObject on "*" is not on the allow-list'),
      ]),
    );
  });

  it('a broader grant on a listed resource (DeleteItem on the table) is reported', () => {
    const stack = stackFromContext();
    stack.alerts.function.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:DeleteItem'], resources: [stack.eventsTable.table.tableArn] }),
    );
    expect(iamViolations(Template.fromStack(stack))).toEqual([
      expect.stringMatching(/^alerts: dynamodb:DeleteItem on .* is not on the allow-list$/),
    ]);
  });

  it('a listed grant that went missing is reported', () => {
    const template = Template.fromStack(stackFromContext());
    const json = template.toJSON();
    for (const resource of Object.values(json.Resources as Record<string, Resource>)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const document = resource.Properties?.PolicyDocument as { Statement: Statement[] };
      document.Statement = document.Statement.filter((s) => s.Action !== 'secretsmanager:GetSecretValue');
    }
    expect(iamViolations(Template.fromJSON(json))).toEqual([
      expect.stringMatching(/^ingest: secretsmanager:GetSecretValue on .* is missing \(read the webhook secret/),
      expect.stringMatching(/^ingest: secretsmanager:GetSecretValue on .* is missing \(read the smoke secret/),
    ]);
  });

  it('a resource policy allowing any principal is reported', () => {
    const stack = stackFromContext();
    stack.alerts.topic.addToResourcePolicy(
      new PolicyStatement({
        actions: ['sns:Subscribe'],
        resources: [stack.alerts.topic.topicArn],
        principals: [new AnyPrincipal()],
      }),
    );
    expect(resourcePolicyWildcards(Template.fromStack(stack))).toEqual([
      expect.stringContaining('allows any principal'),
    ]);
  });
});
