/**
 * `npm run invoke`'s function: the deployed handler run in-process with the API Gateway event for a signed file, on
 * the running local mode's DynamoDB when there is one, else on an in-memory DynamoDB Local started for the run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { writeState } from '../../cli/local-state';
import { SIGNATURE_HEADER, sign, stripJsonWhitespace } from '../../functions/core/ingest/signature';
import { type InvokeOutcome, invokeFile } from '../../local/runtime/invoke';
import { canConnect } from '../../local/runtime/net';
import { FIXTURES_DIR, loadFixture, TEST_SECRET } from '../../tools/fixtures';
import { createTestTable, dynamodbEndpoint, getEventItem, testClient } from '../helpers/dynamodb';

const FILE = join(FIXTURES_DIR, 'redemption.failed.json');
const EVENT_ID = loadFixture('redemption.failed').event.id;

let client: DynamoDBClient;
let table: string;
let dir: string;
let quiet: jest.SpyInstance;

/** Runs invoke as a fresh process would: the handler module is evaluated anew (a cold start) for each run. */
async function runInvoke(options: Omit<Parameters<typeof invokeFile>[0], 'file'>): Promise<InvokeOutcome> {
  let outcome: InvokeOutcome | undefined;
  await jest.isolateModulesAsync(async () => {
    outcome = await invokeFile({ file: FILE, ...options });
  });
  return outcome as InvokeOutcome;
}

beforeAll(async () => {
  client = testClient();
  table = await createTestTable(client, 'invoke');
  quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'invoke-test-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

afterAll(() => {
  quiet.mockRestore();
  client.destroy();
});

describe('with the local mode running', () => {
  beforeEach(() => {
    // What `npm start` writes; this test process stands in for it (the pid must be alive).
    writeState(dir, {
      url: 'http://127.0.0.1:3000/webhooks/voucherify',
      secret: TEST_SECRET,
      endpoint: dynamodbEndpoint(),
      table,
      region: 'us-east-1',
      pid: process.pid,
      inMemory: true,
      startedAt: new Date().toISOString(),
    });
  });

  it('runs the handler on its table, prints-worthy 202, and writes the event for `sam local invoke -e`', async () => {
    // Prepare
    const eventOut = join(dir, 'event.json');
    const compact = stripJsonWhitespace(readFileSync(FILE));

    // Act
    const outcome = await runInvoke({ dir, env: {}, eventOut });

    // Assess
    expect(outcome.result.statusCode).toBe(202);
    expect(JSON.parse(outcome.result.body ?? '')).toEqual({ status: 'accepted', eventId: EVENT_ID });
    expect(outcome.dynamodb).toEqual({ endpoint: dynamodbEndpoint(), table, startedForThisRun: false });
    expect((await getEventItem(client, table, EVENT_ID))?.status?.S).toBe('ACCEPTED');
    const written = JSON.parse(readFileSync(eventOut, 'utf8'));
    expect(written).toEqual(outcome.event);
    expect(written).toMatchObject({ version: '2.0', rawPath: '/webhooks/voucherify', isBase64Encoded: false });
    expect(written.requestContext.http.method).toBe('POST');
    expect(written.body).toBe(compact.toString('utf8'));
    expect(written.headers[SIGNATURE_HEADER]).toBe(sign(compact, TEST_SECRET));
  });

  it('answers 401 and stores nothing when signed with another secret (--secret)', async () => {
    const envelope = loadFixture('redemption.failed');
    const before = await getEventItem(client, table, envelope.event.id);

    const outcome = await runInvoke({ dir, env: {}, secret: 'not-the-receivers-secret' });

    expect(outcome.result.statusCode).toBe(401);
    expect(JSON.parse(outcome.result.body ?? '')).toMatchObject({ code: 'signature_invalid' });
    expect(await getEventItem(client, table, envelope.event.id)).toEqual(before);
  });
});

describe('without a local mode', () => {
  it('starts an in-memory DynamoDB Local for the run, stores the event there, and stops it afterwards', async () => {
    const outcome = await runInvoke({ dir, env: {} });

    expect(outcome.result.statusCode).toBe(202);
    expect(outcome.dynamodb.startedForThisRun).toBe(true);
    expect(outcome.dynamodb.table).toBe('voucherify-events');
    expect(outcome.dynamodb.endpoint).not.toBe(dynamodbEndpoint());
    expect(await canConnect(outcome.dynamodb.endpoint)).toBe(false);
    // The development secret it signed and verified with is kept for the next run, as `npm start` keeps it.
    expect(readFileSync(join(dir, 'webhook-secret'), 'utf8').trim()).toMatch(/^local-dev-/);
  }, 30_000); // Starting DynamoDB Local takes 2-4 s; jest's default per-test timeout is 5 s.
});
