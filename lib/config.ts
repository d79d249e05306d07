import { RemovalPolicy, Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { DEFAULT_INGEST_CONFIG } from '../functions/core/ingest/ingest';
import { LAMBDA_PAYLOAD_LIMIT_BYTES } from '../functions/core/ingest/limits';
import { sourceEntryProblems, VOUCHERIFY_REGIONS } from '../functions/core/ingest/source-ip';
import type { LogLevel } from '../functions/core/shared/ports';

/** DynamoDB's hard limit for one item, attribute names included. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;

/**
 * Room kept in an item for everything but the body: key, status, timestamps, TTL, up to 14 lifted fields (256 chars
 * each, the failure message 1 KiB) and up to 21 validation issues. A stored body larger than the rest goes to the
 * bodies bucket (INLINE_BODY_MAX_BYTES), so no event is refused for its size.
 */
export const ITEM_RESERVED_BYTES = 32 * 1024;

/**
 * The largest `maxBodyBytes`: Lambda's invocation limit, above which nothing reaches the function anyway. The setting
 * only decides which unproven bodies get 413 rather than 401; an authentic body is stored whatever its size.
 */
export const MAX_BODY_BYTES_LIMIT = LAMBDA_PAYLOAD_LIMIT_BYTES;

/** Below this, `maxBodyBytes` was almost certainly given in KiB: real Voucherify events run to tens of KiB. */
export const MIN_BODY_BYTES = 16 * 1024;

/** The values CloudWatch Logs accepts as a retention, in days. */
const LOG_RETENTION_DAYS: readonly number[] = Object.values(RetentionDays).filter(
  (value): value is number => typeof value === 'number' && value !== RetentionDays.INFINITE,
);

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * What can be tuned per deployment. Every field is also a CDK context key of the same name
 * (`cdk deploy -c retentionDays=90`), read by {@link settingsFromContext}.
 */
export interface WebhooksSettings {
  /**
   * How long stored events are kept, in days (DynamoDB TTL on each item; TTL deletes are free and usually happen
   * within a few days of expiry).
   * @default 365
   */
  readonly retentionDays?: number;

  /**
   * A larger body whose signature does not prove it comes from Voucherify is refused with 413 (a smaller one with 401).
   * Never a limit for an authentic body: the signature is checked first, and an authentic event of any size the
   * platform delivers is stored (in its item when it fits compressed, else beside it in the bodies bucket). At most
   * {@link MAX_BODY_BYTES_LIMIT} (Lambda's 6 MB).
   * @default 262144 (256 KiB, the receiver's own default)
   */
  readonly maxBodyBytes?: number;

  /**
   * Steady request rate the API stage admits, in requests per second; more gets API Gateway's own 429. Voucherify
   * sends one request per event, and a bulk operation in Voucherify turns into a burst of events; 50/s is far above a
   * normal project's event rate, and keeps a flood of unsigned requests from running up Lambda concurrency (about 5
   * concurrent at ~100 ms each) and cost. A 429 is retried by Voucherify like any non-2xx, so nothing is lost unless
   * the flood outlasts its retries.
   * @default 50
   */
  readonly throttlingRatePerSecond?: number;

  /**
   * How many requests the stage admits at once above the steady rate (the token bucket's size). Twice the rate
   * absorbs a bulk operation's first second without a 429.
   * @default 100
   */
  readonly throttlingBurstRequests?: number;

  /**
   * Retention of the function's log group and the API's access-log group, in days; one of the values CloudWatch Logs
   * accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653).
   * The events themselves live in the table; logs are for operating the receiver.
   * @default 30
   */
  readonly logRetentionDays?: number;

  /**
   * Memory of the ingest function, in MB. Lambda gives CPU in proportion to memory: at 512 MB the cold start
   * (loading the bundle, first TLS handshake) and the HMAC/deflate work take a fraction of what they take at 128 MB,
   * for a cost that is negligible at webhook volumes.
   * @default 512
   */
  readonly memorySizeMb?: number;

  /**
   * The ingest function's log level (`debug`, `info`, `warn` or `error`).
   * @default 'info'
   */
  readonly logLevel?: LogLevel;

  /**
   * What happens to the events table and the webhook secret when they leave the stack (or the stack is deleted).
   * `RETAIN` keeps every stored event and the configured secret; use `DESTROY` (context: `destroy`) only for
   * throw-away stacks, together with `deletionProtection: false`.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * DynamoDB deletion protection on the events table: the table cannot be deleted by any API call, CloudFormation
   * included, until it is turned off.
   * @default true
   */
  readonly deletionProtection?: boolean;

  /**
   * Physical name of the events table. Naming it fixes it: a change that needs a replacement then fails instead of
   * quietly creating a new, empty table.
   * @default - generated by CloudFormation
   */
  readonly tableName?: string;

  /**
   * Name of the Secrets Manager secret holding the webhook secret(s).
   * @default - generated by CloudFormation
   */
  readonly webhookSecretName?: string;

  /**
   * Name of the ingest Lambda function.
   * @default - generated by CloudFormation
   */
  readonly ingestFunctionName?: string;

  /**
   * Name of the HTTP API.
   * @default - the stack name
   */
  readonly apiName?: string;

  /**
   * Email addresses subscribed to the rollback-failure alert topic (each confirms from the mail AWS sends). In context:
   * a JSON array in cdk.json, or `-c alertEmails=a@example.com,b@example.com`.
   * @default [] - subscribe later (see docs/alerts.md)
   */
  readonly alertEmails?: readonly string[];

  /**
   * Put the customer's email address into alerts.
   * @default false - the customer's name, id and source id identify them
   */
  readonly includeCustomerEmail?: boolean;

  /**
   * Accept webhooks only from the sender addresses Voucherify publishes for these regions of its API (`eu1`, `us1`,
   * `as1`); any other source is answered 403 before its signature is checked, and nothing is stored. In context:
   * `-c allowedSourceRegions=eu1` or `eu1,us1`. Defence in depth only (the signature is the real check), and Voucherify
   * may change its addresses: a change it makes would have authentic events refused until this list is updated, and
   * after 12 refused tries of one send-out Voucherify disables the webhook. Keep it off unless a policy requires it.
   * @default [] - off (with {@link allowedSourceIps} empty too, every source may call)
   */
  readonly allowedSourceRegions?: readonly string[];

  /**
   * More addresses or CIDR blocks allowed to call, besides the regions' (`203.0.113.7`, `198.51.100.0/24`,
   * `2001:db8::/32`): a proxy in front of the API, an address Voucherify announced before this list knew it. Setting
   * either this or {@link allowedSourceRegions} turns the allow-list on.
   * @default [] - none
   */
  readonly allowedSourceIps?: readonly string[];

  /**
   * Hours without a single authentic delivery (accepted, duplicate or quarantined) after which the silence alarm
   * notifies the alert topic; no data at all counts as silence. Voucherify switches a webhook off after 12 failed tries
   * of one send-out, and nothing else would notice. A whole number from 1 to {@link MAX_SILENCE_ALARM_HOURS}
   * (CloudWatch evaluates an alarm over at most 7 days); 0 turns the alarm off (a project that can go quiet for days).
   * @default 24
   */
  readonly silenceAlarmHours?: number;
}

/** CloudWatch evaluates an alarm over at most 7 days (period x evaluation periods <= 604,800 s), with 1-hour periods. */
export const MAX_SILENCE_ALARM_HOURS = 7 * 24;

/** The settings with every default applied; what the stack builds from. */
export type ResolvedSettings = Required<
  Omit<WebhooksSettings, 'tableName' | 'webhookSecretName' | 'ingestFunctionName' | 'apiName'>
> &
  Pick<WebhooksSettings, 'tableName' | 'webhookSecretName' | 'ingestFunctionName' | 'apiName'>;

export const DEFAULT_SETTINGS = {
  retentionDays: DEFAULT_INGEST_CONFIG.retentionDays,
  maxBodyBytes: DEFAULT_INGEST_CONFIG.maxBodyBytes,
  throttlingRatePerSecond: 50,
  throttlingBurstRequests: 100,
  logRetentionDays: RetentionDays.ONE_MONTH,
  memorySizeMb: 512,
  logLevel: 'info',
  removalPolicy: RemovalPolicy.RETAIN,
  deletionProtection: true,
  alertEmails: [],
  includeCustomerEmail: false,
  allowedSourceRegions: [],
  allowedSourceIps: [],
  silenceAlarmHours: 24,
} as const satisfies ResolvedSettings;

/** A deployment setting that is missing, malformed or out of range. Lists every problem found, one per line. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid VoucherifyWebhooks settings:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Applies the defaults and checks every setting; throws a {@link SettingsError} listing all problems at once. */
export function resolveSettings(settings: WebhooksSettings): ResolvedSettings {
  const resolved: ResolvedSettings = { ...DEFAULT_SETTINGS, ...definedSettings(settings) };
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  const { retentionDays, maxBodyBytes, throttlingRatePerSecond, throttlingBurstRequests, memorySizeMb } = resolved;

  check(isInteger(retentionDays, 1), `retentionDays must be a whole number of days, at least 1; got ${retentionDays}`);
  check(
    isInteger(maxBodyBytes, MIN_BODY_BYTES, MAX_BODY_BYTES_LIMIT),
    maxBodyBytes > MAX_BODY_BYTES_LIMIT
      ? `maxBodyBytes must be at most ${MAX_BODY_BYTES_LIMIT} (Lambda's invocation payload limit: nothing larger ` +
          `reaches the function); got ${maxBodyBytes}`
      : `maxBodyBytes is in bytes and must be a whole number from ${MIN_BODY_BYTES} to ${MAX_BODY_BYTES_LIMIT}; got ${maxBodyBytes}`,
  );
  // API Gateway's account-level quotas (10,000 rps, 5,000 burst) cap what a stage can be given.
  check(
    Number.isFinite(throttlingRatePerSecond) && throttlingRatePerSecond > 0 && throttlingRatePerSecond <= 10_000,
    `throttlingRatePerSecond must be above 0 and at most 10000; got ${throttlingRatePerSecond}`,
  );
  check(
    isInteger(throttlingBurstRequests, 1, 5_000),
    `throttlingBurstRequests must be a whole number from 1 to 5000; got ${throttlingBurstRequests}`,
  );
  check(
    LOG_RETENTION_DAYS.includes(resolved.logRetentionDays),
    `logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}; got ${resolved.logRetentionDays}`,
  );
  check(
    isInteger(memorySizeMb, 128, 10_240),
    `memorySizeMb must be a whole number of MB from 128 to 10240; got ${memorySizeMb}`,
  );
  check(
    LOG_LEVELS.includes(resolved.logLevel),
    `logLevel must be one of ${LOG_LEVELS.join(', ')}; got ${resolved.logLevel}`,
  );
  check(
    resolved.removalPolicy === RemovalPolicy.RETAIN || resolved.removalPolicy === RemovalPolicy.DESTROY,
    `removalPolicy must be retain or destroy (DynamoDB tables cannot be snapshotted by CloudFormation); got ${resolved.removalPolicy}`,
  );
  check(
    !(resolved.removalPolicy === RemovalPolicy.DESTROY && resolved.deletionProtection),
    'removalPolicy destroy needs deletionProtection false as well, or deleting the stack fails at the protected table',
  );
  checkName(resolved.tableName, /^[A-Za-z0-9_.-]{3,255}$/, 'tableName must be 3-255 letters, digits, _ . or -', check);
  checkName(
    resolved.ingestFunctionName,
    /^[A-Za-z0-9_-]{1,64}$/,
    'ingestFunctionName must be 1-64 letters, digits, _ or -',
    check,
  );
  checkName(
    resolved.webhookSecretName,
    /^[A-Za-z0-9/_+=.@-]{1,512}$/,
    'webhookSecretName must be 1-512 letters, digits or /_+=.@-',
    check,
  );
  checkName(resolved.apiName, /^.{1,128}$/, 'apiName must be 1-128 characters', check);
  for (const address of resolved.alertEmails) {
    check(
      /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/.test(address),
      `alertEmails must be email addresses; got ${JSON.stringify(address)}`,
    );
  }

  for (const region of resolved.allowedSourceRegions) {
    check(
      (VOUCHERIFY_REGIONS as readonly string[]).includes(region.trim().toLowerCase()),
      `allowedSourceRegions must name Voucherify regions (${VOUCHERIFY_REGIONS.join(', ')}); got ${JSON.stringify(region)}`,
    );
  }
  for (const problem of sourceEntryProblems(resolved.allowedSourceIps)) {
    check(false, `allowedSourceIps must be IP addresses or CIDR blocks: ${problem}`);
  }
  // The list travels in an environment variable, and Lambda allows 4 KB for all of a function's variables together.
  check(
    resolved.allowedSourceIps.join(',').length <= 2048,
    `allowedSourceIps is ${resolved.allowedSourceIps.join(',').length} characters long; at most 2048 fit beside the ` +
      "function's other settings (use wider CIDR blocks)",
  );

  check(
    isInteger(resolved.silenceAlarmHours, 0, MAX_SILENCE_ALARM_HOURS),
    `silenceAlarmHours must be a whole number of hours from 1 to ${MAX_SILENCE_ALARM_HOURS} (CloudWatch evaluates an ` +
      `alarm over at most 7 days), or 0 for no silence alarm; got ${resolved.silenceAlarmHours}`,
  );

  if (problems.length > 0) throw new SettingsError(problems);
  return resolved;
}

type Kind = 'number' | 'boolean' | 'string' | 'stringList' | 'removalPolicy';

/** Each setting's context key (the same as the prop name) and how its value is read. */
export const CONTEXT_KEYS = {
  retentionDays: 'number',
  maxBodyBytes: 'number',
  throttlingRatePerSecond: 'number',
  throttlingBurstRequests: 'number',
  logRetentionDays: 'number',
  memorySizeMb: 'number',
  logLevel: 'string',
  removalPolicy: 'removalPolicy',
  deletionProtection: 'boolean',
  tableName: 'string',
  webhookSecretName: 'string',
  ingestFunctionName: 'string',
  apiName: 'string',
  alertEmails: 'stringList',
  includeCustomerEmail: 'boolean',
  allowedSourceRegions: 'stringList',
  allowedSourceIps: 'stringList',
  silenceAlarmHours: 'number',
} as const satisfies Record<keyof WebhooksSettings, Kind>;

/**
 * Reads the settings from CDK context. Values given with `-c key=value` arrive as strings, values in cdk.json or
 * `new App({ context })` keep their JSON type; both are accepted. Range checks are left to {@link resolveSettings}.
 */
export function settingsFromContext(node: Node): WebhooksSettings {
  const settings: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, kind] of Object.entries(CONTEXT_KEYS) as [keyof WebhooksSettings, Kind][]) {
    const raw: unknown = node.tryGetContext(key);
    if (raw === undefined || raw === null || raw === '') continue;
    const value = readContextValue(raw, kind);
    if (value === undefined) problems.push(`context ${key} must be ${describeKind(kind)}; got ${JSON.stringify(raw)}`);
    else settings[key] = value;
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return settings as WebhooksSettings;
}

