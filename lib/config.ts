import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemovalPolicy, Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { type CaseSettings, caseSettingsProblems, DEFAULT_CASE_SETTINGS } from '../functions/core/alerts/case-settings';
import { DEFAULT_INGEST_CONFIG } from '../functions/core/ingest/ingest';
import { LAMBDA_PAYLOAD_LIMIT_BYTES } from '../functions/core/ingest/limits';
import { sourceEntryProblems, VOUCHERIFY_REGIONS } from '../functions/core/ingest/source-ip';
import type { LogLevel } from '../functions/core/shared/ports';
import type { ChatChannel, ChatLoggingLevel } from './constructs/chat';

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

const CHAT_LOGGING_LEVELS: readonly ChatLoggingLevel[] = ['ERROR', 'INFO', 'NONE'];

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
   * a JSON array in cdk.json's `context`. Kept there, not given with `-c`: a subscription setting given only on the
   * command line would be removed by the next deploy without it, so the app refuses one that differs from cdk.json
   * (see {@link unkeptSubscriptionProblems}).
   * @default [] - subscribe later (see docs/alerts.md)
   */
  readonly alertEmails?: readonly string[];

  /**
   * Slack and Microsoft Teams channels that Amazon Q Developer posts the case messages to (alerts, digests, reminders,
   * acknowledgements, resolutions, reopenings), each thread per case. In context: a JSON array in cdk.json's
   * `context`, e.g. `[{"platform":"slack","name":"voucherify-cases","workspaceId":"T0123ABCD","channelId":"C0123ABCD"}]`
   * (README, "Chat"). The workspace or team must first be authorized once in the Amazon Q console.
   * @default [] - no chat channels
   */
  readonly chatChannels?: readonly ChatChannel[];

  /**
   * Create the chat topic (and publish the case messages to it) even without {@link chatChannels}: for channel
   * configurations made outside this app, which subscribe to the topic named by the `ChatTopicArn` output.
   * @default - true when chatChannels is not empty, otherwise false
   */
  readonly chatTopic?: boolean;

  /**
   * What Amazon Q logs for each channel configuration (`ERROR`, `INFO` or `NONE`; CloudWatch Logs in us-east-1).
   * @default 'ERROR'
   */
  readonly chatLoggingLevel?: ChatLoggingLevel;

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

  /**
   * At most this many individual rollback-failure alerts per burst window; the window's other new cases go out as one
   * digest when it ends (every case is still listed by `voucherify-events cases`). Context: `-c alertBurstLimit=10`.
   * @default 10 (docs/alerts.md, "Defaults")
   */
  readonly alertBurstLimit?: number;

  /**
   * The burst window, in minutes; a whole number that divides a day (windows are aligned to the clock).
   * @default 15
   */
  readonly alertBurstWindowMinutes?: number;

  /**
   * Remind of cases still unresolved after this many hours, in one digest, at most once per this many hours; 0 turns
   * reminders off.
   * @default 24
   */
  readonly caseReminderHours?: number;

  /**
   * Alarm when the oldest unresolved case is older than this many hours (the metric the scheduled function writes every
   * minute); 0 creates no alarm. At most 168.
   * @default 48 - a day past the first reminder
   */
  readonly openCaseAlarmHours?: number;
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
  chatChannels: [],
  chatTopic: false,
  chatLoggingLevel: 'ERROR',
  includeCustomerEmail: false,
  allowedSourceRegions: [],
  allowedSourceIps: [],
  silenceAlarmHours: 24,
  alertBurstLimit: DEFAULT_CASE_SETTINGS.burstLimit,
  alertBurstWindowMinutes: DEFAULT_CASE_SETTINGS.burstWindowMinutes,
  caseReminderHours: DEFAULT_CASE_SETTINGS.reminderHours,
  openCaseAlarmHours: 48,
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
  const defined = definedSettings(settings);
  const merged: ResolvedSettings = { ...DEFAULT_SETTINGS, ...defined };
  // The chat topic follows the channels unless it is asked for (or off) explicitly.
  const resolved: ResolvedSettings = { ...merged, chatTopic: defined.chatTopic ?? merged.chatChannels.length > 0 };
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

  for (const problem of chatChannelProblems(resolved.chatChannels)) check(false, problem);
  check(
    resolved.chatTopic || resolved.chatChannels.length === 0,
    'chatTopic false leaves the chatChannels with nothing to read: remove chatTopic or the channels',
  );
  check(
    CHAT_LOGGING_LEVELS.includes(resolved.chatLoggingLevel),
    `chatLoggingLevel must be one of ${CHAT_LOGGING_LEVELS.join(', ')}; got ${resolved.chatLoggingLevel}`,
  );

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

  problems.push(...caseSettingsProblems(caseSettingsOf(resolved)));
  check(
    isInteger(resolved.openCaseAlarmHours, 0, MAX_SILENCE_ALARM_HOURS),
    `openCaseAlarmHours must be a whole number of hours from 0 (no alarm) to ${MAX_SILENCE_ALARM_HOURS}; got ${resolved.openCaseAlarmHours}`,
  );

  if (problems.length > 0) throw new SettingsError(problems);
  return resolved;
}

