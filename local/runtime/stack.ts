import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type IngestSettings, readIngestSettings } from '../../functions/core/ingest/config';
import {
  alertsStreamPoller,
  createAlertTopic,
  type LocalSns,
  latestStreamArn,
  loadAlertsHandler,
  localSnsClient,
  localSqsClient,
  type StreamHandler,
  startLocalSns,
  subscribeQueue,
} from './alerts';
import { localDynamoDbClient } from './aws-env';
import { type DynamoDbLocal, type DynamoDbLocalOptions, startDynamoDbLocal } from './dynamodb-local';
import { type EnsureTableResult, ensureEventsTable } from './events-table';
import { loadIngestHandler } from './handler';
import { sqsOnFailureDestination } from './on-failure';
import { type LocalS3, localS3Env, startLocalS3 } from './s3-local';
import { type HttpApiHandler, type LocalServer, startLocalServer } from './server';
import type { LocalService } from './services';
import type { StreamPoller, StreamPollerOptions } from './stream-poller';
import { loadSweepHandler, type SweepHandler, sweepTimer } from './sweep';

export interface LocalStackOptions {
  readonly tableName: string;
  /** VOUCHERIFY_WEBHOOK_SECRET for the ingest handler. */
  readonly webhookSecret: string;
  /** VOUCHERIFY_SMOKE_SECRET for the ingest handler (`npm start` always has one); none: no smoke secret. */
  readonly smokeSecret?: string;
  /** DynamoDB Local: a free port, in memory, unless given. */
  readonly dynamodb?: DynamoDbLocalOptions;
  /** The HTTP server: a free port on 127.0.0.1 unless given; `log` gets a line per request. */
  readonly http?: { readonly port?: number; readonly host?: string; readonly log?: (line: string) => void };
  /** fauxqs's port; a free one when absent. */
  readonly snsPort?: number;
  /** The alert topic's name; `createAlertTopic`'s default when absent. */
  readonly topicName?: string;
  /** The queue subscribed to the alert topic, to read the alerts from. */
  readonly queueName: string;
  /**
   * A chat topic (what Amazon Q's channels read in AWS) with this queue subscribed to it, standing in for the channels;
   * the alerts handler gets CHAT_TOPIC_ARN as the stack gives it. No chat topic when absent.
   */
  readonly chat?: { readonly topicName: string; readonly queueName: string };
  /** A queue for the mapping's on-failure destination, as in AWS: one message per given-up batch, describing it. */
  readonly dlqName?: string;
  /** Handed to the stream poller (after the on-failure message, when there is a DLQ). */
  readonly onGiveUp?: StreamPollerOptions['onGiveUp'];
  readonly log?: StreamPollerOptions['log'];
  /** Where s3rver keeps bodies too large for their item. @default - a temporary folder, removed on stop */
  readonly s3Dir?: string;
  /** Told whether the table was created, and how an existing one differs from the stack's. */
  readonly onTable?: (result: EnsureTableResult) => void;
  /** Told when DynamoDB Local exits on its own. */
  readonly onDynamoDbExit?: (description: string) => void;
  /**
   * Run the scheduled case function (digests, reminders, metrics) every this many ms, as the EventBridge rule does in
   * AWS; absent: only when called (`parts().sweep`).
   */
  readonly sweepIntervalMs?: number;
  /** Told when a scheduled run fails (the timer goes on). */
  readonly onSweepError?: (error: unknown) => void;
}

/** What the stack's services started. */
export interface LocalStackParts {
  /** The webhook URL: the server's origin and the webhook path. */
  readonly url: string;
  readonly dynamodbLocal: DynamoDbLocal;
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
  /** The chat topic and the queue subscribed to it, when `chat` was given. */
  readonly chat?: { readonly topicArn: string; readonly queueUrl: string };
  /** The on-failure queue, when `dlqName` was given. */
  readonly dlqUrl?: string;
  readonly ingest: HttpApiHandler;
  readonly alerts: StreamHandler;
  /** The scheduled case function: one run (the timer calls the same). */
  readonly sweep: SweepHandler;
  readonly server: LocalServer;
  readonly poller: StreamPoller;
}

