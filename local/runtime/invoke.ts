import { writeFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readState } from '../../cli/local-state';
import { parseSecrets } from '../../functions/adapters/secrets';
import { DEFAULT_INGEST_CONFIG } from '../../functions/core/ingest/ingest';
import { toApiGatewayEvent } from './api-gateway-event';
import { localDynamoDbClient } from './aws-env';
import { prepareDelivery, readDeliveryFile } from './delivery';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import { ensureEventsTable, LOCAL_TABLE_NAME } from './events-table';
import { loadIngestHandler } from './handler';
import { canConnect } from './net';
import { resolveWebhookSecret } from './webhook-secret';

export interface InvokeOptions {
  /** A JSON file with a webhook body (fixtures/*.json, say). */
  readonly file: string;
  /** Sign with this secret instead of the receiver's (to see a 401, for example). */
  readonly secret?: string;
  /** Use the file's bytes as they are instead of compacting them. */
  readonly raw?: boolean;
  /** Also write the generated API Gateway event here (for `sam local invoke -e`). */
  readonly eventOut?: string;
  /** The local mode's folder (state file, persisted secret). */
  readonly dir: string;
  /**
   * Where settings are read from (VOUCHERIFY_WEBHOOK_SECRET, TABLE_NAME, WEBHOOK_PATH). The handler itself always gets
   * its settings through process.env, as in Lambda.
   */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

export interface InvokeOutcome {
  readonly event: APIGatewayProxyEventV2;
  readonly result: APIGatewayProxyStructuredResultV2;
  readonly dynamodb: { readonly endpoint: string; readonly table: string; readonly startedForThisRun: boolean };
  readonly warnings: readonly string[];
}

/**
 * What `sam local invoke` does, without Docker: builds the API Gateway event for a signed delivery of `file` and runs
 * the ingest Lambda handler in this process. Uses the running local mode's DynamoDB and table when there is one;
 * otherwise starts an in-memory DynamoDB Local for this run only and stops it before returning.
 */
export async function invokeFile(options: InvokeOptions): Promise<InvokeOutcome> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const fileBytes = readDeliveryFile(options.file);

  const state = readState(options.dir);
  const running = state !== undefined && (await canConnect(state.endpoint));
  // VOUCHERIFY_WEBHOOK_SECRET, when set, is this run's secret even beside a running local mode: the README's SAM recipe
  // signs its event with a deployed stack's secret that way, without putting it on the command line.
  const configured = env.VOUCHERIFY_WEBHOOK_SECRET?.trim();
  const receiverSecret = configured || (running ? state.secret : resolveWebhookSecret(options.dir, env).value);
  const signingSecret = options.secret ?? parseSecrets(receiverSecret)[0] ?? receiverSecret;
  const table = running ? state.table : env.TABLE_NAME?.trim() || LOCAL_TABLE_NAME;

  let dynamodb: DynamoDbLocal | undefined;
  if (!running) {
    log('no local mode running (`npm start`): starting an in-memory DynamoDB Local for this run…');
    dynamodb = await startDynamoDbLocal();
  }
  const endpoint = running ? state.endpoint : (dynamodb as DynamoDbLocal).endpoint;
  const client = localDynamoDbClient(endpoint);
  try {
    await ensureEventsTable(client, table);
    const delivery = prepareDelivery(fileBytes, { secret: signingSecret, ...(options.raw ? { raw: true } : {}) });
    const event = toApiGatewayEvent({
      method: 'POST',
      path: env.WEBHOOK_PATH?.trim() || DEFAULT_INGEST_CONFIG.webhookPath,
      headers: delivery.headers,
      body: delivery.body,
    });
    if (options.eventOut) writeFileSync(options.eventOut, `${JSON.stringify(event, null, 2)}\n`);

    const handler = loadIngestHandler({ dynamodbEndpoint: endpoint, tableName: table, webhookSecret: receiverSecret });
    const result = await handler(event, { awsRequestId: event.requestContext.requestId });
    if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
      throw new Error('the ingest handler returned something other than a structured HTTP API result');
    }
    return {
      event,
      result: result as APIGatewayProxyStructuredResultV2,
      dynamodb: { endpoint, table, startedForThisRun: !running },
      warnings: delivery.warnings,
    };
  } finally {
    client.destroy();
    await dynamodb?.stop();
  }
}
