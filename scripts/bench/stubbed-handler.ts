import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { apiGatewayHandler } from '../../functions/adapters/api-gateway';
import { DynamoDbEventStore } from '../../functions/adapters/dynamodb-event-store';
import { staticSecrets } from '../../functions/adapters/secrets';
import { DEFAULT_INGEST_CONFIG, makeIngest } from '../../functions/core/ingest';
import { jsonLogger } from '../../functions/core/logger';
import { BENCH_SECRET } from './payloads';

/**
 * Answers every HTTP request of the SDK with DynamoDB's empty 200 at once, without a socket. Lets the benchmark time
 * the CPU the Lambda handler spends per event (API Gateway event mapping, core, SDK marshalling, SigV4 signing,
 * retries middleware, the log line) without the network round trip, which the cost model adds as a stated assumption.
 */
const stubRequestHandler = {
  handle: async () => ({
    response: {
      statusCode: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: new Uint8Array(Buffer.from('{}')),
    },
  }),
  updateHttpClientConfig: () => {},
  httpHandlerConfigs: () => ({}),
};

/**
 * The ingest Lambda handler composed as functions/ingest/handler.ts composes it (same adapters, same client options),
 * with the DynamoDB client's transport stubbed and log lines serialised but discarded (their bytes are counted: the
 * cost model prices them as CloudWatch Logs ingestion).
 */
export function stubbedIngestHandler() {
  const dynamodb = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 3,
    // The SDK's config type wants its own handler class; the stub has the same shape.
    requestHandler: stubRequestHandler as unknown as DynamoDBClientConfig['requestHandler'],
  });
  let loggedBytes = 0;
  const handler = apiGatewayHandler(
    makeIngest({
      secrets: staticSecrets(BENCH_SECRET),
      store: new DynamoDbEventStore(dynamodb, 'bench-events'),
      logger: jsonLogger({
        base: { function: 'ingest' },
        write: (line) => {
          loggedBytes += Buffer.byteLength(line) + 1;
        },
      }),
      config: DEFAULT_INGEST_CONFIG,
    }),
  );
  return { handler, loggedBytes: () => loggedBytes };
}
