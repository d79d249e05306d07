import { type CaseSettings, caseSettingsProblems, DEFAULT_CASE_SETTINGS } from '../core/alerts/case-settings';
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
  readonly cases: CaseSettings;
}

/** The environment variables of the case settings (the stack sets them from its props). */
export const CASE_SETTING_ENV = {
  burstLimit: 'ALERT_BURST_LIMIT',
  burstWindowMinutes: 'ALERT_BURST_WINDOW_MINUTES',
  reminderHours: 'CASE_REMINDER_HOURS',
} as const;

/** The case settings from the environment (defaults where unset), validated: a bad one stops the cold start. */
export function readCaseSettings(env: Env): CaseSettings {
  const read = (field: keyof CaseSettings): number => {
    const text = env[CASE_SETTING_ENV[field]]?.trim();
    return text === undefined || text === '' ? DEFAULT_CASE_SETTINGS[field] : Number(text);
  };
  const settings: CaseSettings = {
    burstLimit: read('burstLimit'),
    burstWindowMinutes: read('burstWindowMinutes'),
    reminderHours: read('reminderHours'),
  };
  const problems = caseSettingsProblems(settings);
  if (problems.length > 0) throw new ConfigurationError(`invalid case settings: ${problems.join('; ')}`);
  return settings;
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
    cases: readCaseSettings(env),
  };
}
