/**
 * Lambda entry for POST /webhooks/voucherify. Everything is built once per cold start; each request runs the core.
 * Environment: TABLE_NAME, WEBHOOK_SECRET_ARN (or VOUCHERIFY_WEBHOOK_SECRET outside AWS), MAX_BODY_BYTES,
 * RETENTION_DAYS, BODY_BUCKET (bodies too large for their item), LOG_LEVEL, POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE (logs and metrics),
 * POWERTOOLS_METRICS_DISABLED. The SDK honours AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_S3, which the local mode
 * uses.
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
import { S3BodyStore } from '../adapters/s3-body-store';
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

const secrets = settings.webhookSecretArn
  ? new SecretsManagerSource(new SecretsManagerClient({ maxAttempts: 1, requestHandler }), settings.webhookSecretArn)
  : staticSecrets(settings.webhookSecretInline);

export const handler = withLambdaContext(
  logger,
  apiGatewayHandler(
    makeIngest({
      secrets,
      store: new DynamoDbEventStore(dynamodb, settings.tableName),
      // Its SDK client is loaded only when a body first overflows (see S3BodyStore): not at cold start.
      bodies: new S3BodyStore({
        ...(settings.bodyBucket ? { bucket: settings.bodyBucket } : {}),
        // Two attempts: a body this large is rare, and its upload must leave the item's write room in the 8 s.
        clientConfig: { maxAttempts: 2, requestHandler },
      }),
      logger: powertoolsLogger(logger),
      config: settings,
      metrics: powertoolsMetrics(metrics),
    }),
  ),
);
