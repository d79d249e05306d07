/**
 * The local mode's HTTP server end to end: a real HTTP request, the API Gateway event built from its raw bytes, the
 * deployed handler, DynamoDB Local. Deliveries are made with the same code `npm run send` uses.
 */
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SIGNATURE_HEADER, sign } from '../../functions/core/ingest/signature';
import {
  type DeliveryResponse,
  postDelivery,
  prepareDelivery,
  ReceiverUnreachableError,
  readDeliveryFile,
} from '../../local/runtime/delivery';
import { freePort } from '../../local/runtime/net';
import { type HttpApiHandler, type LocalServer, startLocalServer } from '../../local/runtime/server';
import { FIXTURES_DIR, loadFixture, TEST_SECRET } from '../../tools/fixtures';
import { createTestTable, getEventItem, scanAll, testClient } from '../helpers/dynamodb';
import { coldStartHandler, expectNothingSecret } from '../helpers/receiver';

const MAX_BODY_BYTES = 256 * 1024;
const WEBHOOK_PATH = '/webhooks/voucherify';

let client: DynamoDBClient;
let table: string;
let handler: jest.Mock<ReturnType<HttpApiHandler>, Parameters<HttpApiHandler>>;
let server: LocalServer;
let url: string;
let quiet: jest.SpyInstance;

/** A delivery of a JSON document of about `bytes` bytes, signed with `secret`. */
function bigDelivery(bytes: number, eventId: string, secret = TEST_SECRET) {
  const envelope = loadFixture('redemption.failed');
  envelope.event.id = eventId;
  envelope.data.padding = 'x'.repeat(bytes);
  return prepareDelivery(Buffer.from(JSON.stringify(envelope)), { secret });
}

/** The receiver's own 413: a body over maxBodyBytes whose signature does not verify. */
function expectTooLarge(response: DeliveryResponse): void {
  expect(response.status).toBe(413);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json as Record<string, unknown>;
  expect(body.code).toBe('payload_too_large');
  expect(body.message).toContain(`up to ${MAX_BODY_BYTES} bytes`);
  expectNothingSecret(response.bodyText, [TEST_SECRET]);
}

/** The platform's 413 (what API Gateway answers when Lambda cannot be handed the request): the handler never runs. */
function expectPlatformTooLarge(response: DeliveryResponse): void {
  expect(response.status).toBe(413);
  expect(response.json).toEqual({ message: 'Request Entity Too Large' });
}

beforeAll(async () => {
  client = testClient();
  table = await createTestTable(client, 'server');
  quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const deployed = coldStartHandler({ tableName: table, webhookSecret: TEST_SECRET });
  handler = jest.fn(deployed);
  server = await startLocalServer({ handler, port: 0, maxBodyBytes: MAX_BODY_BYTES });
  url = `${server.origin}${WEBHOOK_PATH}`;
});

afterAll(async () => {
  await server.close();
  quiet.mockRestore();
  client.destroy();
});

beforeEach(() => handler.mockClear());

it('accepts a signed fixture sent as `npm run send` sends it, and stores it', async () => {
  // Prepare
  const file = join(FIXTURES_DIR, 'redemption.rollback.failed.json');
  const delivery = prepareDelivery(readDeliveryFile(file), { secret: TEST_SECRET });
  const eventId = loadFixture('redemption.rollback.failed').event.id;

  // Act
  const response = await postDelivery(url, delivery);

  // Assess
  expect(response.status).toBe(202);
  expect(response.json).toEqual({ status: 'accepted', eventId });
  const item = await getEventItem(client, table, eventId);
  expect(item?.status?.S).toBe('ACCEPTED');
  expect(item?.sendoutId?.S).toBe('whs_0e3ac8bf0b4531c401');
  // The handler saw an API Gateway v2 event carrying the exact bytes that were sent.
  const event = handler.mock.calls[0]?.[0];
  expect(event?.version).toBe('2.0');
  expect(event?.requestContext.http.method).toBe('POST');
  expect(event?.rawPath).toBe(WEBHOOK_PATH);
  expect(Buffer.from(event?.body ?? '', event?.isBase64Encoded ? 'base64' : 'utf8').equals(delivery.body)).toBe(true);

  const again = await postDelivery(url, delivery);
  expect(again.status).toBe(200);
  expect(again.json).toEqual({ status: 'duplicate', eventId });
});

it('passes a binary content type through base64, as API Gateway does, and still verifies the raw bytes', async () => {
  const envelope = loadFixture('redemption.failed');
  envelope.event.id = `${envelope.event.id}_octets`;
  const delivery = prepareDelivery(Buffer.from(JSON.stringify(envelope)), { secret: TEST_SECRET });

  const response = await postDelivery(url, {
    ...delivery,
    headers: { ...delivery.headers, 'content-type': 'application/octet-stream' },
  });

  expect(response.status).toBe(202);
  expect(handler.mock.calls[0]?.[0].isBase64Encoded).toBe(true);
  expect((await getEventItem(client, table, envelope.event.id))?.status?.S).toBe('ACCEPTED');
});

