/**
 * cdk-nag over the whole stack (ingest, alerts, observability, whatever joins them): the AwsSolutions pack and the
 * Serverless pack, on the default settings and with every optional resource switched on. No finding may be left
 * unsuppressed, and the suppressions are an exact, reviewed list: each names the resource it sits on (found through
 * the stack's public properties, never a logical id), and each reason must mention the facts that make it specific to
 * this stack. A new suppression, or a generic reason, fails here until it is reviewed into the list.
 */
import { Aspects, CfnResource, type Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { CfnRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { CfnSubscription } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, NagSuppressions, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { VoucherifyWebhooksStack } from '../../lib/voucherify-webhooks-stack';
import { newApp, STACK_NAME } from '../helpers/infra';

/** Everything optional on: subscriptions, the allow-list, names, a throw-away table. */
const EVERYTHING_ON = {
  alertEmails: 'oncall@example.com,payments@example.com',
  includeCustomerEmail: 'true',
  allowedSourceRegions: 'eu1,us1',
  allowedSourceIps: '198.51.100.0/24',
  tableName: 'voucherify-events',
  webhookSecretName: 'voucherify/webhook-secret',
  ingestFunctionName: 'voucherify-ingest',
  apiName: 'voucherify-webhooks',
  removalPolicy: 'destroy',
  deletionProtection: 'false',
  logLevel: 'debug',
  logRetentionDays: '90',
  // A Slack and a Teams channel: the chat topic, its channel configurations and their role.
  chatChannels: JSON.stringify([
    { platform: 'slack', name: 'voucherify-cases', workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
    {
      platform: 'teams',
      name: 'voucherify-cases-teams',
      tenantId: '00000000-1111-2222-3333-444444444444',
      teamId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      channelId: '19%3a0123456789abcdef%40thread.tacv2',
    },
  ]),
};

const RULE = /^(AwsSolutions|Serverless)-|CdkNagValidationFailure/;

interface Suppression {
  readonly id: string;
  readonly reason: string;
  readonly appliesTo?: unknown;
}

/** A stack built as `bin/app.ts` builds it, with both packs attached; synthesizing runs the checks. */
function naggedStack(context: Record<string, unknown>): VoucherifyWebhooksStack {
  const stack = VoucherifyWebhooksStack.fromContext(newApp(context), STACK_NAME);
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
  Aspects.of(stack).add(new ServerlessChecks({ verbose: true }));
  return stack;
}

/** Every unsuppressed finding (error or warning), as `path: rule`. */
function findings(stack: Stack): string[] {
  const annotations = Annotations.fromStack(stack);
  return [
    ...annotations.findError('*', Match.stringLikeRegexp(RULE.source)),
    ...annotations.findWarning('*', Match.stringLikeRegexp(RULE.source)),
  ].map((message) => `${message.id}: ${String(message.entry.data).split(':')[0]}`);
}

/** Every suppression in the stack, with the construct path of the resource it sits on. */
function suppressions(stack: Stack): (Suppression & { path: string })[] {
  return stack.node
    .findAll()
    .filter(CfnResource.isCfnResource)
    .flatMap((resource) => {
      // cdk-nag keeps appliesTo in the metadata as `applies_to`.
      const metadata = resource.getMetadata('cdk_nag') as
        | { rules_to_suppress?: (Suppression & { applies_to?: unknown })[] }
        | undefined;
      return (metadata?.rules_to_suppress ?? []).map(({ applies_to, ...s }) => ({
        ...s,
        ...(applies_to === undefined ? {} : { appliesTo: applies_to }),
        path: resource.node.path,
      }));
    });
}

const pathOf = (construct: IConstruct): string => (construct.node.defaultChild ?? construct).node.path;

/** The reviewed list: resource, rule, and the words its reason must contain. */
function expectedSuppressions(stack: VoucherifyWebhooksStack): { path: string; id: string; mentions: string[] }[] {
  const route = stack.api.node.findAll().find((c) => c instanceof CfnRoute);
  if (!route) throw new Error('the API has no route');
  const subscriptions = stack.alerts.topic.node.findAll().filter((c) => c instanceof CfnSubscription);
  return [
    { path: pathOf(stack.webhookSecret), id: 'AwsSolutions-SMG4', mentions: ['issued by Voucherify', 'JSON array'] },
    { path: pathOf(stack.smokeSecret), id: 'AwsSolutions-SMG4', mentions: ['smoke_ test events', 'put a new value'] },
    {
      path: pathOf(stack.voucherifyApiSecret),
      id: 'AwsSolutions-SMG4',
      mentions: ['issued by Voucherify', 'regenerates them in Voucherify'],
    },
    { path: route.node.path, id: 'AwsSolutions-APIG4', mentions: ['x-voucherify-signature', 'raw body', '401'] },
    { path: pathOf(stack.eventBodies.bucket), id: 'AwsSolutions-S1', mentions: ['CloudTrail data events', 'bodies/'] },
    ...[stack.ingestFunction, stack.alerts.function].map((fn) => ({
      path: `${fn.role?.node.path}/DefaultPolicy/Resource`,
      id: 'AwsSolutions-IAM5',
      mentions: ['bodies/<hash of the event key>/<hash of the bytes>', 'no name is known in advance'],
    })),
    {
      path: pathOf(stack.alerts.deadLetterQueue),
      id: 'AwsSolutions-SQS3',
      mentions: ['dead-letter queue itself', 'event source mapping'],
    },
    {
      path: pathOf(stack.alerts.deadLetterQueue),
      id: 'Serverless-SQSRedrivePolicy',
      mentions: ['dead-letter queue itself', 'alarm'],
    },
    { path: pathOf(stack.ingestFunction), id: 'Serverless-LambdaTracing', mentions: ['xray:PutTraceSegments'] },
    { path: pathOf(stack.ingestFunction), id: 'Serverless-LambdaDLQ', mentions: ['synchronously', 'Voucherify'] },
    { path: pathOf(stack.alerts.function), id: 'Serverless-LambdaTracing', mentions: ['xray:PutTraceSegments'] },
    {
      path: pathOf(stack.alerts.function),
      id: 'Serverless-LambdaDLQ',
      mentions: ['event source mapping', 'on-failure destination'],
    },
    {
      path: `${stack.alerts.function.role?.node.path}/DefaultPolicy/Resource`,
      id: 'AwsSolutions-IAM5',
      mentions: ['dynamodb:ListStreams', 'supports no resource type', 'never item data'],
    },
    { path: pathOf(stack.alerts.sweepFunction), id: 'Serverless-LambdaTracing', mentions: ['xray:PutTraceSegments'] },
    {
      path: pathOf(stack.alerts.sweepFunction),
      id: 'Serverless-LambdaDLQ',
      mentions: ['every minute', 'gives the claim back'],
    },
    {
      path: pathOf(stack.alerts.sweepRule),
      id: 'Serverless-EventBusDLQ',
      mentions: ['one-minute schedule', 'retries'],
    },
    ...subscriptions.map((subscription) => ({
      path: subscription.node.path,
      id: 'Serverless-SNSRedrivePolicy',
      mentions: ['customer-managed KMS key', 'events table', 'alertedAt'],
    })),
  ];
}

describe.each([
  ['default settings', {}],
  ['every option on', EVERYTHING_ON],
])('cdk-nag AwsSolutions + Serverless, %s', (_, context) => {
  let stack: VoucherifyWebhooksStack;
  beforeAll(() => {
    stack = naggedStack(context);
  });

  it('reports no unsuppressed finding', () => {
    expect(findings(stack)).toEqual([]);
  });

  it('suppresses exactly the reviewed findings, on the resources they are about', () => {
    const key = (s: { path: string; id: string }) => `${s.path} ${s.id}`;
    expect(suppressions(stack).map(key).sort()).toEqual(expectedSuppressions(stack).map(key).sort());
  });

  it('each reason is specific to this stack: long enough, and naming the facts it rests on', () => {
    const found = suppressions(stack);
    for (const expected of expectedSuppressions(stack)) {
      // A resource may carry two suppressions of one rule (the alerts policy: ListStreams, the bodies prefix).
      const suppression = found.find(
        (s) => s.path === expected.path && s.id === expected.id && expected.mentions.every((m) => s.reason.includes(m)),
      );
      expect(suppression?.reason.length).toBeGreaterThanOrEqual(120);
      for (const words of expected.mentions) expect(suppression?.reason).toContain(words);
    }
    // No reason is copied from one rule to another.
    const rulesByReason = new Map<string, Set<string>>();
    for (const s of found) rulesByReason.set(s.reason, (rulesByReason.get(s.reason) ?? new Set()).add(s.id));
    for (const rules of rulesByReason.values()) expect(rules.size).toBe(1);
  });

  it('nothing is suppressed wholesale: the one IAM5 (appliesTo "*") covers dynamodb:ListStreams and nothing else', () => {
    const policyPath = `${stack.alerts.function.role?.node.path}/DefaultPolicy/Resource`;
    for (const suppression of suppressions(stack)) {
      expect(suppression.id).not.toBe('AwsSolutions-IAM4');
      if (suppression.id !== 'AwsSolutions-IAM5') {
        expect(suppression.appliesTo).toBeUndefined();
        continue;
      }
      // The body objects' prefix, on the two function roles' policies, and nothing else.
      if (JSON.stringify(suppression.appliesTo).includes('bodies')) {
        expect(suppression.appliesTo).toEqual([
          { regex: String.raw`/^Resource::<[A-Za-z0-9]*Bodies[A-Za-z0-9]*\.Arn>\/bodies\/\*$/` },
        ]);
        expect(
          [stack.ingestFunction, stack.alerts.function].map((fn) => `${fn.role?.node.path}/DefaultPolicy/Resource`),
        ).toContain(suppression.path);
        continue;
      }
      // Only the alerts role's policy, only its "*" resource, and that "*" grants ListStreams alone.
      expect({ path: suppression.path, appliesTo: suppression.appliesTo }).toEqual({
        path: policyPath,
        appliesTo: ['Resource::*'],
      });
      const policy = stack.node.findAll().find((c) => c.node.path === policyPath) as CfnResource;
      const statements = stack.resolve((policy as unknown as { policyDocument: unknown }).policyDocument).Statement as {
        Action: string | string[];
        Resource: unknown;
      }[];
      const onStar = statements.filter((st) => st.Resource === '*').flatMap((st) => [st.Action].flat());
      expect(onStar).toEqual(['dynamodb:ListStreams']);
    }
  });
});

it('with alertEmails set, every email subscription is in the reviewed list', () => {
  const stack = naggedStack(EVERYTHING_ON);
  const reviewed = expectedSuppressions(stack).filter((s) => s.id === 'Serverless-SNSRedrivePolicy');
  expect(reviewed).toHaveLength(2);
  expect(findings(stack)).toEqual([]);
});

describe('the checks are live (negative control)', () => {
  it('a queue added without encryption settings or TLS enforcement is reported, unsuppressed', () => {
    const stack = naggedStack({});
    new Queue(stack, 'CarelessQueue');
    const reported = findings(stack).filter((finding) => finding.includes('/CarelessQueue/'));
    expect(reported).toEqual(
      expect.arrayContaining([
        expect.stringContaining('AwsSolutions-SQS3'),
        expect.stringContaining('AwsSolutions-SQS4'),
        expect.stringContaining('Serverless-SQSRedrivePolicy'),
      ]),
    );
  });

  it('a suppression without a reason of substance would fail the review above', () => {
    const stack = naggedStack({});
    const queue = new Queue(stack, 'WaivedQueue', { enforceSSL: true });
    NagSuppressions.addResourceSuppressions(queue, [{ id: 'AwsSolutions-SQS3', reason: 'Not needed for this one.' }]);
    const extra = suppressions(stack).filter((s) => s.path.includes('/WaivedQueue/'));
    expect(extra.map((s) => s.id)).toEqual(['AwsSolutions-SQS3']);
    const reviewed = expectedSuppressions(stack).map((s) => `${s.path} ${s.id}`);
    expect(reviewed).not.toContain(`${extra[0]?.path} AwsSolutions-SQS3`);
    expect(extra[0]?.reason.length).toBeLessThan(120);
  });
});
