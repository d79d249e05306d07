import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { parseAlertNotification, type ReceivedAlert } from '../../cli/alert-notification';
import { CHAT_TOPIC_ENV } from '../../functions/adapters/sns-notice-publisher';
import { matchesMappingFilters } from '../../functions/alerts/filter';
import { CASE_MESSAGE_KIND } from '../../functions/core/alerts/case-messages';
import { ALERT_KIND } from '../../functions/core/alerts/facts';
import { buildEmailText } from '../../functions/core/alerts/text';
import { ALERTS_STREAM_MAPPING } from '../../lib/runtime-settings';
import { applyLocalAwsEnv, LOCAL_CREDENTIALS, LOCAL_REGION } from './aws-env';
import { StreamPoller, type StreamPollerOptions } from './stream-poller';

/** The alerts function as Lambda calls it (the deployed `functions/alerts/handler.ts` export). */
export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

/** The local SNS/SQS stand-in: fauxqs, in this process. */
export interface LocalSns {
  /** `http://127.0.0.1:<port>`: the endpoint for both SNS and SQS clients. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs on a free port. It is an ES module and this project compiles to CommonJS; `module: Node16` keeps this
 * `import()` a real dynamic import instead of turning it into `require`, which would fail.
 */
export async function startLocalSns(options: { port?: number } = {}): Promise<LocalSns> {
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: options.port ?? 0, logger: false });
  return { endpoint: server.address, stop: () => server.stop() };
}

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
  maxAttempts: 2,
  requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 30_000 }),
});

/** An SNS client for fauxqs. */
export function localSnsClient(endpoint: string): SNSClient {
  return new SNSClient(clientConfig(endpoint));
}

/**
 * An SQS client for fauxqs. The explicit endpoint matters: fauxqs's queue URLs name the host sqs.us-east-1.localhost,
 * which does not resolve everywhere.
 */
export function localSqsClient(endpoint: string): SQSClient {
  return new SQSClient(clientConfig(endpoint));
}

/** Creates (or finds: CreateTopic is idempotent) the alert topic. */
export async function createAlertTopic(sns: SNSClient, name = 'voucherify-alerts'): Promise<string> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  if (!TopicArn) throw new Error(`CreateTopic ${name} returned no TopicArn`);
  return TopicArn;
}

/** Creates a queue and subscribes it to the topic (optionally with a filter policy on the message attributes). */
export async function subscribeQueue(
  sns: SNSClient,
  sqs: SQSClient,
  topicArn: string,
  queueName: string,
  filterPolicy?: Record<string, unknown>,
): Promise<{ queueUrl: string; queueArn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  if (!QueueUrl) throw new Error(`CreateQueue ${queueName} returned no QueueUrl`);
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = Attributes?.QueueArn;
  if (!queueArn) throw new Error(`queue ${queueName} has no QueueArn`);
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      ...(filterPolicy ? { Attributes: { FilterPolicy: JSON.stringify(filterPolicy) } } : {}),
    }),
  );
  return { queueUrl: QueueUrl, queueArn };
}

/** The stream of a table (DynamoDB Local creates it with the table). */
export async function latestStreamArn(dynamodb: DynamoDBClient, tableName: string): Promise<string> {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  if (!Table?.LatestStreamArn) throw new Error(`table ${tableName} has no stream; the alerts need NEW_IMAGE`);
  return Table.LatestStreamArn;
}

export interface LocalAlertsHandlerSettings {
  readonly dynamodbEndpoint: string;
  readonly snsEndpoint: string;
  readonly tableName: string;
  readonly topicArn: string;
  /** The chat topic, set as CHAT_TOPIC_ARN the way the stack sets it on the functions granted the publish. */
  readonly chatTopicArn?: string;
}

/**
 * The environment the stack gives each function that publishes (alerts, the scheduled case function): TOPIC_ARN,
 * TABLE_NAME, CHAT_TOPIC_ARN when chat is on, plus the endpoints of the local stand-ins.
 */
export function applyPublisherEnv(settings: LocalAlertsHandlerSettings, env: NodeJS.ProcessEnv): void {
  applyLocalAwsEnv(settings.dynamodbEndpoint, env);
  env.AWS_ENDPOINT_URL_SNS = settings.snsEndpoint;
  env.TOPIC_ARN = settings.topicArn;
  env.TABLE_NAME = settings.tableName;
  if (settings.chatTopicArn) env[CHAT_TOPIC_ENV] = settings.chatTopicArn;
  else delete env[CHAT_TOPIC_ENV];
}

/**
 * The deployed alerts Lambda's `handler`, loaded after this process's environment is set as the stack sets the
 * function's (TOPIC_ARN, TABLE_NAME) plus the endpoints of the local stand-ins. The handler reads its settings and
 * builds its clients once, at import, as on a cold start, so nothing may import it before this runs.
 */
export function loadAlertsHandler(
  settings: LocalAlertsHandlerSettings,
  env: NodeJS.ProcessEnv = process.env,
): StreamHandler {
  applyPublisherEnv(settings, env);
  // require, not a static import: the module must be evaluated only now, with the environment above in place.
  const module = require('../../functions/alerts/handler') as typeof import('../../functions/alerts/handler');
  return module.handler;
}

