import { CfnOutput, Fn, Stack } from 'aws-cdk-lib';
import { OUTPUT_DESCRIPTION_PREFIX, RECEIVER_OUTPUTS } from '../../functions/core/shared/receiver-output-names';
import type { VoucherifyWebhookReceiver } from './voucherify-webhook-receiver';

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
    'SmokeSecretArn',
    receiver.smokeSecret.secretArn,
    '`npm run smoke` signs with this (generated at deploy; accepted for smoke_ events only): grant smoke runners ' +
      'secretsmanager:GetSecretValue on it, not on WebhookSecretArn',
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
  if (receiver.chat)
    output(
      'ChatTopicArn',
      receiver.chat.topic.topicArn,
      'Case messages for chat (Amazon Q Developer custom notifications): the chatChannels read it; a channel ' +
        'configured in the Amazon Q console can subscribe to it too',
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
