import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { TargetError, UsageError } from './errors';
import type { LocalModeState } from './local-state';
import { LOCAL_CREDENTIALS } from './local-state';

/** Which table the CLI reads, where, and how it found out (said in error messages). */
export interface Target {
  readonly tableName: string;
  /** DynamoDB Local (or another endpoint); AWS itself when absent. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly source: '--table' | 'EVENTS_TABLE_NAME' | 'the running local mode';
}

export interface TargetFlags {
  readonly table?: string;
  readonly endpoint?: string;
  readonly region?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The table to read: `--table`, else `EVENTS_TABLE_NAME`, else the running `npm start` (its state file names the
 * table and its DynamoDB Local). A deployed stack's table name is its `TableName` output (see docs/operating.md).
 */
export function resolveTarget(flags: TargetFlags, env: Env, local: LocalModeState | undefined): Target {
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (flags.table !== undefined || env.EVENTS_TABLE_NAME?.trim()) {
    const fromFlag = flags.table !== undefined;
    const tableName = (flags.table ?? env.EVENTS_TABLE_NAME ?? '').trim();
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(tableName))
      throw new UsageError(`--table must be a DynamoDB table name (3-255 letters, digits, _ . -); got "${tableName}"`);
    return {
      tableName,
      ...(flags.endpoint !== undefined ? { endpoint: checkEndpoint(flags.endpoint) } : {}),
      ...(region ? { region } : {}),
      source: fromFlag ? '--table' : 'EVENTS_TABLE_NAME',
    };
  }
  if (local) {
    return {
      tableName: local.table,
      endpoint: flags.endpoint !== undefined ? checkEndpoint(flags.endpoint) : local.endpoint,
      region: region ?? local.region,
      source: 'the running local mode',
    };
  }
  throw new UsageError(
    'no table to read: pass --table <name> (the stack output TableName), set EVENTS_TABLE_NAME, or run `npm start` ' +
      'for the local mode',
  );
}

function checkEndpoint(text: string): string {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return text;
  } catch {
    // falls through
  }
  throw new UsageError(`--endpoint must be an http(s) URL such as http://127.0.0.1:8000; got "${text}"`);
}

/** Where the target is, in words. */
export function describeTarget(target: Target): string {
  const where = target.endpoint ? `at ${target.endpoint}` : `in AWS${target.region ? ` (${target.region})` : ''}`;
  return `table ${target.tableName} ${where}, from ${target.source}`;
}

const requestHandler = () => new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000 });

/**
 * A DynamoDB client for the target. A local endpoint gets the dummy credentials DynamoDB Local accepts, unless the
 * environment has keys; AWS gets the SDK's usual chain (environment, profile, SSO, instance role).
 */
export function dynamoDbClient(target: Target, env: Env): DynamoDBClient {
  const local = target.endpoint !== undefined && !env.AWS_ACCESS_KEY_ID;
  return new DynamoDBClient({
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.region ? { region: target.region } : target.endpoint ? { region: 'us-east-1' } : {}),
    ...(local ? { credentials: LOCAL_CREDENTIALS } : {}),
    maxAttempts: 2,
    requestHandler: requestHandler(),
  });
}

/** An SNS client for `replay --alert` (the SDK honours AWS_ENDPOINT_URL_SNS, which points it at fauxqs locally). */
export function snsClient(target: Target, env: Env, endpoint: string | undefined): SNSClient {
  const local = endpoint !== undefined && !env.AWS_ACCESS_KEY_ID;
  return new SNSClient({
    ...(endpoint ? { endpoint } : {}),
    ...(target.region ? { region: target.region } : endpoint ? { region: 'us-east-1' } : {}),
    ...(local ? { credentials: LOCAL_CREDENTIALS } : {}),
    maxAttempts: 2,
    requestHandler: requestHandler(),
  });
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** An AWS SDK error as a {@link TargetError} that says what to do; anything else is returned unchanged. */
export function explainAwsError(error: unknown, target: Target): unknown {
  // Read by shape, not instanceof: Node's own errors (ECONNREFUSED) may come from another realm (a test sandbox).
  if (typeof error !== 'object' || error === null || typeof (error as Error).message !== 'string') return error;
  if (error instanceof TargetError || error instanceof UsageError) return error;
  const { name, message } = error as Error;
  const code = (error as { code?: string }).code || /\b(E[A-Z]{4,})\b/.exec(message)?.[1] || '';
  const where = describeTarget(target);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new TargetError(
      `no AWS credentials found for ${where}. Set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), ` +
        'log in with `aws sso login`, or pass --endpoint for DynamoDB Local',
      { cause: error },
    );
  }
  if (/Region is missing/i.test(message)) {
    return new TargetError(`no AWS region for ${where}: pass --region or set AWS_REGION`, { cause: error });
  }
  if (['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException'].includes(name)) {
    return new TargetError(`AWS refused the credentials (${name}) for ${where}: refresh them and try again`, {
      cause: error,
    });
  }
  if (name === 'AccessDeniedException') {
    return new TargetError(`not allowed to read ${where}: ${message}`, { cause: error });
  }
  if (name === 'ResourceNotFoundException') {
    return new TargetError(`${where} does not exist. Check the name (the stack output TableName) and the region`, {
      cause: error,
    });
  }
  if (name === 'ValidationException' && /specified index/i.test(message)) {
    return new TargetError(
      `${where} lacks an index the CLI needs (${message}). Deploy the current stack, or restart \`npm start\``,
      { cause: error },
    );
  }
  if (CONNECTION_CODES.has(code) || name === 'TimeoutError' || /socket hang up/i.test(message)) {
    const hint = target.endpoint ? ' Is `npm start` (or DynamoDB Local) running there?' : '';
    return new TargetError(`cannot reach DynamoDB for ${where} (${code || name}).${hint}`, { cause: error });
  }
  return error;
}
