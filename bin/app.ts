#!/usr/bin/env node
/**
 * The CDK app: one stack, named `VoucherifyWebhooks` or `-c stackName=…` (stages side by side in one account), its
 * settings read from the CDK context (`cdk deploy -c retentionDays=90`; see lib/config.ts), checked against AWS Control Tower's proactive controls on every synth (bin/proactive-controls.ts;
 * a violation fails the synth). The CDK CLI synthesizes it when this process exits.
 */
import { App } from 'aws-cdk-lib';
import { readKeptContext } from '../lib/config';
import { VoucherifyWebhooksStack } from '../lib/voucherify-webhooks-stack';
import { addProactiveControls } from './proactive-controls';

// keptContext: subscription settings (alertEmails, chatChannels) must be kept in cdk.json, not given with -c only.
VoucherifyWebhooksStack.fromContext(
  addProactiveControls(new App()),
  'VoucherifyWebhooks',
  {},
  {
    keptContext: readKeptContext(),
  },
);
