/**
 * Lambda entry for POST /webhooks/voucherify. Everything is built once per cold start; each request runs the core.
 * Environment: TABLE_NAME, WEBHOOK_SECRET_ARN (or VOUCHERIFY_WEBHOOK_SECRET outside AWS), MAX_BODY_BYTES,
 * RETENTION_DAYS, LOG_LEVEL, POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE (logs and metrics),
 * POWERTOOLS_METRICS_DISABLED. The SDK honours AWS_ENDPOINT_URL_DYNAMODB, which the local mode uses.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { apiGatewayHandler } from '../adapters/api-gateway';
import { DynamoDbErasureLedger } from '../adapters/dynamodb-erasure';
import { DynamoDbEventStore } from '../adapters/dynamodb-event-store';
import { sdkRequestHandler } from '../adapters/http';
import {
  createPowertoolsLogger,
  powertoolsLogger,
  serviceName,
  withLambdaContext,
} from '../adapters/powertools-logger';
import { createPowertoolsMetrics, metricsNamespace, powertoolsMetrics } from '../adapters/powertools-metrics';
import { SecretsManagerSource, staticSecrets } from '../adapters/secrets';
import { erasingStore } from '../core/erasure/on-arrival';
import { readIngestSettings } from '../core/ingest/config';
import { makeIngest } from '../core/ingest/ingest';

const settings = readIngestSettings(process.env);
const service = serviceName(process.env);
const logger = createPowertoolsLogger({ function: 'ingest', level: settings.logLevel, service });
// EMF lines on stdout: CloudWatch extracts the metrics from the log group, no API call per request.
const metrics = createPowertoolsMetrics({ namespace: metricsNamespace(process.env), service });

// Voucherify gives up on an answer after 10 s and the function times out at 8 s. Worst case, every attempt hanging to
// its timeout: one secret read (0.5 + 1.2 s; a failed read is not cached, the next request tries again) + 3 puts
// x (0.5 + 1.2) s + back-off stays under 8 s, so the answer is our own 503, not a timeout. A PutItem normally takes ms.
const requestHandler = sdkRequestHandler({ connectionTimeoutMs: 500, requestTimeoutMs: 1_200 });
const dynamodb = new DynamoDBClient({ maxAttempts: 3, requestHandler });
// The erasure-record read (only for events that name a customer) goes through the same client, with the put's
// retries: under a burst it must not fail where the put would not. A failed read answers 503 and Voucherify retries.
// With every attempt of every call hanging to its timeout the function's 8 s timeout now answers instead (also a 5xx,
// also retried); a read normally takes ms (docs/operating.md, "Erasing a customer").

const secrets = settings.webhookSecretArn
  ? new SecretsManagerSource(new SecretsManagerClient({ maxAttempts: 1, requestHandler }), settings.webhookSecretArn)
  : staticSecrets(settings.webhookSecretInline);

export const handler = withLambdaContext(
  logger,
  apiGatewayHandler(
    makeIngest({
      secrets,
      // Events of an erased customer are stored erased (docs/operating.md, "Erasing a customer").
      store: erasingStore(
        new DynamoDbEventStore(dynamodb, settings.tableName),
        new DynamoDbErasureLedger(dynamodb, settings.tableName),
      ),
      logger: powertoolsLogger(logger),
      config: settings,
      metrics: powertoolsMetrics(metrics),
    }),
  ),
);
