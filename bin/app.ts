#!/usr/bin/env node
/**
 * The CDK app: one stack, its settings read from the CDK context (`cdk deploy -c retentionDays=90`; see
 * lib/config.ts). The CDK CLI synthesizes it when this process exits.
 */
import { App } from 'aws-cdk-lib';
import { VoucherifyWebhooksStack } from '../lib/voucherify-webhooks-stack';

VoucherifyWebhooksStack.fromContext(new App(), 'VoucherifyWebhooks');
