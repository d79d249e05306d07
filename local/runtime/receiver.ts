import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DEFAULT_INGEST_CONFIG } from '../../functions/core/ingest';
import {
  alertsStreamPoller,
  createAlertTopic,
  latestStreamArn,
  loadAlertsHandler,
  localSnsClient,
  localSqsClient,
  type StreamHandler,
  startLocalSns,
  subscribeQueue,
} from './alerts';
import { localDynamoDbClient } from './aws-env';
import { startDynamoDbLocal } from './dynamodb-local';
import { ensureEventsTable } from './events-table';
import { loadIngestHandler } from './handler';
import { type HttpApiHandler, type LocalServer, startLocalServer } from './server';
import type { StreamPoller, StreamPollerOptions } from './stream-poller';

export interface LocalReceiverOptions {
  readonly tableName: string;
  readonly webhookSecret: string;
  /** The alert topic's name; `createAlertTopic`'s default when absent. */
  readonly topicName?: string;
  /** The queue subscribed to the alert topic, to read the alerts from. */
  readonly queueName: string;
  /** Handed to the stream poller. */
  readonly onGiveUp?: StreamPollerOptions['onGiveUp'];
  readonly log?: StreamPollerOptions['log'];
}

export interface LocalReceiver {
  /** The webhook URL: the server's origin and the default webhook path. */
  readonly url: string;
  readonly dynamodbEndpoint: string;
  /** fauxqs's endpoint, for SNS and SQS alike. */
  readonly snsEndpoint: string;
  /** A client on DynamoDB Local. */
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly topicArn: string;
  /** The queue subscribed to the topic. */
  readonly queueUrl: string;
  readonly ingest: HttpApiHandler;
  readonly alerts: StreamHandler;
  readonly server: LocalServer;
  readonly poller: StreamPoller;
  /** Stops everything, newest first. */
  stop(): Promise<void>;
}

/**
 * The receiver on this machine, in memory and on free ports, as `npm start` runs it: fauxqs with the alert topic and a
 * queue subscribed to it, DynamoDB Local with the events table, the deployed ingest handler behind the local HTTP
 * server, and the stream poller feeding the deployed alerts handler. For scripts that measure it (storm,
 * alerts-latency); `npm start` composes the same pieces as services of its own (data on disk, fixed ports, a DLQ, the
 * queue drained to the console). If a step fails, what was started is stopped and the error rethrown.
 */
export async function startLocalReceiver(options: LocalReceiverOptions): Promise<LocalReceiver> {
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step();
  };
  try {
    const fauxqs = await startLocalSns();
    stops.push(() => fauxqs.stop());
    const dynamodbLocal = await startDynamoDbLocal();
    stops.push(() => dynamodbLocal.stop());
    const dynamodb = localDynamoDbClient(dynamodbLocal.endpoint);
    stops.push(() => dynamodb.destroy());
    await ensureEventsTable(dynamodb, options.tableName);

    const sns = localSnsClient(fauxqs.endpoint);
    const sqs = localSqsClient(fauxqs.endpoint);
    stops.push(() => {
      sns.destroy();
      sqs.destroy();
    });
    const topicArn = await createAlertTopic(sns, options.topicName);
    const { queueUrl } = await subscribeQueue(sns, sqs, topicArn, options.queueName);

    // The handlers read their settings at load, as on a cold start: the ingest handler first, then the alerts one.
    const ingest = loadIngestHandler({
      dynamodbEndpoint: dynamodbLocal.endpoint,
      tableName: options.tableName,
      webhookSecret: options.webhookSecret,
    });
    const server = await startLocalServer({
      handler: ingest,
      port: 0,
      maxBodyBytes: DEFAULT_INGEST_CONFIG.maxBodyBytes,
    });
    stops.push(() => server.close());
    const alerts = loadAlertsHandler({
      dynamodbEndpoint: dynamodbLocal.endpoint,
      snsEndpoint: fauxqs.endpoint,
      tableName: options.tableName,
      topicArn,
    });
    const streamArn = await latestStreamArn(dynamodb, options.tableName);
    const { poller, client: streams } = alertsStreamPoller({
      dynamodbEndpoint: dynamodbLocal.endpoint,
      streamArn,
      invoke: alerts,
      onGiveUp: options.onGiveUp,
      log: options.log,
    });
    await poller.start();
    stops.push(async () => {
      await poller.stop();
      streams.destroy();
    });
    return {
      url: `${server.origin}${DEFAULT_INGEST_CONFIG.webhookPath}`,
      dynamodbEndpoint: dynamodbLocal.endpoint,
      snsEndpoint: fauxqs.endpoint,
      dynamodb,
      sns,
      sqs,
      topicArn,
      queueUrl,
      ingest,
      alerts,
      server,
      poller,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