/**
 * Context keys that look like settings of this app (plain names, no `@aws-cdk/` or `aws:cdk:` prefix) but are not
 * known: most likely a typo such as `retentionDay`, which would otherwise be ignored without a word.
 */
export function unknownContextKeys(node: Node): string[] {
  const known = new Set<string>(Object.keys(CONTEXT_KEYS));
  return Object.keys(node.getAllContext()).filter((key) => /^[A-Za-z][A-Za-z0-9]*$/.test(key) && !known.has(key));
}

function readContextValue(raw: unknown, kind: Kind): unknown {
  const text = typeof raw === 'string' ? raw.trim() : undefined;
  switch (kind) {
    case 'number': {
      const value = typeof raw === 'number' ? raw : text !== undefined && text !== '' ? Number(text) : Number.NaN;
      return Number.isFinite(value) ? value : undefined;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (text === 'true' || text === 'false') return text === 'true';
      return undefined;
    case 'string':
      return text;
    case 'stringList':
      if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) return raw.map((item) => item.trim());
      return text
        ?.split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'removalPolicy':
      if (text?.toLowerCase() === 'retain') return RemovalPolicy.RETAIN;
      if (text?.toLowerCase() === 'destroy') return RemovalPolicy.DESTROY;
      return undefined;
  }
}

function describeKind(kind: Kind): string {
  switch (kind) {
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'stringList':
      return 'a list of strings (a JSON array, or comma-separated)';
    case 'removalPolicy':
      return 'retain or destroy';
  }
}

function isInteger(value: number, min: number, max = Number.MAX_SAFE_INTEGER): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function checkName(
  name: string | undefined,
  pattern: RegExp,
  problem: string,
  check: (ok: boolean, problem: string) => void,
): void {
  if (name === undefined || Token.isUnresolved(name)) return;
  check(pattern.test(name), `${problem}; got ${JSON.stringify(name)}`);
}

/** Only this app's settings (stack props also carry `env`, `description`...), without the ones left undefined. */
function definedSettings(settings: WebhooksSettings): WebhooksSettings {
  const source = settings as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(CONTEXT_KEYS)) if (source[key] !== undefined) picked[key] = source[key];
  return picked as WebhooksSettings;
}
