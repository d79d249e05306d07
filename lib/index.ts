/**
 * What the package offers a CDK app: the receiver as a construct to add to a stack of your own, the ready-made stack,
 * and the settings both take.
 */
export { settingsFromContext, type WebhooksSettings } from './config';
export {
  CONTEXT_IGNORED_WARNING,
  INGEST_TIMEOUT,
  VoucherifyWebhookReceiver,
  type VoucherifyWebhookReceiverProps,
  WEBHOOK_SECRET_PLACEHOLDER,
} from './constructs/voucherify-webhook-receiver';
export { VoucherifyWebhooksStack, type VoucherifyWebhooksStackProps } from './voucherify-webhooks-stack';