/** A stream poller with the event source mapping's settings (filter, batch size, retries, TRIM_HORIZON). */
export function alertsStreamPoller(options: {
  dynamodbEndpoint: string;
  streamArn: string;
  invoke: StreamHandler;
  onGiveUp?: StreamPollerOptions['onGiveUp'];
  log?: StreamPollerOptions['log'];
  retryDelayMs?: StreamPollerOptions['retryDelayMs'];
  pollIntervalMs?: number;
}): { poller: StreamPoller; client: DynamoDBStreamsClient } {
  const client = new DynamoDBStreamsClient({
    endpoint: options.dynamodbEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 5_000 }),
  });
  const poller = new StreamPoller({
    client,
    streamArn: options.streamArn,
    region: LOCAL_REGION,
    invoke: options.invoke,
    filter: matchesMappingFilters,
    // The event source mapping's own values (lib/constructs/alerts.ts reads the same module).
    batchSize: ALERTS_STREAM_MAPPING.batchSize,
    startingPosition: ALERTS_STREAM_MAPPING.startingPosition,
    retryAttempts: ALERTS_STREAM_MAPPING.retryAttempts,
    bisectBatchOnError: ALERTS_STREAM_MAPPING.bisectBatchOnError,
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}),
    ...(options.onGiveUp ? { onGiveUp: options.onGiveUp } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return { poller, client };
}

// The smoke (which ships, in cli/) reads alerts too; the local mode, its tests and tools import them from here.
export { parseAlertNotification, type ReceivedAlert };

/** The console's tag of each kind of message on the alert topic. */
const TAGS: Record<string, string> = {
  [ALERT_KIND]: 'alert',
  [CASE_MESSAGE_KIND.digest]: 'digest',
  [CASE_MESSAGE_KIND.reminder]: 'reminder',
  [CASE_MESSAGE_KIND.acknowledged]: 'case acknowledged',
  [CASE_MESSAGE_KIND.resolved]: 'case resolved',
};

/**
 * A message of the alert topic as the console shows it: its tag (`[alert]`, `[digest]`, `[reminder]`, `[case
 * resolved]`...), subject, attributes, then the email text (an alert's rebuilt from its JSON facts; the others' as
 * the topic carried it).
 */
export function formatAlert(alert: ReceivedAlert): string {
  const attributes = Object.entries(alert.attributes)
    .map(([name, value]) => `${name}=${value}`)
    .join('  ');
  const kind = String((alert.facts as { kind?: unknown }).kind ?? '');
  const tag = TAGS[kind] ?? 'message';
  const email =
    kind === ALERT_KIND ? buildEmailText(alert.facts) : (alert.email ?? JSON.stringify(alert.facts, null, 2));
  const text = email
    .split('\n')
    .map((l) => `  | ${l}`)
    .join('\n');
  return `\n[${tag}] ${alert.subject ?? '(no subject)'}\n  attributes: ${attributes}\n${text}\n`;
}

/**
 * Receives from a queue until `signal` aborts, handing each message body to `onBody` and deleting it. Long polling
 * keeps an idle loop cheap; each wait is short so stopping is quick. The alerts and the chat consoles both drain so.
 */
export async function drainQueue(options: {
  sqs: SQSClient;
  queueUrl: string;
  signal: AbortSignal;
  onBody: (body: string) => void;
  onError?: (error: unknown) => void;
}): Promise<void> {
  const { sqs, queueUrl, signal } = options;
  while (!signal.aborted) {
    try {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        // Stopping cuts the long poll short, so the services stopped after this one stop at once.
        { abortSignal: signal },
      );
      const done: { Id: string; ReceiptHandle: string }[] = [];
      for (const [index, message] of (Messages ?? []).entries()) {
        if (message.Body) {
          try {
            options.onBody(message.Body);
          } catch (error) {
            options.onError?.(error);
          }
        }
        if (message.ReceiptHandle) done.push({ Id: String(index), ReceiptHandle: message.ReceiptHandle });
      }
      if (done.length > 0) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done }));
    } catch (error) {
      if (signal.aborted) return;
      options.onError?.(error);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The local mode's stand-in for the alerts DLQ (the event source mapping's on-failure destination). */
export const LOCAL_ALERTS_DLQ_NAME = 'voucherify-alerts-dlq';

/** The queue `npm start` subscribes to the alert topic and prints. */
export const LOCAL_ALERTS_CONSOLE_QUEUE_NAME = 'voucherify-alerts-console';

/** A console service of `npm start`: a local queue (subscribed to a topic) drained, each message printed. */
export interface QueueConsoleOptions {
  readonly queue: () => { readonly snsEndpoint: string; readonly queueUrl: string };
  readonly print: (text: string) => void;
  readonly printError: (text: string) => void;
}

/**
 * The one shape of `npm start`'s topic consoles (alerts, chat): started after the stack's services (it needs fauxqs
 * and the queue), each message body turned into a line by `format`, drain errors printed after `errorPrefix`.
 */
export function queueConsoleService(
  name: string,
  options: QueueConsoleOptions & {
    readonly format: (body: string) => string;
    readonly errorPrefix: string;
  },
): { name: string; start(): Promise<void>; stop(): Promise<void> } {
  const stopDrain = new AbortController();
  let drain: Promise<void> | undefined;
  return {
    name,
    start: async () => {
      const { snsEndpoint, queueUrl } = options.queue();
      const sqs = localSqsClient(snsEndpoint);
      drain = drainQueue({
        sqs,
        queueUrl,
        signal: stopDrain.signal,
        onBody: (body) => options.print(options.format(body)),
        onError: (error) =>
          options.printError(`${options.errorPrefix}${error instanceof Error ? error.message : String(error)}`),
      }).finally(() => sqs.destroy());
    },
    stop: async () => {
      stopDrain.abort();
      await drain;
    },
  };
}

/** `npm start`'s console for alerts: the queue subscribed to the alert topic, each alert printed as its email text. */
export function alertsConsoleService(options: QueueConsoleOptions) {
  return queueConsoleService('alerts console', {
    ...options,
    format: (body) => formatAlert(parseAlertNotification(body)),
    errorPrefix: '[alerts] queue: ',
  });
}
