import { Annotations, type App, CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { type ResolvedSettings, settingsFromContext, unknownContextKeys, type WebhooksSettings } from './config';
import type { Alerts } from './constructs/alerts';
import type { EventBodies } from './constructs/event-bodies';
import type { EventsTable } from './constructs/events-table';
import type { NodeFunction } from './constructs/node-function';
import type { Observability } from './constructs/observability';
import { VoucherifyWebhookReceiver } from './constructs/voucherify-webhook-receiver';
import type { WebhookApi } from './constructs/webhook-api';

export { INGEST_TIMEOUT, WEBHOOK_SECRET_PLACEHOLDER } from './constructs/voucherify-webhook-receiver';

export interface VoucherifyWebhooksStackProps extends StackProps, WebhooksSettings {}

/**
 * The Voucherify webhook receiver as a stack of its own: the {@link VoucherifyWebhookReceiver} construct (everything
 * the receiver is) plus the outputs an operator needs after `cdk deploy`. To add the receiver to a stack you already
 * have, use the construct instead (README, "Add it to your own stack").
 */
export class VoucherifyWebhooksStack extends Stack {
  /** Builds the stack into `app` with its settings read from the CDK context (`cdk deploy -c retentionDays=90`). */
  static fromContext(app: App, id: string, props: StackProps = {}): VoucherifyWebhooksStack {
    const stack = new VoucherifyWebhooksStack(app, id, { ...props, ...settingsFromContext(app.node) });
    for (const key of unknownContextKeys(app.node)) {
      Annotations.of(stack).addWarningV2(
        `voucherify-webhooks:unknownContextKey:${key}`,
        `Context key "${key}" is not a setting of this stack and is ignored (a typo?).`,
      );
    }
    return stack;
  }

  readonly receiver: VoucherifyWebhookReceiver;
  /** The settings the stack was built with, every default applied. */
  readonly settings: ResolvedSettings;
  readonly eventsTable: EventsTable;
  /** Bodies too large for their item. */
  readonly eventBodies: EventBodies;
  readonly webhookSecret: Secret;
  /** Voucherify API keys for `voucherify-events reconcile`, created empty; no function reads it. */
  readonly voucherifyApiSecret: Secret;
  readonly ingestFunction: NodeFunction;
  readonly api: WebhookApi;
  readonly alerts: Alerts;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: VoucherifyWebhooksStackProps = {}) {
    super(scope, id, {
      description: 'Voucherify webhook receiver: HTTP API, ingest Lambda, DynamoDB events table',
      ...props,
    });
    // 'Default' is the one construct id CDK leaves out of logical ids: every resource keeps the logical id it had
    // when the stack held them itself, so updating a deployed stack replaces nothing.
    this.receiver = new VoucherifyWebhookReceiver(this, 'Default', props);
    ({
      settings: this.settings,
      eventsTable: this.eventsTable,
      eventBodies: this.eventBodies,
      webhookSecret: this.webhookSecret,
      voucherifyApiSecret: this.voucherifyApiSecret,
      ingestFunction: this.ingestFunction,
      api: this.api,
      alerts: this.alerts,
      observability: this.observability,
    } = this.receiver);
    const table = this.eventsTable.table;
    const secret = this.webhookSecret;

    // --- Outputs ----------------------------------------------------------------------------------------------
    new CfnOutput(this, 'WebhookUrl', {
      description: 'Paste into Voucherify: Project settings > Webhooks > URL',
      value: this.api.webhookUrl,
    });
    new CfnOutput(this, 'TableName', { description: 'The events table', value: table.tableName });
    new CfnOutput(this, 'WebhookSecretArn', {
      description:
        "Set the Voucherify webhook secret: aws secretsmanager put-secret-value --secret-id <this> --secret-string '<secret>'",
      value: secret.secretArn,
    });
    new CfnOutput(this, 'VoucherifyApiSecretArn', {
      description:
        'Voucherify API keys for `voucherify-events reconcile --api-secret <this>`: aws secretsmanager put-secret-value ' +
        '--secret-id <this> --secret-string \'{"applicationId":"...","secretKey":"..."}\'',
      value: this.voucherifyApiSecret.secretArn,
    });
    new CfnOutput(this, 'IngestFunctionName', {
      description: 'The ingest Lambda (logs, aws lambda invoke)',
      value: this.ingestFunction.functionName,
    });
    new CfnOutput(this, 'AlertTopicArn', {
      description:
        'Rollback-failure alerts: aws sns subscribe --topic-arn <this> --protocol email (see docs/alerts.md)',
      value: this.alerts.topic.topicArn,
    });
    new CfnOutput(this, 'AlertsDlqUrl', {
      description: 'Alert batches given up after retries (the DLQ alarm fires when it is not empty)',
      value: this.alerts.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'AlarmNames', {
      // `npm run smoke` checks that each exists and none is in ALARM; names, not a prefix, so none can go unnoticed.
      description: 'Every alarm of the stack, comma-separated (aws cloudwatch describe-alarms --alarm-names ...)',
      value: Fn.join(
        ',',
        [...Object.values(this.observability.alarms), ...Object.values(this.alerts.alarms)]
          .filter((a) => a !== undefined)
          .map((a) => a.alarmName),
      ),
    });
    const silence = this.observability.alarms.silence;
    if (silence)
      new CfnOutput(this, 'SilenceAlarmName', {
        // The one alarm a new or quiet stack is expected to be in: the smoke reports it instead of failing on it.
        description: 'The alarm for no authentic delivery in silenceAlarmHours (see docs/operating.md)',
        value: silence.alarmName,
      });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The operations dashboard (alarms, events by outcome and type, failures, latency, alerts)',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.observability.dashboard.dashboardName}`,
    });
  }
}
