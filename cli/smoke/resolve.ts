import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { parseSecrets } from '../../functions/adapters/secrets';
import { LOCAL_CREDENTIALS, type LocalModeState } from '../local-state';
import { receiverOutputs } from './outputs';
import { type SmokeClients, SmokeSetupError, type SmokeTarget } from './target';

/** The receiver outputs the smoke reads (lib/constructs/receiver-outputs.ts). */
export const SMOKE_OUTPUTS = [
  'WebhookUrl',
  'TableName',
  'AlertTopicArn',
  'SmokeSecretArn',
  'AlarmNames',
  'SilenceAlarmName',
] as const;

/**
 * The target from a stack's outputs. AlarmNames missing (a stack deployed before it existed) is not a setup error: the
 * alarm step then fails and says to redeploy, while the other steps still run.
 */
export function targetFromOutputs(
  stack: string,
  region: string | undefined,
  outputs: Readonly<Record<string, string>>,
  secret: string,
): SmokeTarget {
  const missing = ['WebhookUrl', 'TableName', 'AlertTopicArn'].filter((key) => !outputs[key]);
  if (missing.length > 0)
    throw new SmokeSetupError(`stack ${stack} has no output ${missing.join(', ')}: is it this project's stack?`);
  const alarmNames = (outputs.AlarmNames ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return {
    label: `stack ${stack}${region ? ` (${region})` : ''}`,
    webhookUrl: outputs.WebhookUrl as string,
    tableName: outputs.TableName as string,
    topicArn: outputs.AlertTopicArn as string,
    secret,
    alarmNames,
    ...(outputs.SilenceAlarmName ? { silenceAlarmName: outputs.SilenceAlarmName } : {}),
  };
}

/** The first secret of a Secrets Manager value (plain, or a JSON array); empty or "[]" is not configured. */
export function signingSecret(value: string | undefined, where: string): string {
  const first = parseSecrets(value)[0];
  if (!first)
    throw new SmokeSetupError(
      `the smoke secret in ${where} is empty: the stack generates it at deploy; put a value with aws secretsmanager ` +
        'put-secret-value --secret-id <SmokeSecretArn> (letters and digits), or redeploy',
    );
  return first;
}

/**
 * A deployed stack: its outputs from CloudFormation, the smoke secret from Secrets Manager (SmokeSecretArn; never the
 * webhook secret) unless given (from the environment), AWS clients.
 */
export async function awsSmoke(options: {
  stack: string;
  /** Which receiver of a stack that holds several (the prefix of its output keys). */
  receiver?: string;
  region?: string;
  secret?: string;
}): Promise<{ target: SmokeTarget; clients: SmokeClients }> {
  const config = options.region ? { region: options.region } : {};
  const cloudformation = new CloudFormationClient(config);
  let stackOutputs: Record<string, string>;
  try {
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: options.stack }));
    stackOutputs = Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])),
    );
  } catch (error) {
    throw new SmokeSetupError(`cannot read stack ${options.stack}: ${error instanceof Error ? error.message : error}`);
  } finally {
    cloudformation.destroy();
  }
  // This project's stack, or a VoucherifyWebhookReceiver in a stack of the user's own (cli/smoke/outputs.ts).
  const outputs: Record<string, string> = receiverOutputs(options.stack, stackOutputs, options.receiver);
  let secret = options.secret;
  if (secret === undefined) {
    const arn = outputs.SmokeSecretArn;
    if (!arn)
      throw new SmokeSetupError(
        `stack ${options.stack} has no output SmokeSecretArn (deployed before the smoke had a secret of its own): ` +
          'redeploy it; the smoke no longer signs with the webhook secret',
      );
    const secrets = new SecretsManagerClient(config);
    try {
      const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
      secret = signingSecret(SecretString, arn);
    } catch (error) {
      if (error instanceof SmokeSetupError) throw error;
      throw new SmokeSetupError(
        `cannot read the smoke secret ${arn}: ${error instanceof Error ? error.message : error}`,
      );
    } finally {
      secrets.destroy();
    }
  }
  const dynamodb = new DynamoDBClient(config);
  // The region the SDK resolved (flag, AWS_REGION or the profile), for the report's heading.
  const region = options.region ?? (await dynamodb.config.region());
  return {
    target: targetFromOutputs(options.stack, region, outputs, secret),
    clients: {
      dynamodb,
      sns: new SNSClient(config),
      sqs: new SQSClient(config),
      cloudwatch: new CloudWatchClient(config),
    },
  };
}

/**
 * The running `npm start`, from the state file it writes: its URL, DynamoDB Local, fauxqs and topic. PORT, when set,
 * must be the port it listens on (so the smoke never checks another receiver than the one meant).
 */
export function localSmoke(
  state: LocalModeState | undefined,
  env: Readonly<Record<string, string | undefined>>,
  secret?: string,
): { target: SmokeTarget; clients: SmokeClients } {
  if (!state)
    throw new SmokeSetupError('no local mode is running (no live .local/local-mode.json): run `npm start` first');
  const port = env.PORT?.trim() || '3000';
  const listening = new URL(state.url).port;
  if (listening !== port)
    throw new SmokeSetupError(
      `the running local mode listens on port ${listening}, not ${port} (PORT${env.PORT ? '' : ' unset: 3000'}); ` +
        `run PORT=${listening} npm run smoke -- --local`,
    );
  if (!state.snsEndpoint || !state.topicArn)
    throw new SmokeSetupError(
      'the running local mode does not name its alert topic (an older version): restart npm start',
    );
  const smokeSecret = secret ?? state.smokeSecret;
  if (!smokeSecret)
    throw new SmokeSetupError('the running local mode has no smoke secret (an older version): restart npm start');
  return {
    target: {
      label: `the local mode (pid ${state.pid})`,
      webhookUrl: state.url,
      tableName: state.table,
      topicArn: state.topicArn,
      // The smoke's own secret, never the webhook secret: the receiver accepts it for smoke_ events only.
      secret: smokeSecret,
      noAlarmsReason: 'no CloudWatch in the local mode (AWS only)',
    },
    clients: {
      dynamodb: new DynamoDBClient(localClientConfig(state.endpoint, state.region)),
      sns: new SNSClient(localClientConfig(state.snsEndpoint, state.region)),
      // The explicit endpoint matters: fauxqs's queue URLs name a host (sqs.us-east-1.localhost) that may not resolve.
      sqs: new SQSClient(localClientConfig(state.snsEndpoint, state.region)),
    },
  };
}

export function destroyClients(clients: SmokeClients): void {
  for (const client of [clients.dynamodb, clients.sns, clients.sqs, clients.cloudwatch]) client?.destroy();
}

/** A client configuration for one of the local mode's stand-ins: its endpoint, the dummy credentials, short timeouts. */
function localClientConfig(endpoint: string, region: string) {
  return {
    endpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 30_000 }),
  };
}
