/**
 * The source allow-list through the real local door: an HTTP request to the local server, the API Gateway event built
 * from the socket's address, the deployed ingest handler with ALLOWED_SOURCE_IPS set as the stack sets it, DynamoDB
 * Local. And the cold start that refuses a malformed list.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigurationError } from '../../functions/core/ingest/config';
import { VOUCHERIFY_SENDER_IPS } from '../../functions/core/ingest/source-ip';
import { postDelivery, prepareDelivery } from '../../local/runtime/delivery';
import { type LocalServer, startLocalServer } from '../../local/runtime/server';
import { loadFixture, TEST_SECRET } from '../../tools/fixtures';
import { createTestTable, getEventItem, testClient } from '../helpers/dynamodb';
import { coldStartHandler } from '../helpers/receiver';

const WEBHOOK_PATH = '/webhooks/voucherify';

let client: DynamoDBClient;
let table: string;
const servers: LocalServer[] = [];
let quiet: jest.SpyInstance;

/** The local server in front of a handler cold-started with `ALLOWED_SOURCE_IPS` (the server's peer is 127.0.0.1). */
async function serverAllowing(entries: readonly string[]): Promise<string> {
  process.env.ALLOWED_SOURCE_IPS = entries.join(',');
  try {
    const handler = coldStartHandler({ tableName: table, webhookSecret: TEST_SECRET });
    const server = await startLocalServer({ handler, port: 0, maxBodyBytes: 256 * 1024 });
    servers.push(server);
    return `${server.origin}${WEBHOOK_PATH}`;
  } finally {
    delete process.env.ALLOWED_SOURCE_IPS;
  }
}

function delivery(suffix: string) {
  const envelope = loadFixture('redemption.rollback.failed');
  envelope.event.id = `${envelope.event.id}_${suffix}_${Date.now().toString(36)}`;
  return {
    eventId: envelope.event.id,
    delivery: prepareDelivery(Buffer.from(JSON.stringify(envelope)), { secret: TEST_SECRET }),
  };
}

beforeAll(async () => {
  client = testClient();
  table = await createTestTable(client, 'sources');
  quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterAll(async () => {
  for (const server of servers) await server.close();
  quiet.mockRestore();
  client.destroy();
});

it('refuses a signed event from an address outside the list with 403 source_not_allowed, and stores nothing', async () => {
  const url = await serverAllowing(VOUCHERIFY_SENDER_IPS.eu1);
  const { eventId, delivery: signed } = delivery('outside');

  const response = await postDelivery(url, signed);

  expect(response.status).toBe(403);
  expect(response.json).toEqual({
    code: 'source_not_allowed',
    message: expect.stringMatching(/^Requests from 127\.0\.0\.1 are not accepted/),
  });
  expect(await getEventItem(client, table, eventId)).toBeUndefined();
});

it('accepts the same event from a listed address (a CIDR block holding 127.0.0.1)', async () => {
  const url = await serverAllowing([...VOUCHERIFY_SENDER_IPS.eu1, '127.0.0.0/8']);
  const { eventId, delivery: signed } = delivery('inside');

  const response = await postDelivery(url, signed);

  expect(response.status).toBe(202);
  expect((await getEventItem(client, table, eventId))?.status?.S).toBe('ACCEPTED');
});

it('a malformed list stops the deployed handler at cold start, naming the bad entry', () => {
  process.env.ALLOWED_SOURCE_IPS = '34.247.197.22,34.247.197.0/40';
  try {
    expect(() => coldStartHandler({ tableName: table, webhookSecret: TEST_SECRET })).toThrow(
      expect.objectContaining({
        name: ConfigurationError.name,
        message: expect.stringContaining('ALLOWED_SOURCE_IPS must list IP addresses or CIDR blocks'),
      }),
    );
    expect(() => coldStartHandler({ tableName: table, webhookSecret: TEST_SECRET })).toThrow('"34.247.197.0/40"');
  } finally {
    delete process.env.ALLOWED_SOURCE_IPS;
  }
});
