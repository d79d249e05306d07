/**
 * Chat in the template: a topic of its own (the alert topic's key, TLS only) that only Amazon Q's Slack and Teams
 * channel configurations read, channels that can only show messages, and the alerts function allowed to publish to
 * it and nothing more. The alert topic's subscribers are untouched.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SettingsError } from '../../lib/config';
import { stackFromContext, templateFromContext } from '../helpers/infra';

const SLACK = { platform: 'slack', name: 'voucherify-cases', workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' };
const TEAMS = {
  platform: 'teams',
  name: 'voucherify-cases-teams',
  tenantId: '00000000-1111-2222-3333-444444444444',
  teamId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  channelId: '19%3a0123456789abcdef%40thread.tacv2',
};
const CHANNELS = [SLACK, TEAMS];

/** The topic whose subscribers are chat channels: the one the channel configurations name. */
function chatTopicId(template: Template): string {
  const [config] = Object.values(template.findResources('AWS::Chatbot::SlackChannelConfiguration'));
  return config?.Properties.SnsTopicArns[0].Ref;
}

describe('without chat settings', () => {
  const template = templateFromContext();

  it('has one topic, no channel configuration and no chat variable', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    template.resourceCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 0);
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')))
      expect(fn.Properties.Environment?.Variables ?? {}).not.toHaveProperty('CHAT_TOPIC_ARN');
  });
});

describe('with a Slack and a Teams channel', () => {
  // A JSON string, as `-c chatChannels='[…]'` passes it; cdk.json passes the array itself (tested in settings).
  const stack = stackFromContext({ chatChannels: JSON.stringify(CHANNELS), alertEmails: 'oncall@example.com' });
  const template = Template.fromStack(stack);
  const alertTopic = stack.resolve(stack.alerts.topic.topicArn).Ref as string;
  const chatTopic = chatTopicId(template);

  it('publishes chat to a second topic, encrypted with the alert topic key and refusing plain HTTP', () => {
    template.resourceCountIs('AWS::SNS::Topic', 2);
    expect(chatTopic).toBeDefined();
    expect(chatTopic).not.toBe(alertTopic);
    const topics = template.findResources('AWS::SNS::Topic');
    expect(topics[chatTopic]?.Properties.KmsMasterKeyId).toEqual(topics[alertTopic]?.Properties.KmsMasterKeyId);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: chatTopic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('wires each channel to the chat topic only, notifications only: deny-all guardrail, an empty role', () => {
    const slack = template.findResources('AWS::Chatbot::SlackChannelConfiguration');
    const teams = template.findResources('AWS::Chatbot::MicrosoftTeamsChannelConfiguration');
    expect(Object.values(slack).map((r) => r.Properties)).toEqual([
      expect.objectContaining({
        ConfigurationName: SLACK.name,
        SlackWorkspaceId: SLACK.workspaceId,
        SlackChannelId: SLACK.channelId,
        SnsTopicArns: [{ Ref: chatTopic }],
        LoggingLevel: 'ERROR',
        UserRoleRequired: false,
      }),
    ]);
    expect(Object.values(teams).map((r) => r.Properties)).toEqual([
      expect.objectContaining({
        ConfigurationName: TEAMS.name,
        TeamsTenantId: TEAMS.tenantId,
        TeamId: TEAMS.teamId,
        TeamsChannelId: TEAMS.channelId,
        SnsTopicArns: [{ Ref: chatTopic }],
        LoggingLevel: 'ERROR',
        UserRoleRequired: false,
      }),
    ]);
    for (const config of [...Object.values(slack), ...Object.values(teams)]) {
      // Without a guardrail AWS would apply AdministratorAccess to the channel.
      expect(JSON.stringify(config.Properties.GuardrailPolicies)).toMatch(/:iam::aws:policy\/AWSDenyAll"/);
      expect(config.Properties.IamRoleArn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    }
    const roleId = Object.values(slack)[0]?.Properties.IamRoleArn['Fn::GetAtt'][0];
    const role = template.findResources('AWS::IAM::Role')[roleId];
    expect(role?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'chatbot.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    ]);
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role?.Properties.Policies).toBeUndefined();
    const attached = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes(roleId),
    );
    expect(attached).toEqual([]);
  });

  it('lets the alerts function publish to the chat topic and names it in CHAT_TOPIC_ARN', () => {
    const fnId = stack.getLogicalId(stack.alerts.function.node.defaultChild as CfnElement);
    const fn = template.findResources('AWS::Lambda::Function')[fnId];
    expect(fn?.Properties.Environment.Variables.CHAT_TOPIC_ARN).toEqual({ Ref: chatTopic });
    const publishes = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => [s.Action].flat().includes('sns:Publish'));
    expect(publishes.flatMap((s) => [s.Resource].flat())).toEqual(
      expect.arrayContaining([{ Ref: alertTopic }, { Ref: chatTopic }]),
    );
  });

  it('adds no subscription to the alert topic: its email, HTTPS and SQS subscribers get what they got', () => {
    const withoutChat = templateFromContext({ alertEmails: 'oncall@example.com' }).findResources(
      'AWS::SNS::Subscription',
    );
    expect(Object.keys(withoutChat)).toHaveLength(1);
    expect(template.findResources('AWS::SNS::Subscription')).toEqual(withoutChat);
  });

  it('outputs the chat topic', () => {
    template.hasOutput('ChatTopicArn', { Value: { Ref: chatTopic } });
  });
});

describe('chatTopic without channels (channels configured in the Amazon Q console)', () => {
  const template = templateFromContext({ chatTopic: 'true' });

  it('creates the topic and the grant, and no channel configuration', () => {
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    template.resourceCountIs(
      'AWS::IAM::Role',
      Object.keys(templateFromContext().findResources('AWS::IAM::Role')).length,
    );
    template.hasOutput('ChatTopicArn', {});
  });
});

describe('chat settings that cannot work', () => {
  it('lists every bad id at once, before anything is deployed', () => {
    const bad = [
      { ...SLACK, workspaceId: 't-lower', channelId: 'C 1' },
      { ...TEAMS, tenantId: 'not-a-uuid', channelId: '19:abc@thread.tacv2' },
      { ...SLACK, platform: 'discord' },
      { ...SLACK },
    ];
    let error: unknown;
    try {
      stackFromContext({ chatChannels: bad });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems).toEqual([
      'chatChannels[0].workspaceId must be capital letters and digits, as T0123ABCD; got "t-lower"',
      'chatChannels[0].channelId must be letters and digits, as C0123ABCD; got "C 1"',
      'chatChannels[1].tenantId must be a UUID; got "not-a-uuid"',
      'chatChannels[1].channelId must be URL-encoded, as 19%3a0123abcd%40thread.tacv2; got "19:abc@thread.tacv2"',
      'chatChannels[2].name voucherify-cases is used twice; each channel configuration needs its own name',
      'chatChannels[2].platform must be slack or teams; got "discord"',
      'chatChannels[3].name voucherify-cases is used twice; each channel configuration needs its own name',
    ]);
  });

  it('refuses channels with the chat topic turned off, and text that is not a JSON array', () => {
    expect(() => stackFromContext({ chatChannels: [SLACK], chatTopic: 'false' })).toThrow(/chatTopic false/);
    expect(() => stackFromContext({ chatChannels: '{"platform":"slack"' })).toThrow(
      /chatChannels must be a JSON array/,
    );
  });
});
