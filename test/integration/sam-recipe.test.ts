/**
 * The README's `sam local invoke` recipe (Send a signed sample): the event it has `npm run invoke -- … --event-out`
 * write, signed with the deployed secret it reads from Secrets Manager into VOUCHERIFY_WEBHOOK_SECRET, is one the
 * deployed function accepts. The function runs here as it is configured in AWS (the secret by WEBHOOK_SECRET_ARN,
 * read through a GetSecretValue stand-in), on DynamoDB Local, with the event file as SAM would hand it over.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { writeState } from '../../cli/local-state';
import { applyLocalAwsEnv } from '../../local/runtime/aws-env';
import { invokeFile } from '../../local/runtime/invoke';
import { FIXTURES_DIR, loadFixture } from '../../tools/fixtures';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from '../../tools/secrets-manager-stand-in';
import { createTestTable, dynamodbEndpoint, getEventItem, testClient } from '../helpers/dynamodb';

const FILE = join(FIXTURES_DIR, 'redemption.failed.json');
const EVENT_ID = loadFixture('redemption.failed').event.id;
const DEPLOYED_SECRET = 'the-secret-voucherify-shows-in-project-settings';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:WebhookSecret-AbCdEf';

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

let client: DynamoDBClient;
let table: string;
/** The running local mode's table: invoke's own in-process run stores the event there, not in the deployed one. */
let localTable: string;
let secrets: SecretsManagerStandIn;
let dir: string;
let quiet: jest.SpyInstance;
/** Jest runs other test files in this process afterwards: what the handlers set in process.env must not leak. */
const savedEnv = { ...process.env };

function restoreEnv(): void {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
}

/** The recipe's first step: `npm run invoke -- <file> --event-out event.json` with the given environment. */
async function recipeEvent(env: NodeJS.ProcessEnv): Promise<APIGatewayProxyEventV2> {
  const eventOut = join(dir, 'event.json');
  await jest.isolateModulesAsync(async () => {
    await invokeFile({ file: FILE, dir, env, eventOut });
  });
  // What `sam local invoke -e event.json` reads.
  return JSON.parse(readFileSync(eventOut, 'utf8')) as APIGatewayProxyEventV2;
}

/** The deployed ingest function as the stack configures it (TABLE_NAME, WEBHOOK_SECRET_ARN), a cold start. */
function deployedHandler(): Handler {
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    delete process.env.VOUCHERIFY_WEBHOOK_SECRET;
    applyLocalAwsEnv(dynamodbEndpoint());
    Object.assign(process.env, {
      TABLE_NAME: table,
      WEBHOOK_SECRET_ARN: SECRET_ARN,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    });
    handler = (require('../../functions/ingest/handler') as { handler: Handler }).handler;
  });
  delete process.env.WEBHOOK_SECRET_ARN;
  if (!handler) throw new Error('the ingest handler did not load');
  return handler;
}

beforeAll(async () => {
  client = testClient();
  table = await createTestTable(client, 'samrecipe');
  localTable = await createTestTable(client, 'samrecipelocal');
  secrets = await startSecretsManagerStandIn(SECRET_ARN, DEPLOYED_SECRET);
  quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sam-recipe-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  restoreEnv();
});

afterAll(async () => {
  quiet.mockRestore();
  restoreEnv();
  await secrets.stop();
  client.destroy();
});

/** A running `npm start` (its state file, on the shared DynamoDB Local) with its own development secret. */
function localModeRunning(): void {
  writeState(dir, {
    url: 'http://127.0.0.1:3000/webhooks/voucherify',
    secret: 'the-local-development-secret',
    endpoint: dynamodbEndpoint(),
    table: localTable,
    region: 'us-east-1',
    pid: process.pid,
    inMemory: true,
    startedAt: new Date().toISOString(),
  });
}

it('the event the recipe writes (deployed secret in VOUCHERIFY_WEBHOOK_SECRET) is accepted by the deployed function', async () => {
  // Prepare: the secret as `aws secretsmanager get-secret-value --query SecretString --output text` prints it
  localModeRunning();
  const event = await recipeEvent({ VOUCHERIFY_WEBHOOK_SECRET: DEPLOYED_SECRET });

  // Act
  const result = await deployedHandler()(event);

  // Assess
  expect(result.statusCode).toBe(202);
  expect(JSON.parse(result.body ?? '')).toEqual({ status: 'accepted', eventId: EVENT_ID });
  expect((await getEventItem(client, table, EVENT_ID))?.status?.S).toBe('ACCEPTED');
  expect(secrets.requests).toContainEqual({ operation: 'GetSecretValue', secretId: SECRET_ARN });
});

it('without VOUCHERIFY_WEBHOOK_SECRET, a running npm start signs with its own secret, which the deployed function refuses', async () => {
  // Prepare
  localModeRunning();
  const event = await recipeEvent({});

  // Act
  const result = await deployedHandler()(event);

  // Assess
  expect(result.statusCode).toBe(401);
  expect(JSON.parse(result.body ?? '').code).toBe('signature_invalid');
});
