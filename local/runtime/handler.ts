import { applyLocalAwsEnv } from './aws-env';
import type { HttpApiHandler } from './server';

export interface LocalHandlerSettings {
  readonly dynamodbEndpoint: string;
  readonly tableName: string;
  /** VOUCHERIFY_WEBHOOK_SECRET for the handler; '' means "not configured". */
  readonly webhookSecret: string;
  /** VOUCHERIFY_SMOKE_SECRET for the handler; none: no smoke secret. */
  readonly smokeSecret?: string;
}

/**
 * The deployed ingest Lambda's `handler`, loaded after this process's environment is set the way the stack sets the
 * function's (TABLE_NAME, the secret) plus what points the SDK at DynamoDB Local. The handler reads its settings once,
 * at import, exactly as on a cold start; so this must run before anything else imports it.
 */
export function loadIngestHandler(settings: LocalHandlerSettings): HttpApiHandler {
  // process.env itself, whatever a caller reads its own settings from: the handler module reads process.env.
  const env = process.env;
  applyLocalAwsEnv(settings.dynamodbEndpoint, env);
  env.TABLE_NAME = settings.tableName;
  env.VOUCHERIFY_WEBHOOK_SECRET = settings.webhookSecret;
  if (settings.smokeSecret !== undefined) env.VOUCHERIFY_SMOKE_SECRET = settings.smokeSecret;
  else delete env.VOUCHERIFY_SMOKE_SECRET;
  // require, not a static import: the module must be evaluated only now, with the environment above in place.
  const module = require('../../functions/ingest/handler') as typeof import('../../functions/ingest/handler');
  return module.handler;
}
