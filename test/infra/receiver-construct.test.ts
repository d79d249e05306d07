/**
 * The receiver as a construct in a stack of the user's own (lib/constructs/voucherify-webhook-receiver.ts, exported
 * from lib/index.ts): everything the stack has, under the user's id, and with an alert topic and key of the user's
 * own instead of the created ones.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { VoucherifyWebhookReceiver } from '../../lib';
import { alertsFunction, newApp, stackFromProps } from '../helpers/infra';

const ENV = { account: '123456789012', region: 'us-east-1' };

/** Every policy statement of the template's IAM policies. */
function policyStatements(template: Template): { Action: string | string[]; Resource: unknown }[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: never[] } } }).Properties.PolicyDocument.Statement,
  );
}

/** The resource types and how many of each a template has. */
function resourceCounts(template: Template): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of Object.values(template.toJSON().Resources as Record<string, { Type: string }>))
    counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
  return counts;
}

describe('VoucherifyWebhookReceiver in a stack of your own', () => {
  it('holds every resource the ready-made stack holds, beside the user’s own', () => {
    // Prepare
    const stack = new Stack(newApp(), 'ShopBackend', { env: ENV });
    new Topic(stack, 'OrdersTopic');

    // Act
    const receiver = new VoucherifyWebhookReceiver(stack, 'Voucherify', { retentionDays: 90 });

    // Assess
    const own = resourceCounts(Template.fromStack(stack));
    const reference = resourceCounts(Template.fromStack(stackFromProps({ retentionDays: 90 })));
    expect(own).toEqual({ ...reference, 'AWS::SNS::Topic': reference['AWS::SNS::Topic']! + 1 });
    expect(receiver.settings.retentionDays).toBe(90);
    expect(receiver.webhookUrl).toBe(receiver.api.webhookUrl);
    // The receiver's outputs come along, keyed under its id (what `npm run smoke -- --stack ShopBackend` finds).
    expect(Object.keys(Template.fromStack(stack).toJSON().Outputs)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^VoucherifyWebhookUrl[0-9A-F]{8}$/)]),
    );
  });

  it('the ready-made stack is the construct alone plus outputs, with the logical ids it always had', () => {
    // Prepare, Act
    const stack = stackFromProps();
    const template = Template.fromStack(stack);

    // Assess
    expect(stack.receiver).toBeInstanceOf(VoucherifyWebhookReceiver);
    expect(stack.alerts).toBe(stack.receiver.alerts);
    // Ids from before the construct existed (a changed logical id would replace the table on update).
    for (const id of Object.keys(template.findResources('AWS::DynamoDB::Table'))) expect(id).toMatch(/^EventsTable/);
    expect(Object.keys(template.findResources('AWS::SNS::Topic'))).toEqual([expect.stringMatching(/^AlertsTopic/)]);
    expect(Object.keys(template.toJSON().Outputs)).toEqual(
      expect.arrayContaining(['WebhookUrl', 'WebhookSecretArn', 'AlertTopicArn', 'DashboardUrl']),
    );
  });
});

describe('bring your own alert topic', () => {
  function withOwnTopic() {
    const stack = new Stack(newApp(), 'ShopBackend', { env: ENV });
    const key = new Key(stack, 'OpsKey', { enableKeyRotation: true });
    const topic = new Topic(stack, 'OpsAlerts', { masterKey: key });
    const receiver = new VoucherifyWebhookReceiver(stack, 'Voucherify', {
      alertTopic: topic,
      alertTopicKey: key,
      alertEmails: ['ops@example.com'],
    });
    const template = Template.fromStack(stack);
    const id = (construct: Key | Topic) => stack.getLogicalId(construct.node.defaultChild as never);
    return { stack, template, receiver, topicId: id(topic), keyId: id(key) };
  }

  it('creates no topic or key of its own', () => {
    // Prepare, Act
    const { template, receiver, stack } = withOwnTopic();

    // Assess
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::KMS::Key', 1);
    expect(receiver.alertTopic).toBe(stack.node.findChild('OpsAlerts'));
  });

  it('grants the alerts function Publish on the given topic and the two KMS actions on the given key', () => {
    // Prepare, Act
    const { template, topicId, keyId } = withOwnTopic();

    // Assess
    const statements = policyStatements(template);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: topicId } }));
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
      }),
    );
    const fn = alertsFunction(template);
    expect(fn.properties.Environment.Variables.TOPIC_ARN).toEqual({ Ref: topicId });
  });

  it('points every alarm and the email subscriptions at the given topic', () => {
    // Prepare, Act
    const { template, topicId } = withOwnTopic();

    // Assess
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { AlarmActions: unknown[]; OKActions?: unknown[] };
    }[];
    expect(alarms.length).toBeGreaterThanOrEqual(8);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topicId },
    });
  });

  it('lets CloudWatch alarms use the given key, since this app owns it', () => {
    // Prepare, Act
    const { template, keyId } = withOwnTopic();

    // Assess
    const key = template.toJSON().Resources[keyId];
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Sid: 'AllowCloudWatchAlarmsToUseTheKey',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
  });

  it('with an imported unencrypted topic: Publish only, no KMS grant', () => {
    // Prepare
    const stack = new Stack(newApp(), 'ShopBackend', { env: ENV });
    const arn = 'arn:aws:sns:us-east-1:123456789012:ops-alerts';

    // Act
    new VoucherifyWebhookReceiver(stack, 'Voucherify', { alertTopic: Topic.fromTopicArn(stack, 'Ops', arn) });

    // Assess
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 0);
    const statements = policyStatements(template);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'sns:Publish', Resource: arn }));
    expect(JSON.stringify(statements)).not.toMatch(/kms:/);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [arn] });
  });
});
