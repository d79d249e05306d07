/**
 * Lambda entry for the events table's stream (filtered to new rollback failures by the event source mapping).
 * Everything is built once per cold start; each batch runs `makeAlertsHandler`.
 * Environment: TOPIC_ARN, TABLE_NAME, INCLUDE_CUSTOMER_EMAIL, ALERT_BURST_LIMIT, ALERT_BURST_WINDOW_MINUTES, LOG_LEVEL, POWERTOOLS_SERVICE_NAME and
 * POWERTOOLS_METRICS_NAMESPACE (logs and metrics), POWERTOOLS_METRICS_DISABLED, CHAT_TOPIC_ARN (chat, optional). The SDK honours AWS_ENDPOINT_URL_SNS and AWS_ENDPOINT_URL_DYNAMODB, which the local mode uses.
 */
import { DynamoDbAlertLedger } from '../adapters/dynamodb-alert-ledger';
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
import { makeAlertsHandler } from './make-handler';
import { readAlertsSettings } from './settings';

const settings = readAlertsSettings(process.env);
const service = serviceName(process.env);
const logger = createPowertoolsLogger({ function: 'alerts', level: settings.logLevel, service });
const metrics = createPowertoolsMetrics({ namespace: metricsNamespace(process.env), service });

const { sns, dynamodb } = publisherSdkClients();

export const handler = withLambdaContext(
  logger,
  makeAlertsHandler({
    publisher: new SnsAlertPublisher(sns, settings.topicArn),
    ledger: new DynamoDbAlertLedger(dynamodb, settings.tableName),
    logger: powertoolsLogger(logger),
    metrics: powertoolsMetrics(metrics),
    options: { includeCustomerEmail: settings.includeCustomerEmail },
    cases: { store: new DynamoDbCaseStore(dynamodb, settings.tableName), settings: settings.cases },
    // Chat (Slack / Teams through Amazon Q) when the construct set CHAT_TOPIC_ARN; a no-op publisher otherwise.
    notices: noticePublisherFromEnv(sns, process.env),
  }),
);
