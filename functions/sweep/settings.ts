import { readCaseSettings } from '../alerts/settings';
import type { CaseSettings } from '../core/alerts/case-settings';
import { logLevel, required } from '../core/ingest/config';
import type { LogLevel } from '../core/shared/ports';

type Env = Readonly<Record<string, string | undefined>>;

/** The scheduled case function's settings, read once at cold start; a missing or malformed one stops it loudly. */
export interface SweepSettings {
  readonly topicArn: string;
  readonly tableName: string;
  readonly cases: CaseSettings;
  readonly logLevel: LogLevel;
}

export function readSweepSettings(env: Env): SweepSettings {
  return {
    topicArn: required(env, 'TOPIC_ARN'),
    tableName: required(env, 'TABLE_NAME'),
    cases: readCaseSettings(env),
    logLevel: logLevel(env),
  };
}
