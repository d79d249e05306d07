import { CfnOutput, Fn, Stack } from 'aws-cdk-lib';
import type { VoucherifyWebhookReceiver } from './voucherify-webhook-receiver';

/**
 * The names of the receiver's CloudFormation outputs. In the ready-made stack (the receiver's id is `Default`) each
 * output's key is exactly its name; in a stack of your own it is `<receiver id><name><8 hex digits>` (CDK's unique id
 * of the output's path), e.g. `VoucherifyWebhookUrl1A2B3C4D`. `npm run smoke -- --stack <stack>` finds a receiver by
 * these keys (tools/smoke/outputs.ts), so they are a contract: rename one and the smoke of every deployment breaks.
 */
export const RECEIVER_OUTPUTS = {
  WebhookUrl: 'WebhookUrl',
  TableName: 'TableName',
  WebhookSecretArn: 'WebhookSecretArn',
  VoucherifyApiSecretArn: 'VoucherifyApiSecretArn',
  IngestFunctionName: 'IngestFunctionName',
  AlertTopicArn: 'AlertTopicArn',
  AlertsDlqUrl: 'AlertsDlqUrl',
  AlarmNames: 'AlarmNames',
  SilenceAlarmName: 'SilenceAlarmName',
  DashboardUrl: 'DashboardUrl',
} as const;

/** Every description starts with this, so a person reading a stack's outputs sees which receiver each belongs to. */
export const OUTPUT_DESCRIPTION_PREFIX = 'Voucherify webhook receiver';

/**
 * What an operator and the smoke need after `cdk deploy`, as outputs of the stack the receiver is in: the URL to give
 * Voucherify, the secrets to fill, the table, topic, DLQ, alarms and dashboard.
 */
export function addReceiverOutputs(receiver: VoucherifyWebhookReceiver): void {
  const path = receiver.node.id === 'Default' ? '' : ` ${receiver.node.path}`;
  const output = (name: keyof typeof RECEIVER_OUTPUTS, value: string, description: string) =>
    new CfnOutput(receiver, RECEIVER_OUTPUTS[name], {
      value,
      description: `${OUTPUT_DESCRIPTION_PREFIX}${path}: ${description}`,
    });

  output('WebhookUrl', receiver.api.webhookUrl, 'Paste into Voucherify: Project settings > Webhooks > URL');
  output('TableName', receiver.eventsTable.table.tableName, 'The events table');
  output(
    'WebhookSecretArn',
    receiver.webhookSecret.secretArn,
    "Set the Voucherify webhook secret: aws secretsmanager put-secret-value --secret-id <this> --secret-string '<secret>'",
  );
  output(
    'VoucherifyApiSecretArn',
    receiver.voucherifyApiSecret.secretArn,
    'Voucherify API keys for `voucherify-events reconcile --api-secret <this>`: aws secretsmanager put-secret-value ' +
      '--secret-id <this> --secret-string \'{"applicationId":"...","secretKey":"..."}\'',
  );
  output('IngestFunctionName', receiver.ingestFunction.functionName, 'The ingest Lambda (logs, aws lambda invoke)');
  output(
    'AlertTopicArn',
    receiver.alerts.topic.topicArn,
    'Rollback-failure alerts: aws sns subscribe --topic-arn <this> --protocol email (see docs/alerts.md)',
  );
  output(
    'AlertsDlqUrl',
    receiver.alerts.deadLetterQueue.queueUrl,
    'Alert batches given up after retries (the DLQ alarm fires when it is not empty)',
  );
  // `npm run smoke` checks that each exists and none is in ALARM; names, not a prefix, so none can go unnoticed.
  output(
    'AlarmNames',
    Fn.join(
      ',',
      [...Object.values(receiver.observability.alarms), ...Object.values(receiver.alerts.alarms)]
        .filter((alarm) => alarm !== undefined)
        .map((alarm) => alarm.alarmName),
    ),
    'Every alarm of the receiver, comma-separated (aws cloudwatch describe-alarms --alarm-names ...)',
  );
  const silence = receiver.observability.alarms.silence;
  // The one alarm a new or quiet deployment is expected to be in: the smoke reports it instead of failing on it.
  if (silence)
    output(
      'SilenceAlarmName',
      silence.alarmName,
      'The alarm for no authentic delivery in silenceAlarmHours (see docs/operating.md)',
    );
  output(
    'DashboardUrl',
    `https://console.aws.amazon.com/cloudwatch/home?region=${Stack.of(receiver).region}#dashboards:name=${receiver.observability.dashboard.dashboardName}`,
    'The operations dashboard (alarms, events by outcome and type, failures, latency, alerts)',
  );
}
