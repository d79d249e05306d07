/**
 * Benchmark-only Lambda entry: functions/ingest/handler.ts line for line, except that the validators are compiled by
 * ajv when the module loads instead of coming from the ahead-of-time generated module. Bundled with the generated
 * module stubbed out (see bundles.ts), it is what the receiver would be without ahead-of-time compilation.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { apiGatewayHandler } from '../../functions/adapters/api-gateway';
import { DynamoDbEventStore } from '../../functions/adapters/dynamodb-event-store';
import { SecretsManagerSource, staticSecrets } from '../../functions/adapters/secrets';
import { readIngestSettings } from '../../functions/core/config';
import { makeIngest } from '../../functions/core/ingest';
import { jsonLogger } from '../../functions/core/logger';
import { coldMarks } from './cold-marks';
import { compileValidatorsAtRuntime } from './runtime-validators';

const settings = readIngestSettings(process.env);

const requestHandler = new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 2_000 });
const dynamodb = new DynamoDBClient({ maxAttempts: 3, requestHandler });

const secrets = settings.webhookSecretArn
  ? new SecretsManagerSource(new SecretsManagerClient({ maxAttempts: 2, requestHandler }), settings.webhookSecretArn)
  : staticSecrets(settings.webhookSecretInline);

const compileStarted = performance.now();
const validators = compileValidatorsAtRuntime();
coldMarks().validatorsMs += performance.now() - compileStarted;

export const handler = apiGatewayHandler(
  makeIngest({
    secrets,
    store: new DynamoDbEventStore(dynamodb, settings.tableName),
    logger: jsonLogger({ level: settings.logLevel, base: { function: 'ingest' } }),
    config: settings,
    validators,
  }),
);