/** The case settings (functions/core/alerts/case-settings.ts) out of the deployment settings. */
export function caseSettingsOf(resolved: ResolvedSettings): CaseSettings {
  return {
    burstLimit: resolved.alertBurstLimit,
    burstWindowMinutes: resolved.alertBurstWindowMinutes,
    reminderHours: resolved.caseReminderHours,
  };
}

type Kind = 'number' | 'boolean' | 'string' | 'stringList' | 'removalPolicy' | 'jsonList';

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
  chatChannels: 'jsonList',
  chatTopic: 'boolean',
  chatLoggingLevel: 'string',
  includeCustomerEmail: 'boolean',
  allowedSourceRegions: 'stringList',
  allowedSourceIps: 'stringList',
  silenceAlarmHours: 'number',
  alertBurstLimit: 'number',
  alertBurstWindowMinutes: 'number',
  caseReminderHours: 'number',
  openCaseAlarmHours: 'number',
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

/**
 * Settings set in the CDK context (`-c retentionDays=7`, cdk.json) that the given props do not carry: a construct
 * built from props alone would drop them without a word. A key whose context value equals the prop (this
 * repository's app reads the context into the props) is not listed; one whose value cannot be read is.
 */
export function contextSettingsNotInProps(node: Node, props: WebhooksSettings): { key: string; value: unknown }[] {
  const given = props as Record<string, unknown>;
  const ignored: { key: string; value: unknown }[] = [];
  for (const [key, kind] of Object.entries(CONTEXT_KEYS) as [keyof WebhooksSettings, Kind][]) {
    const raw: unknown = node.tryGetContext(key);
    if (raw === undefined || raw === null || raw === '') continue;
    const value = readContextValue(raw, kind);
    if (value === undefined || JSON.stringify(value) !== JSON.stringify(given[key])) ignored.push({ key, value: raw });
  }
  return ignored;
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
    case 'jsonList': {
      let value: unknown = raw;
      if (text !== undefined) {
        try {
          value = JSON.parse(text);
        } catch {
          return undefined;
        }
      }
      return Array.isArray(value) ? value : undefined;
    }
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
    case 'jsonList':
      return 'a JSON array';
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

/**
 * The shapes Amazon Q Developer's channel configurations accept (AWS::Chatbot::SlackChannelConfiguration and
 * MicrosoftTeamsChannelConfiguration): checked here so a pasted id with a typo fails the synth, not the deploy.
 */
const CHAT_ID_SHAPES = {
  name: { pattern: /^[A-Za-z0-9_-]{1,128}$/, says: '1-128 letters, digits, - or _' },
  workspaceId: { pattern: /^[0-9A-Z]{1,255}$/, says: 'capital letters and digits, as T0123ABCD' },
  slackChannelId: { pattern: /^[A-Za-z0-9]{1,256}$/, says: 'letters and digits, as C0123ABCD' },
  uuid: { pattern: /^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/, says: 'a UUID' },
  teamsChannelId: {
    pattern: /^[A-Za-z0-9_=+/.,-]*%3[aA][A-Za-z0-9_=+/.,-]*%40[A-Za-z0-9_=+/.,-]*$/,
    says: 'URL-encoded, as 19%3a0123abcd%40thread.tacv2',
  },
} as const;

/** Every problem with the chat channels, one line each. */
export function chatChannelProblems(channels: readonly ChatChannel[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  (channels as readonly unknown[]).forEach((item, index) => {
    const at = `chatChannels[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push(`${at} must be an object; got ${JSON.stringify(item)}`);
      return;
    }
    const channel = item as Record<string, unknown>;
    const field = (key: string, shape: { pattern: RegExp; says: string }) => {
      const value = channel[key];
      if (typeof value !== 'string' || !shape.pattern.test(value))
        problems.push(`${at}.${key} must be ${shape.says}; got ${JSON.stringify(value)}`);
    };
    field('name', CHAT_ID_SHAPES.name);
    if (typeof channel.name === 'string' && names.has(channel.name))
      problems.push(`${at}.name ${channel.name} is used twice; each channel configuration needs its own name`);
    if (typeof channel.name === 'string') names.add(channel.name);
    if (channel.platform === 'slack') {
      field('workspaceId', CHAT_ID_SHAPES.workspaceId);
      field('channelId', CHAT_ID_SHAPES.slackChannelId);
    } else if (channel.platform === 'teams') {
      field('tenantId', CHAT_ID_SHAPES.uuid);
      field('teamId', CHAT_ID_SHAPES.uuid);
      field('channelId', CHAT_ID_SHAPES.teamsChannelId);
    } else {
      problems.push(`${at}.platform must be slack or teams; got ${JSON.stringify(channel.platform)}`);
    }
  });
  return problems;
}

/**
 * The settings that create subscriptions. Given only on the command line (`-c alertEmails=…`), such a setting lives
 * for one deploy: the next `cdk deploy` without it removes the subscription, and on-call stops getting alerts
 * without a word. So they must be kept where every deploy reads them (cdk.json).
 */
export const KEPT_SETTINGS = ['alertEmails', 'chatChannels', 'chatTopic'] as const;

/**
 * The context the project keeps, as the CDK CLI reads it on every deploy: `context` of cdk.json and cdk.context.json
 * in the app's folder (the CLI runs the app there). A file that is absent keeps nothing.
 */
export function readKeptContext(dir: string = process.cwd()): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [file, pick] of [
    ['cdk.context.json', (json: Record<string, unknown>) => json],
    ['cdk.json', (json: Record<string, unknown>) => (json.context ?? {}) as Record<string, unknown>],
  ] as const) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw new SettingsError([`${path} is not valid JSON: ${cause instanceof Error ? cause.message : cause}`]);
    }
    Object.assign(kept, pick(json));
  }
  return kept;
}

/** A setting's value in a form where the same subscriptions compare equal (order and spacing do not matter). */
function subscriptionsOf(key: (typeof KEPT_SETTINGS)[number], value: unknown): string {
  if (value === undefined) return key === 'chatTopic' ? 'undefined' : '[]';
  if (!Array.isArray(value)) return JSON.stringify(value);
  const items = value.map((item) =>
    typeof item === 'string' ? item.trim().toLowerCase() : JSON.stringify(item, Object.keys(item ?? {}).sort()),
  );
  return JSON.stringify([...new Set(items)].sort());
}

/**
 * Subscription settings whose value in the app's context differs from what the project keeps: given with `-c` (or
 * ~/.cdk.json, which a CI pipeline never sees). Each problem says what to do instead. Empty when every such setting
 * is kept, so a synth with the flag and one without it give the same subscriptions.
 */
export function unkeptSubscriptionProblems(node: Node, kept: Record<string, unknown>): string[] {
  const current = settingsFromContext(node) as Record<string, unknown>;
  const keptSettings = settingsFromContext({
    tryGetContext: (key: string) => kept[key],
  } as Node) as Record<string, unknown>;
  return KEPT_SETTINGS.filter(
    (key) => subscriptionsOf(key, current[key]) !== subscriptionsOf(key, keptSettings[key]),
  ).map(
    (key) =>
      `${key} differs from cdk.json (given with -c?): a later deploy without it would remove those subscriptions ` +
      `without a word. Put the value into the "context" of cdk.json, commit it, and deploy without -c ${key}` +
      ` (cdk.json has ${kept[key] === undefined ? 'none' : JSON.stringify(kept[key])}; this deploy has ` +
      `${JSON.stringify(node.tryGetContext(key) ?? 'none')}).`,
  );
}
