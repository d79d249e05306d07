import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { AlertsDeps } from '../../functions/alerts/make-handler';
import { makeAlertsHandler } from '../../functions/alerts/make-handler';
import {
  alertsStreamPoller,
  createAlertTopic,
  type LocalSns,
  latestStreamArn,
  loadAlertsHandler,
  localSnsClient,
  localSqsClient,
  parseAlertNotification,
  type ReceivedAlert,
  type StreamHandler,
  subscribeQueue,
} from '../../local/runtime/alerts';
import type { HttpApiHandler } from '../../local/runtime/server';
import type { StreamPollerOptions } from '../../local/runtime/stream-poller';
import { signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { createTestTable, dynamodbEndpoint, testClient } from './dynamodb';
import { apiEvent, coldStartHandler, invoke, type ParsedResult } from './receiver';

/** The variable global-setup sets to fauxqs's endpoint (SNS and SQS). */
export const SNS_ENDPOINT_ENV = 'INTEGRATION_SNS_ENDPOINT';

/** How global-setup hands the running fauxqs to global-teardown (same process). */
export type RunningSns = typeof globalThis & { __integrationSns?: LocalSns };

export function snsEndpoint(): string {
  const endpoint = process.env[SNS_ENDPOINT_ENV];
  if (!endpoint) throw new Error(`${SNS_ENDPOINT_ENV} is not set: run these tests with jest's integration project`);
  return endpoint;
}

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/**
 * A fresh copy of the deployed alerts handler (functions/alerts/handler.ts), configured through the environment as the
 * stack configures it, on the shared DynamoDB Local and fauxqs: a cold start per call.
 */
export function coldStartAlertsHandler(settings: { tableName: string; topicArn: string }): StreamHandler {
  let handler: StreamHandler | undefined;
  jest.isolateModules(() => {
    handler = loadAlertsHandler({ dynamodbEndpoint: dynamodbEndpoint(), snsEndpoint: snsEndpoint(), ...settings });
  });
  if (!handler) throw new Error('the alerts handler did not load');
  return handler;
}

export interface Invocation {
  readonly event: DynamoDBStreamEvent;
  readonly response: DynamoDBBatchResponse;
}

export interface AlertsHarness {
  readonly table: string;
  readonly topicArn: string;
  readonly queueUrl: string;
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly ingest: HttpApiHandler;
  /** The alerts function as the poller calls it. */
  readonly alerts: StreamHandler;
  /** Every call of the alerts function by the poller, in order, with its answer. */
  readonly invocations: Invocation[];
  /** POSTs a webhook body, signed, to the deployed ingest handler. */
  post(envelope: unknown): Promise<ParsedResult>;
  /** Subscribes another queue to the topic. */
  subscribe(filterPolicy?: Record<string, unknown>): Promise<string>;
  /**
   * Receives from a queue until `done` says the alerts seen so far are enough (or `timeoutMs` passes), then keeps
   * receiving briefly so that a stray extra message would be caught too.
   */
  receiveUntil(
    done: (alerts: readonly ReceivedAlert[]) => boolean,
    options?: { queueUrl?: string; timeoutMs?: number },
  ): Promise<ReceivedAlert[]>;
  /** Starts the poller when the harness was made with `deferPolling`. */
  startPolling(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The alerts path on the local stand-ins, as in AWS: its own events table (with the real DynamoDB Local stream), a
 * topic with a queue subscribed, the ingest handler writing to the table, and a poller playing the event source
 * mapping that feeds the stream to the alerts handler (the deployed one, or one built from `deps` to inject faults).
 */
export async function startAlertsHarness(
  label: string,
  options: {
    deps?: (real: { tableName: string; topicArn: string }) => Omit<AlertsDeps, 'logger'>;
    /** Loads the deployed handler some other way (e.g. with its SDK calls recorded); default: a cold start. */
    load?: (real: { tableName: string; topicArn: string }) => StreamHandler;
    /** Leave the poller stopped until `startPolling()`, so records written before it arrive in one batch. */
    deferPolling?: boolean;
    /** Also called when the poller gives a batch up (the mapping's on-failure destination). */
    onGiveUp?: StreamPollerOptions['onGiveUp'];
  } = {},
): Promise<AlertsHarness> {
  const dynamodb = testClient();
  const table = await createTestTable(dynamodb, label);
  const streamArn = await latestStreamArn(dynamodb, table);
  const sns = localSnsClient(snsEndpoint());
  const sqs = localSqsClient(snsEndpoint());
  const topicArn = await createAlertTopic(sns, `alerts-${label}-${unique()}`);
  const { queueUrl } = await subscribeQueue(sns, sqs, topicArn, `alerts-${label}-${unique()}`);
  // Quiet handlers: their log lines are asserted in unit tests, here they would only bury the test output.
  process.env.LOG_LEVEL = 'error';
  const ingest = coldStartHandler({ tableName: table, webhookSecret: TEST_SECRET });
  const alerts: StreamHandler = options.deps
    ? makeAlertsHandler({ ...options.deps({ tableName: table, topicArn }), logger: { log() {} } })
    : (options.load ?? coldStartAlertsHandler)({ tableName: table, topicArn });

  const invocations: Invocation[] = [];
  const problems: string[] = [];
  const { poller, client } = alertsStreamPoller({
    dynamodbEndpoint: dynamodbEndpoint(),
    streamArn,
    invoke: async (event) => {
      const response = await alerts(event);
      invocations.push({ event, response });
      return response;
    },
    // Retry quickly: these tests count attempts, they do not wait for Lambda's real back-off.
    retryDelayMs: () => 50,
    pollIntervalMs: 50,
    log: (line) => problems.push(line),
    onGiveUp: async (records, reason, batch) => {
      problems.push(`gave up on ${records.length}: ${reason}`);
      await options.onGiveUp?.(records, reason, batch);
    },
  });
  if (!options.deferPolling) await poller.start();

  async function receiveUntil(
    done: (alerts: readonly ReceivedAlert[]) => boolean,
    { queueUrl: url = queueUrl, timeoutMs = 20_000 }: { queueUrl?: string; timeoutMs?: number } = {},
  ): Promise<ReceivedAlert[]> {
    const received: ReceivedAlert[] = [];
    const deadline = Date.now() + timeoutMs;
    let settled = false;
    for (;;) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: settled ? 1 : 0 }),
      );
      received.push(...(Messages ?? []).map((m) => parseAlertNotification(m.Body ?? '{}')));
      if (settled) return received;
      if (done(received))
        settled = true; // one more long-poll for anything that should not be there
      else if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for alerts; received ${received.length}; poller problems: ${problems.join(' | ') || 'none'}`,
        );
      } else await new Promise((r) => setTimeout(r, 50));
    }
  }

  return {
    table,
    topicArn,
    queueUrl,
    dynamodb,
    sns,
    sqs,
    ingest,
    alerts,
    invocations,
    post: (envelope) => invoke(ingest, apiEvent(signedRequest(envelope))),
    subscribe: async (filterPolicy) =>
      (await subscribeQueue(sns, sqs, topicArn, `alerts-${label}-${unique()}`, filterPolicy)).queueUrl,
    receiveUntil,
    startPolling: () => poller.start(),
    stop: async () => {
      await poller.stop();
      client.destroy();
      sns.destroy();
      sqs.destroy();
      dynamodb.destroy();
    },
  };
}
