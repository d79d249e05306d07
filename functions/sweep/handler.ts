/**
 * Lambda entry of the scheduled case function (an EventBridge rule invokes it every minute): digests of closed burst
 * windows, the reminder of old unresolved cases, and the open-case metrics. Everything is built once per cold start.
 * Environment: TOPIC_ARN, TABLE_NAME, ALERT_BURST_LIMIT, ALERT_BURST_WINDOW_MINUTES, CASE_REMINDER_HOURS, LOG_LEVEL,
 * POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_METRICS_DISABLED, CHAT_TOPIC_ARN (chat, optional). The SDK honours
 * AWS_ENDPOINT_URL_SNS and AWS_ENDPOINT_URL_DYNAMODB, which the local mode uses.
 */
import { DynamoDbCaseStore } from '../adapters/dynamodb-case-store';
import {
  createPowertoolsLogger,
  powertoolsLogger,
  serviceName,
  withLambdaContext,
} from '../adapters/powertools-logger';
import { createPowertoolsMetrics, metricsNamespace, powertoolsMetrics } from '../adapters/powertools-metrics';
import { publisherSdkClients } from '../adapters/publisher-sdk';
import { noticePublisherFromEnv } from '../adapters/sns-notice-publisher';
import { SnsAlertPublisher } from '../adapters/sns-publisher';
import { makeSweepHandler } from './make-handler';
import { readSweepSettings } from './settings';

const settings = readSweepSettings(process.env);
const service = serviceName(process.env);
const logger = createPowertoolsLogger({ function: 'sweep', level: settings.logLevel, service });
const metrics = createPowertoolsMetrics({ namespace: metricsNamespace(process.env), service });

const { sns, dynamodb } = publisherSdkClients();

export const handler = withLambdaContext(
  logger,
  makeSweepHandler({
    store: new DynamoDbCaseStore(dynamodb, settings.tableName),
    publisher: new SnsAlertPublisher(sns, settings.topicArn),
    settings: settings.cases,
    logger: powertoolsLogger(logger),
    metrics: powertoolsMetrics(metrics),
    // Chat (Slack / Teams through Amazon Q) when the construct set CHAT_TOPIC_ARN; a no-op publisher otherwise.
    notices: noticePublisherFromEnv(sns, process.env),
  }),
);
