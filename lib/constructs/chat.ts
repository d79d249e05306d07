import { RemovalPolicy } from 'aws-cdk-lib';
import {
  CfnMicrosoftTeamsChannelConfiguration,
  LoggingLevel,
  SlackChannelConfiguration,
} from 'aws-cdk-lib/aws-chatbot';
import { Grant, ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CHAT_TOPIC_ENV } from '../../functions/adapters/sns-notice-publisher';
import { protectedTopicKey } from './alerts';
import type { NodeFunction } from './node-function';

/** A Slack channel that Amazon Q Developer posts the chat notices to. */
export interface SlackChatChannel {
  readonly platform: 'slack';
  /** The channel configuration's name in Amazon Q (letters, digits, `-`, `_`; unique in the account). */
  readonly name: string;
  /** The Slack workspace id (`T…`), shown in the Amazon Q console once the workspace is authorized there. */
  readonly workspaceId: string;
  /** The Slack channel id (`C…`), at the end of the channel's link (Slack: channel name > Copy link). */
  readonly channelId: string;
}

/** A Microsoft Teams channel that Amazon Q Developer posts the chat notices to. */
export interface TeamsChatChannel {
  readonly platform: 'teams';
  /** The channel configuration's name in Amazon Q (letters, digits, `-`, `_`; unique in the account). */
  readonly name: string;
  /** The Microsoft Entra tenant id (a UUID), shown in the Amazon Q console once the team is authorized there. */
  readonly tenantId: string;
  /** The team id (a UUID), shown in the Amazon Q console once the team is authorized there. */
  readonly teamId: string;
  /**
   * The channel id, URL-encoded as Teams copies it (channel name > Copy link; the part after `/channel/`):
   * `19%3a…%40thread.tacv2`.
   */
  readonly channelId: string;
}

export type ChatChannel = SlackChatChannel | TeamsChatChannel;

/** Amazon Q's own logging of each channel configuration (CloudWatch Logs, us-east-1). */
export type ChatLoggingLevel = 'ERROR' | 'INFO' | 'NONE';

export interface ChatProps {
  /** The key the alert topic is encrypted with; a key is created here when there is none (an unencrypted own topic). */
  readonly key?: IKey;
  /** The channels the chat topic delivers to. */
  readonly channels: readonly ChatChannel[];
  /** @default 'ERROR' */
  readonly loggingLevel?: ChatLoggingLevel;
  /** What happens to a key created here when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Case messages for people who work in Slack or Microsoft Teams: a topic of their own that only Amazon Q Developer's
 * channel configurations subscribe to, carrying each notice as a custom notification (functions/core/alerts/chat.ts).
 *
 * Why a second topic: Amazon Q subscribes to SNS over HTTPS, and the alert topic's `https` body is the JSON facts its
 * other HTTPS subscribers (incident tools, webhooks) already read; a topic cannot give two HTTPS subscribers two
 * bodies. The chat topic has the alert topic's protections: the same KMS key and TLS-only publishing.
 *
 * The channels can only show messages: their role has no permissions and their guardrail is AWS's `AWSDenyAll`, so
 * nobody in a channel can run an AWS command through Amazon Q with this configuration.
 */
export class Chat extends Construct {
  readonly topic: Topic;
  readonly key: IKey;
  /** The role Amazon Q assumes for the channels: no permissions (notifications need none). */
  readonly channelRole?: Role;

  constructor(scope: Construct, id: string, props: ChatProps) {
    super(scope, id);
    this.key = props.key ?? protectedTopicKey(this, 'TopicKey', props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.topic = new Topic(this, 'Topic', {
      displayName: 'Voucherify rollback-failure cases (chat)',
      masterKey: this.key,
      enforceSSL: true,
    });
    if (props.channels.length === 0) return;

    const role = new Role(this, 'ChannelRole', {
      assumedBy: new ServicePrincipal('chatbot.amazonaws.com'),
      description: 'Amazon Q Developer in chat applications, for the rollback-failure channels: notifications only',
    });
    this.channelRole = role;
    const guardrail = ManagedPolicy.fromAwsManagedPolicyName('AWSDenyAll');
    const loggingLevel = props.loggingLevel ?? 'ERROR';
    for (const channel of props.channels) {
      if (channel.platform === 'slack') {
        new SlackChannelConfiguration(this, `Slack-${channel.name}`, {
          slackChannelConfigurationName: channel.name,
          slackWorkspaceId: channel.workspaceId,
          slackChannelId: channel.channelId,
          notificationTopics: [this.topic],
          role,
          guardrailPolicies: [guardrail],
          loggingLevel: LoggingLevel[loggingLevel],
          userRoleRequired: false,
        });
      } else {
        new CfnMicrosoftTeamsChannelConfiguration(this, `Teams-${channel.name}`, {
          configurationName: channel.name,
          teamsTenantId: channel.tenantId,
          teamId: channel.teamId,
          teamsChannelId: channel.channelId,
          snsTopicArns: [this.topic.topicArn],
          iamRoleArn: role.roleArn,
          // Without a guardrail, AWS applies AdministratorAccess to the channel.
          guardrailPolicies: [guardrail.managedPolicyArn],
          loggingLevel,
          userRoleRequired: false,
        });
      }
    }
  }

  /**
   * Lets `fn` publish notices to chat: sets CHAT_TOPIC_ARN (read by functions/adapters/sns-notice-publisher.ts) and
   * grants `sns:Publish` on this topic and the two KMS actions SNS performs with the caller's rights to encrypt the
   * message; nothing else. One call per publishing function.
   */
  bindPublisher(fn: NodeFunction): NodeFunction {
    return fn.bind(CHAT_TOPIC_ENV, this.topic.topicArn, (grantee) =>
      Grant.addToPrincipal({ grantee, actions: ['sns:Publish'], resourceArns: [this.topic.topicArn] }).combine(
        Grant.addToPrincipal({
          grantee,
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resourceArns: [this.key.keyArn],
        }),
      ),
    );
  }
}
