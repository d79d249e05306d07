/**
 * Lambda entry for POST /webhooks/voucherify. Everything is built once per cold start; each request runs the core.
 * Environment: TABLE_NAME, WEBHOOK_SECRET_ARN (or VOUCHERIFY_WEBHOOK_SECRET outside AWS), SMOKE_SECRET_ARN (or
 * VOUCHERIFY_SMOKE_SECRET; optional), MAX_BODY_BYTES,
 * RETENTION_DAYS, LOG_LEVEL, POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE (logs and metrics),
 * POWERTOOLS_METRICS_DISABLED. The SDK honours AWS_ENDPOINT_URL_DYNAMODB, which the local mode uses.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { apiGatewayHandler } from '../adapters/api-gateway';
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

const secretsManager = new SecretsManagerClient({ maxAttempts: 1, requestHandler });
const secrets = settings.webhookSecretArn
  ? new SecretsManagerSource(secretsManager, settings.webhookSecretArn)
  : staticSecrets(settings.webhookSecretInline);
// Read only for a request the webhook secret did not verify (a smoke delivery), and cached like the webhook secret.
const smokeSecrets = settings.smokeSecretArn
  ? new SecretsManagerSource(secretsManager, settings.smokeSecretArn)
  : settings.smokeSecretInline
    ? staticSecrets(settings.smokeSecretInline)
    : undefined;

export const handler = withLambdaContext(
  logger,
  apiGatewayHandler(
    makeIngest({
      secrets,
      store: new DynamoDbEventStore(dynamodb, settings.tableName),
      logger: powertoolsLogger(logger),
      config: settings,
      metrics: powertoolsMetrics(metrics),
      ...(smokeSecrets ? { smokeSecrets } : {}),
    }),
  ),
);
