/**
 * Lambda entry for POST /webhooks/voucherify. Everything is built once per cold start; each request runs the core.
 * Environment: TABLE_NAME, WEBHOOK_SECRET_ARN (or VOUCHERIFY_WEBHOOK_SECRET outside AWS), SMOKE_SECRET_ARN (or
 * VOUCHERIFY_SMOKE_SECRET; optional), MAX_BODY_BYTES, RETENTION_DAYS, BODY_BUCKET (bodies too large for their item),
 * LOG_LEVEL, POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE (logs and metrics), POWERTOOLS_METRICS_DISABLED.
 * The SDK honours AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_S3, which the local mode uses.
 */
import { apiGatewayHandler } from '../adapters/api-gateway';
import { DynamoDbErasureLedger } from '../adapters/dynamodb-erasure';
import { DynamoDbEventStore } from '../adapters/dynamodb-event-store';
import { ingestSdkClients } from '../adapters/ingest-sdk';
import {
  createPowertoolsLogger,
  powertoolsLogger,
  serviceName,
  withLambdaContext,
} from '../adapters/powertools-logger';
import { createPowertoolsMetrics, metricsNamespace, powertoolsMetrics } from '../adapters/powertools-metrics';
import { S3BodyStore } from '../adapters/s3-body-store';
import { SecretsManagerSource, staticSecrets } from '../adapters/secrets';
import { CachedErasureLookup } from '../core/erasure/erased-index';
import { readIngestSettings } from '../core/ingest/config';
import { makeIngest } from '../core/ingest/ingest';

const settings = readIngestSettings(process.env);
const service = serviceName(process.env);
const logger = createPowertoolsLogger({ function: 'ingest', level: settings.logLevel, service });
// EMF lines on stdout: CloudWatch extracts the metrics from the log group, no API call per request.
const metrics = createPowertoolsMetrics({ namespace: metricsNamespace(process.env), service });

// Timeouts and retries: see ingestSdkClients.
const clients = ingestSdkClients({
  secretsManager: settings.webhookSecretArn !== undefined || settings.smokeSecretArn !== undefined,
});
const secrets =
  settings.webhookSecretArn && clients.secretsManager
    ? new SecretsManagerSource(clients.secretsManager, settings.webhookSecretArn)
    : staticSecrets(settings.webhookSecretInline);
// Read only for a request the webhook secret did not verify (a smoke delivery), and cached like the webhook secret.
const smokeSecrets =
  settings.smokeSecretArn && clients.secretsManager
    ? new SecretsManagerSource(clients.secretsManager, settings.smokeSecretArn)
    : settings.smokeSecretInline
      ? staticSecrets(settings.smokeSecretInline)
      : undefined;

const erasureLedger = new DynamoDbErasureLedger(clients.dynamodb, settings.tableName);

export const handler = withLambdaContext(
  logger,
  apiGatewayHandler(
    makeIngest({
      secrets,
      store: new DynamoDbEventStore(clients.dynamodb, settings.tableName),
      // Events of an erased customer are stored erased (docs/operating.md, "Erasing a customer"): the index of erased
      // customers is read once a minute, a customer's record only when the index names them. The reads go through the
      // put's client, with its retries; a failed read answers 503 and Voucherify retries.
      erasures: new CachedErasureLookup(erasureLedger, erasureLedger),
      // Its SDK client is loaded only when a body first overflows (see S3BodyStore): not at cold start.
      bodies: new S3BodyStore({
        ...(settings.bodyBucket ? { bucket: settings.bodyBucket } : {}),
        // Two attempts: a body this large is rare, and its upload must leave the item's write room in the 8 s.
        clientConfig: { maxAttempts: 2, requestHandler: clients.requestHandler },
      }),
      logger: powertoolsLogger(logger),
      config: settings,
      metrics: powertoolsMetrics(metrics),
      ...(smokeSecrets ? { smokeSecrets } : {}),
    }),
  ),
);