it('answers an unsigned 2 MB body with the receiver`s 413 and stores nothing', async () => {
  const eventId = `evrf_two_megabytes_${Date.now()}`;
  const delivery = bigDelivery(2 * 1024 * 1024, eventId, 'not-the-webhook-secret');
  const count = (await scanAll(client, table)).length;

  const response = await postDelivery(url, delivery);

  expectTooLarge(response);
  expect(await getEventItem(client, table, eventId)).toBeUndefined();
  expect((await scanAll(client, table)).length).toBe(count);
});

it('accepts an authentic 2 MB body and stores it whole (issue 21: no authentic event is bounced for its size)', async () => {
  const eventId = `evrf_two_megabytes_signed_${Date.now()}`;
  const delivery = bigDelivery(2 * 1024 * 1024, eventId);

  const response = await postDelivery(url, delivery);

  expect(response.status).toBe(202);
  expect((await getEventItem(client, table, eventId))?.status?.S).toBe('ACCEPTED');
});

it('answers the platform`s 413 when the event (not the body) would exceed Lambda`s 6 MB, without calling the handler', async () => {
  // 3.2 MB of quotes: the body is well under 6 MB, but each quote is escaped in the event (a JSON string), so the
  // invocation payload is over Lambda's limit. The limit is on the event, not the body.
  const envelope = loadFixture('redemption.failed');
  envelope.data.padding = '"'.repeat(1_600_000); // written \" in the body, \\\" in the event
  const delivery = prepareDelivery(Buffer.from(JSON.stringify(envelope)), { secret: TEST_SECRET });
  expect(delivery.body.length).toBeLessThan(6 * 1024 * 1024);
  handler.mockClear();

  const response = await postDelivery(url, delivery);

  expectPlatformTooLarge(response);
  expect(handler).not.toHaveBeenCalled();
});

describe('a body over the read limit', () => {
  let capped: LocalServer;
  beforeAll(async () => {
    capped = await startLocalServer({ handler, port: 0, maxBodyBytes: MAX_BODY_BYTES, readLimitBytes: 512 * 1024 });
  });
  afterAll(() => capped.close());

  it('is refused with the same 413 answer without reaching the handler (declared length)', async () => {
    const eventId = `evrf_declared_${Date.now()}`;
    const delivery = bigDelivery(2 * 1024 * 1024, eventId);

    const response = await postDelivery(`${capped.origin}${WEBHOOK_PATH}`, delivery);

    expectPlatformTooLarge(response);
    expect(response.headers.connection).toBe('close');
    expect(handler).not.toHaveBeenCalled();
    expect(await getEventItem(client, table, eventId)).toBeUndefined();
  });

  it('is refused while streaming when no length is declared (chunked), without buffering the rest', async () => {
    // A sender that would go on for 64 MB: the server must answer long before that.
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const body = { status: 0, text: '', sentBytes: 0 };
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${capped.origin}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: sign('x', TEST_SECRET) },
      });
      req.on('response', (res) => {
        body.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          body.text += text;
        });
        res.on('end', resolve);
      });
      // The server closes the connection after answering; the writer may notice that first.
      req.on('error', (error: NodeJS.ErrnoException) => (body.status ? resolve() : reject(error)));
      const pump = () => {
        while (body.sentBytes < 64 * 1024 * 1024 && body.status === 0) {
          body.sentBytes += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });

    expect(body.status).toBe(413);
    expect(JSON.parse(body.text)).toEqual({ message: 'Request Entity Too Large' });
    expect(body.sentBytes).toBeLessThan(64 * 1024 * 1024);
    expect(handler).not.toHaveBeenCalled();
  });
});

it('answers other paths and methods as the receiver does (404, 405), through the handler', async () => {
  const notFound = await fetch(`${server.origin}/nothing-here`, { method: 'POST', body: '{}' });
  const wrongMethod = await fetch(url);

  expect(notFound.status).toBe(404);
  expect(await notFound.json()).toMatchObject({ code: 'not_found' });
  expect(wrongMethod.status).toBe(405);
  expect(wrongMethod.headers.get('allow')).toBe('POST');
  expect(await wrongMethod.json()).toMatchObject({ code: 'method_not_allowed' });
  expect(handler).toHaveBeenCalledTimes(2);
});

it('tells `send` plainly when nothing is listening', async () => {
  const port = await freePort();
  const delivery = prepareDelivery(Buffer.from('{}'), { secret: TEST_SECRET });

  const failure = postDelivery(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, delivery);

  await expect(failure).rejects.toBeInstanceOf(ReceiverUnreachableError);
  await expect(failure).rejects.toThrow(`no answer from http://127.0.0.1:${port}${WEBHOOK_PATH} (ECONNREFUSED)`);
});
