import { ConfigurationError, logLevel, required } from '../core/ingest/config';
import type { LogLevel } from '../core/shared/ports';

type Env = Readonly<Record<string, string | undefined>>;

/** The alerts function's settings, read once at cold start; a missing or malformed one stops it loudly. */
export interface AlertsSettings {
  readonly topicArn: string;
  readonly tableName: string;
  /** Put the customer's email address into alerts. Off unless set to `true`. */
  readonly includeCustomerEmail: boolean;
  readonly logLevel: LogLevel;
}

function flag(env: Env, name: string): boolean {
  const text = env[name]?.trim().toLowerCase() ?? '';
  if (text === '' || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  throw new ConfigurationError(`${name} must be true or false, got "${env[name]}"`);
}

export function readAlertsSettings(env: Env): AlertsSettings {
  return {
    topicArn: required(env, 'TOPIC_ARN'),
    tableName: required(env, 'TABLE_NAME'),
    includeCustomerEmail: flag(env, 'INCLUDE_CUSTOMER_EMAIL'),
    logLevel: logLevel(env),
  };
}
