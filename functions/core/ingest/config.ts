import type { LogLevel } from '../shared/ports';
import { DEFAULT_INGEST_CONFIG, type IngestConfig } from './ingest';
import { parseSourceEntries, sourceEntryProblems } from './source-ip';

/** A setting that is missing or wrong: the function stops at cold start with this message instead of misbehaving. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

type Env = Readonly<Record<string, string | undefined>>;

export function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`${name} must be set`);
  return value;
}

export function positiveNumber(env: Env, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigurationError(`${name} must be a positive number, got "${text}"`);
  return value;
}

export function logLevel(env: Env): LogLevel {
  const level = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (level === 'debug' || level === 'info' || level === 'warn' || level === 'error') return level;
  throw new ConfigurationError(`LOG_LEVEL must be debug, info, warn or error, got "${env.LOG_LEVEL}"`);
}

/**
 * A comma-separated list of IP addresses and CIDR blocks (blank: none). Every entry that is neither is named, so a
 * typo stops the function at cold start instead of refusing Voucherify, or letting everyone in.
 */
export function sourceEntries(env: Env, name: string): string[] {
  const entries = parseSourceEntries(env[name]);
  const problems = sourceEntryProblems(entries);
  if (problems.length > 0)
    throw new ConfigurationError(
      `${name} must list IP addresses or CIDR blocks, comma-separated: ${problems.join('; ')}`,
    );
  return entries;
}

/** The ingest function's settings, from its environment. */
export interface IngestSettings extends IngestConfig {
  readonly tableName: string;
  /** Secrets Manager secret holding the webhook secret(s); in AWS this is always set. */
  readonly webhookSecretArn?: string;
  /** Local mode and tests only: the webhook secret(s) inline. Ignored when `webhookSecretArn` is set. */
  readonly webhookSecretInline?: string;
  /** Secrets Manager secret holding the smoke secret (SMOKE_SECRET_ARN): `smoke_` events only. */
  readonly smokeSecretArn?: string;
  /** Local mode and tests only: the smoke secret inline (VOUCHERIFY_SMOKE_SECRET). Neither: no smoke secret. */
  readonly smokeSecretInline?: string;
  /** The bucket for bodies too large for their item (BODY_BUCKET); none: such an event is answered 503. */
  readonly bodyBucket?: string;
  readonly logLevel: LogLevel;
}

export function readIngestSettings(env: Env): IngestSettings {
  const arn = env.WEBHOOK_SECRET_ARN?.trim();
  const smokeArn = env.SMOKE_SECRET_ARN?.trim();
  const smokeInline = env.VOUCHERIFY_SMOKE_SECRET?.trim();
  const allowedSourceIps = sourceEntries(env, 'ALLOWED_SOURCE_IPS');
  const bodyBucket = env.BODY_BUCKET?.trim();
  return {
    tableName: required(env, 'TABLE_NAME'),
    webhookPath: env.WEBHOOK_PATH?.trim() || DEFAULT_INGEST_CONFIG.webhookPath,
    maxBodyBytes: positiveNumber(env, 'MAX_BODY_BYTES', DEFAULT_INGEST_CONFIG.maxBodyBytes),
    retentionDays: positiveNumber(env, 'RETENTION_DAYS', DEFAULT_INGEST_CONFIG.retentionDays),
    ...(arn ? { webhookSecretArn: arn } : { webhookSecretInline: env.VOUCHERIFY_WEBHOOK_SECRET }),
    ...(smokeArn ? { smokeSecretArn: smokeArn } : smokeInline ? { smokeSecretInline: smokeInline } : {}),
    logLevel: logLevel(env),
    ...(bodyBucket ? { bodyBucket } : {}),
    ...(allowedSourceIps.length > 0 ? { allowedSourceIps } : {}),
  };
}
