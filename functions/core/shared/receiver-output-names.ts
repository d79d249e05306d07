// No aws-cdk-lib here: the smoke reads these names at run time without loading the CDK.

/**
 * The names of the receiver's CloudFormation outputs. In the ready-made stack (the receiver's id is `Default`) each
 * output's key is exactly its name; in a stack of your own it is `<receiver id><name><8 hex digits>` (CDK's unique id
 * of the output's path), e.g. `VoucherifyWebhookUrl1A2B3C4D`. `npm run smoke -- --stack <stack>` finds a receiver by
 * these keys (cli/smoke/outputs.ts), so they are a contract: rename one and the smoke of every deployment breaks.
 */
export const RECEIVER_OUTPUTS = {
  WebhookUrl: 'WebhookUrl',
  TableName: 'TableName',
  WebhookSecretArn: 'WebhookSecretArn',
  SmokeSecretArn: 'SmokeSecretArn',
  VoucherifyApiSecretArn: 'VoucherifyApiSecretArn',
  IngestFunctionName: 'IngestFunctionName',
  AlertTopicArn: 'AlertTopicArn',
  ChatTopicArn: 'ChatTopicArn',
  AlertsDlqUrl: 'AlertsDlqUrl',
  AlarmNames: 'AlarmNames',
  SilenceAlarmName: 'SilenceAlarmName',
  DashboardUrl: 'DashboardUrl',
} as const;

/** Every description starts with this, so a person reading a stack's outputs sees which receiver each belongs to. */
export const OUTPUT_DESCRIPTION_PREFIX = 'Voucherify webhook receiver';
