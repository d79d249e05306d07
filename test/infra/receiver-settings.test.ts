/**
 * Settings never vanish silently (issue 22, item 3): in a CDK app of the user's own the construct takes props only
 * and warns, naming the keys, when CDK context meant for it is set; `-c stackName=…` deploys this repository's stack
 * under another name; and the smoke finds a receiver, in this stack or in the user's, by its outputs.
 */
import { CfnOutput, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { receiverOutputs } from '../../cli/smoke/outputs';
import { SmokeSetupError } from '../../cli/smoke/target';
import { RECEIVER_OUTPUTS } from '../../functions/core/shared/receiver-output-names';
import { SettingsError } from '../../lib/config';
import { CONTEXT_IGNORED_WARNING, VoucherifyWebhookReceiver } from '../../lib/index';
import { newApp, STACK_NAME, stackFromContext } from '../helpers/infra';

const ENV = { account: '123456789012', region: 'us-east-1' };

/** A user's app: their stack, the receiver in it built from props, the given CDK context (as `-c` passes it). */
function usersStack(context: Record<string, unknown>, props = {}) {
  const stack = new Stack(newApp(context), 'ShopBackend', { env: ENV });
  const receiver = new VoucherifyWebhookReceiver(stack, 'Voucherify', props);
  return { stack, receiver };
}

/** The receiver's warnings about ignored context, as `cdk synth` prints them. */
function contextWarnings(stack: Stack): string[] {
  return Annotations.fromStack(stack)
    .findWarning('*', Match.stringLikeRegexp('takes its settings as props only'))
    .map((entry) => String(entry.entry.data));
}

/** A stack's outputs as DescribeStacks would list them (keys from the template; values stand in for the real ones). */
function describedOutputs(stack: Stack): Record<string, string> {
  return Object.fromEntries(
    Object.keys(Template.fromStack(stack).toJSON().Outputs ?? {}).map((key) => [key, `v:${key}`]),
  );
}

describe('context keys in a user’s app', () => {
  it('warns, naming each key and value, when -c settings are set but not passed as props', () => {
    // Prepare, Act: `cdk synth -c retentionDays=7 -c alertEmails=ops@example.com` in the user's app
    const { stack, receiver } = usersStack({ retentionDays: '7', alertEmails: 'ops@example.com' });

    // Assess: not read (props only), and said so
    expect(receiver.settings.retentionDays).toBe(365);
    const warnings = contextWarnings(stack);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('retentionDays=7');
    expect(warnings[0]).toContain('alertEmails=ops@example.com');
    expect(warnings[0]).toContain(`[ack: ${CONTEXT_IGNORED_WARNING}]`);
  });

  it('warns when the prop given differs from the context value, and not when they agree', () => {
    // Prepare, Act
    const differs = usersStack({ retentionDays: '7' }, { retentionDays: 90 });
    const agrees = usersStack({ retentionDays: '90' }, { retentionDays: 90 });

    // Assess
    expect(contextWarnings(differs.stack).join()).toContain('retentionDays=7');
    expect(contextWarnings(agrees.stack)).toEqual([]);
  });

  it('ignores CDK’s own context and keys that are not settings', () => {
    // Prepare, Act
    const { stack } = usersStack({ '@aws-cdk/core:newStyleStackSynthesis': true, shopRegion: 'eu' });

    // Assess
    expect(contextWarnings(stack)).toEqual([]);
  });

  it('this repository’s app reads the context into props: no warning, the value applied', () => {
    // Prepare, Act
    const stack = stackFromContext({ retentionDays: '7', removalPolicy: 'destroy', deletionProtection: 'false' });

    // Assess
    expect(stack.settings.retentionDays).toBe(7);
    expect(contextWarnings(stack)).toEqual([]);
  });
});

describe('-c stackName', () => {
  it('names the stack, so stages deploy side by side, without an unknown-key warning', () => {
    // Prepare, Act
    const staging = stackFromContext({ stackName: 'VoucherifyStaging' });
    const production = stackFromContext({});

    // Assess
    expect(staging.stackName).toBe('VoucherifyStaging');
    expect(production.stackName).toBe(STACK_NAME);
    expect(Annotations.fromStack(staging).findWarning('*', Match.stringLikeRegexp('stackName'))).toEqual([]);
    // Names CloudFormation generates, the dashboard and the metrics' service all follow the stack name.
    const dashboard = Template.fromStack(staging).findResources('AWS::CloudWatch::Dashboard');
    expect(Object.values(dashboard).map((d) => d.Properties.DashboardName)).toEqual(['VoucherifyStaging']);
  });

  it('refuses a name CloudFormation would refuse', () => {
    expect(() => stackFromContext({ stackName: 'staging_1' })).toThrow(SettingsError);
    expect(() => stackFromContext({ stackName: '1staging' })).toThrow(/stackName must start with a letter/);
  });
});

describe('the smoke finds a receiver by its outputs', () => {
  it('in this repository’s stack: the plain output names', () => {
    // Prepare
    const outputs = describedOutputs(stackFromContext({ chatTopic: true }));

    // Act
    const found = receiverOutputs(STACK_NAME, outputs);

    // Assess: every output of the receiver (chat on, so ChatTopicArn too), under its name
    expect(Object.keys(found).sort()).toEqual(Object.keys(RECEIVER_OUTPUTS).sort());
    expect(found.WebhookUrl).toBe('v:WebhookUrl');
  });

  it('in a user’s stack: under the construct’s id, whatever else the stack outputs', () => {
    // Prepare
    const { stack } = usersStack({});
    new CfnOutput(stack, 'ShopWebhookUrl', { value: 'https://shop.example.com/hook' });
    const outputs = describedOutputs(stack);

    // Act
    const found = receiverOutputs('ShopBackend', outputs);

    // Assess: every output but the chat topic's (no chat in this stack)
    expect(Object.keys(found).sort()).toEqual(
      Object.keys(RECEIVER_OUTPUTS)
        .filter((name) => name !== RECEIVER_OUTPUTS.ChatTopicArn)
        .sort(),
    );
    expect(found.WebhookUrl).toMatch(/^v:VoucherifyWebhookUrl[0-9A-F]{8}$/);
    expect(found.TableName).toMatch(/^v:VoucherifyTableName[0-9A-F]{8}$/);
  });

  it('with two receivers in one stack: asks which, and takes --receiver', () => {
    // Prepare
    const stack = new Stack(newApp(), 'ShopBackend', { env: ENV });
    new VoucherifyWebhookReceiver(stack, 'Eu', { apiName: 'eu' });
    new VoucherifyWebhookReceiver(stack, 'Us', { apiName: 'us' });
    const outputs = describedOutputs(stack);

    // Act, Assess
    expect(() => receiverOutputs('ShopBackend', outputs)).toThrow(/several receivers \(--receiver Eu, --receiver Us\)/);
    expect(receiverOutputs('ShopBackend', outputs, 'Us').WebhookUrl).toMatch(/^v:UsWebhookUrl/);
    expect(() => receiverOutputs('ShopBackend', outputs, 'Asia')).toThrow(SmokeSetupError);
    // Nor do the two share a dashboard or the metrics' service dimension.
    const dashboards = Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard');
    expect(Object.values(dashboards).map((d) => d.Properties.DashboardName)).toEqual([
      'ShopBackend-Eu',
      'ShopBackend-Us',
    ]);
  });

  it('in a stack without a receiver: a setup error that says what it looked for', () => {
    expect(() => receiverOutputs('Other', { BucketName: 'b' })).toThrow(/no receiver outputs/);
  });
});