export interface LocalStack {
  /** In start order; every stop is safe before, during or after its start. */
  readonly services: readonly LocalService[];
  /** The started parts; throws if asked before the services have started. */
  parts(): LocalStackParts;
}

/**
 * The receiver on this machine, composed once for `npm start`, the storm and the alerts latency script: fauxqs with
 * the alert topic and a queue subscribed to it, DynamoDB Local with the events table, the deployed ingest handler
 * behind the local HTTP server, and the table's stream read as Lambda's event source mapping would and handed to the
 * deployed alerts handler. Each piece is a {@link LocalService}; callers add their own (npm start drains the queue to
 * the console) and start them with startServices.
 */
export function localStack(options: LocalStackOptions): LocalStack {
  // The body limit and webhook path, read from the environment as the ingest handler reads them once it is loaded.
  let ingestSettings: IngestSettings | undefined;
  let fauxqs: LocalSns | undefined;
  let sns: SNSClient | undefined;
  let sqs: SQSClient | undefined;
  let topicArn: string | undefined;
  let queueUrl: string | undefined;
  let dlqUrl: string | undefined;
  let chat: { topicArn: string; queueUrl: string } | undefined;
  let dynamodbLocal: DynamoDbLocal | undefined;
  let s3: LocalS3 | undefined;
  let dynamodb: DynamoDBClient | undefined;
  let ingest: HttpApiHandler | undefined;
  let server: LocalServer | undefined;
  let alerts: StreamHandler | undefined;
  let poller: StreamPoller | undefined;
  let streams: DynamoDBStreamsClient | undefined;
  let sweep: SweepHandler | undefined;
  let timer: ReturnType<typeof sweepTimer> | undefined;

  const services: LocalService[] = [
    {
      name: 'SNS/SQS (fauxqs)',
      start: async () => {
        fauxqs = await startLocalSns(options.snsPort ? { port: options.snsPort } : {});
        sns = localSnsClient(fauxqs.endpoint);
        sqs = localSqsClient(fauxqs.endpoint);
        topicArn = await createAlertTopic(sns, options.topicName);
        ({ queueUrl } = await subscribeQueue(sns, sqs, topicArn, options.queueName));
        if (options.chat) {
          const chatTopicArn = await createAlertTopic(sns, options.chat.topicName);
          const { queueUrl: chatQueueUrl } = await subscribeQueue(sns, sqs, chatTopicArn, options.chat.queueName);
          chat = { topicArn: chatTopicArn, queueUrl: chatQueueUrl };
        }
        if (options.dlqName) dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: options.dlqName }))).QueueUrl;
      },
      stop: async () => {
        sns?.destroy();
        sqs?.destroy();
        await fauxqs?.stop();
      },
    },
    {
      name: 'DynamoDB Local',
      start: async () => {
        dynamodbLocal = await startDynamoDbLocal(options.dynamodb ?? {});
        if (options.onDynamoDbExit) dynamodbLocal.onUnexpectedExit(options.onDynamoDbExit);
        dynamodb = localDynamoDbClient(dynamodbLocal.endpoint);
      },
      stop: async () => {
        dynamodb?.destroy();
        await dynamodbLocal?.stop();
      },
    },
    {
      name: 'events table',
      start: async () => {
        const result = await ensureEventsTable(required(dynamodb), options.tableName);
        options.onTable?.(result);
      },
      stop: async () => {},
    },
    {
      name: 'S3 (s3rver)',
      start: async () => {
        s3 = await startLocalS3(options.s3Dir ? { directory: options.s3Dir } : {});
        // Read by the ingest handler at load (BODY_BUCKET) and by every body reader's S3 client (the endpoint).
        Object.assign(process.env, localS3Env(s3));
      },
      stop: async () => s3?.stop(),
    },
    {
      name: 'webhook receiver',
      start: async () => {
        // The handlers read their settings at load, as on a cold start: the ingest handler first, then the alerts one.
        ingest = loadIngestHandler({
          dynamodbEndpoint: required(dynamodbLocal).endpoint,
          tableName: options.tableName,
          webhookSecret: options.webhookSecret,
          ...(options.smokeSecret !== undefined ? { smokeSecret: options.smokeSecret } : {}),
        });
        ingestSettings = readIngestSettings(process.env);
        const port = options.http?.port ?? 0;
        server = await startLocalServer({
          handler: ingest,
          port,
          ...(options.http?.host ? { host: options.http.host } : {}),
          maxBodyBytes: ingestSettings.maxBodyBytes,
          ...(options.http?.log ? { log: options.http.log } : {}),
        }).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'EADDRINUSE') throw new Error(`port ${port} is in use; try PORT=${port + 1} npm start`);
          throw error;
        });
      },
      stop: async () => server?.close(),
    },
    {
      name: 'alerts',
      start: async () => {
        const dynamodbEndpoint = required(dynamodbLocal).endpoint;
        alerts = loadAlertsHandler({
          dynamodbEndpoint,
          snsEndpoint: required(fauxqs).endpoint,
          tableName: options.tableName,
          topicArn: required(topicArn),
          ...(chat ? { chatTopicArn: chat.topicArn } : {}),
        });
        const streamArn = await latestStreamArn(required(dynamodb), options.tableName);
        const toDlq = dlqUrl ? sqsOnFailureDestination(required(sqs), dlqUrl) : undefined;
        const onGiveUp = options.onGiveUp;
        ({ poller, client: streams } = alertsStreamPoller({
          dynamodbEndpoint,
          streamArn,
          invoke: alerts,
          ...(toDlq || onGiveUp
            ? {
                onGiveUp: async (records, reason, given) => {
                  await toDlq?.(records, reason, given);
                  await onGiveUp?.(records, reason, given);
                },
              }
            : {}),
          ...(options.log ? { log: options.log } : {}),
        }));
        await poller.start();
      },
      stop: async () => {
        await poller?.stop();
        streams?.destroy();
      },
    },
    {
      name: 'scheduled case function',
      start: async () => {
        sweep = loadSweepHandler({
          dynamodbEndpoint: required(dynamodbLocal).endpoint,
          snsEndpoint: required(fauxqs).endpoint,
          tableName: options.tableName,
          topicArn: required(topicArn),
          ...(chat ? { chatTopicArn: chat.topicArn } : {}),
        });
        if (options.sweepIntervalMs) {
          const run = required(sweep);
          timer = sweepTimer({
            run: () => run({}),
            intervalMs: options.sweepIntervalMs,
            onError: options.onSweepError ?? (() => {}),
          });
          timer.start();
        }
      },
      stop: async () => {
        await timer?.stop();
      },
    },
  ];

  return {
    services,
    parts: () => ({
      url: `${required(server).origin}${required(ingestSettings).webhookPath}`,
      dynamodbLocal: required(dynamodbLocal),
      dynamodbEndpoint: required(dynamodbLocal).endpoint,
      snsEndpoint: required(fauxqs).endpoint,
      dynamodb: required(dynamodb),
      sns: required(sns),
      sqs: required(sqs),
      topicArn: required(topicArn),
      queueUrl: required(queueUrl),
      ...(dlqUrl ? { dlqUrl } : {}),
      ...(chat ? { chat } : {}),
      ingest: required(ingest),
      alerts: required(alerts),
      sweep: required(sweep),
      server: required(server),
      poller: required(poller),
    }),
  };
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('internal: a part of the local stack was used before it started');
  return value;
}
