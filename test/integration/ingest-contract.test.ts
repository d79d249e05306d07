/**
 * The ingest contract, row by row, through the deployed Lambda handler (functions/ingest/handler.ts, configured by
 * environment as the stack does) on a real DynamoDB Local table. Every test checks the answer and what the table holds.
 */
import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { sign } from '../../functions/core/ingest/signature';
import { decodeBody } from '../../functions/core/shared/body-codec';
import { compactBody, type Envelope, loadFixture, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { createTestTable, getEventItem, type Item, scanAll, testClient } from '../helpers/dynamodb';
import { apiEvent, coldStartHandler, expectErrorAnswer, expectNothingSecret, invoke } from '../helpers/receiver';

let client: DynamoDBClient;
let table: string;
let handler: ReturnType<typeof coldStartHandler>;
const logLines: string[] = [];
let outputSpies: jest.SpyInstance[] = [];
let counter = 0;

/** A fixture with an event id (and send-out id) no other test uses. */
function freshEnvelope(name = 'redemption.rollback.failed'): Envelope {
  const envelope = loadFixture(name);
  counter += 1;
  const suffix = `${Date.now().toString(36)}${counter}`;
  envelope.event.id = `${envelope.event.id}_${suffix}`;
  envelope.id = `whs_${suffix}`;
  return envelope;
}

async function itemCount(): Promise<number> {
  return (await scanAll(client, table)).length;
}

function storedBody(item: Item): Buffer {
  return decodeBody(item.body?.B ?? new Uint8Array(), item.bodyEncoding?.S ?? '');
}

beforeAll(async () => {
  client = testClient();
  table = await createTestTable(client, 'contract');
  // The handler logs JSON lines (Powertools: INFO to stdout, WARN and ERROR to stderr; Lambda keeps both); keep them
  // to check they never carry a secret or a signature.
  outputSpies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logLines.push(String(chunk));
      return true;
    }),
  );
  handler = coldStartHandler({ tableName: table, webhookSecret: TEST_SECRET });
});

afterAll(() => {
  for (const spy of outputSpies) spy.mockRestore();
  client.destroy();
});

describe('valid signature, valid envelope and data', () => {
  it('answers 202 accepted and stores one ACCEPTED item with the raw body and lifted fields', async () => {
    // Prepare
    const envelope = freshEnvelope();
    const request = signedRequest(envelope);
    const before = Date.now();

    // Act
    const result = await invoke(handler, apiEvent(request));

    // Assess
    expect(result.statusCode).toBe(202);
    expect(result.body).toEqual({ status: 'accepted', eventId: envelope.event.id });
    const items = (await scanAll(client, table)).filter((item) => item.pk?.S === envelope.event.id);
    expect(items).toHaveLength(1);
    const item = items[0] as Item;
    expect(item.status?.S).toBe('ACCEPTED');
    expect(item.type?.S).toBe('redemption.rollback.failed');
    expect(item.sendoutId?.S).toBe(envelope.id);
    expect(item.issues).toBeUndefined();
    expect(storedBody(item).equals(request.body)).toBe(true);
    expect(Number(item.bodyBytes?.N)).toBe(request.body.length);
    const receivedAt = Date.parse(item.receivedAt?.S ?? '');
    expect(receivedAt).toBeGreaterThanOrEqual(before - 1_000);
    expect(Number(item.expiresAt?.N)).toBe(Math.floor(receivedAt / 1000) + 365 * 86_400);
  });
});

describe('the same event.id again', () => {
  it('answers 200 duplicate to a byte-identical redelivery and changes nothing', async () => {
    const envelope = freshEnvelope();
    const request = signedRequest(envelope);
    expect((await invoke(handler, apiEvent(request))).statusCode).toBe(202);
    const before = await getEventItem(client, table, envelope.event.id);
    const count = await itemCount();

    const again = await invoke(handler, apiEvent(request));

    expect(again.statusCode).toBe(200);
    expect(again.body).toEqual({ status: 'duplicate', eventId: envelope.event.id });
    expect(await getEventItem(client, table, envelope.event.id)).toEqual(before);
    expect(await itemCount()).toBe(count);
  });

  it('answers 200 duplicate to a new send-out of the same event (different envelope id) and keeps the first item', async () => {
    const envelope = freshEnvelope('redemption.failed');
    expect((await invoke(handler, apiEvent(signedRequest(envelope)))).statusCode).toBe(202);
    const before = await getEventItem(client, table, envelope.event.id);
    const count = await itemCount();
    const resend = { ...envelope, id: `${envelope.id}_second_sendout`, created_at: '2024-02-02T12:30:00.000Z' };

    const again = await invoke(handler, apiEvent(signedRequest(resend)));

    expect(again.statusCode).toBe(200);
    expect(again.body).toEqual({ status: 'duplicate', eventId: envelope.event.id });
    const after = await getEventItem(client, table, envelope.event.id);
    expect(after).toEqual(before);
    expect(after?.sendoutId?.S).toBe(envelope.id);
    expect(await itemCount()).toBe(count);
  });
});

describe('missing or wrong x-voucherify-signature', () => {
  const cases = [
    { name: 'missing', headers: { 'x-voucherify-signature': undefined }, code: 'signature_missing' },
    { name: 'empty', headers: { 'x-voucherify-signature': '' }, code: 'signature_missing' },
    { name: 'not a hex HMAC', headers: { 'x-voucherify-signature': 'sha256=abc' }, code: 'signature_malformed' },
    { name: 'signed with another secret', secret: 'some-other-secret', code: 'signature_invalid' },
  ] as const;

  it.each(cases)('$name: answers 401 $code and stores nothing', async (testCase) => {
    const envelope = freshEnvelope();
    const body = compactBody(envelope);
    const request = signedRequest(envelope, {
      ...('secret' in testCase ? { secret: testCase.secret } : {}),
    });
    const headers: Record<string, string | undefined> = {
      ...request.headers,
      ...('headers' in testCase ? testCase.headers : {}),
    };
    const count = await itemCount();

    const result = await invoke(handler, apiEvent({ headers, body }));

    expectErrorAnswer(result, 401, testCase.code, [
      TEST_SECRET,
      sign(body, TEST_SECRET),
      request.headers['x-voucherify-signature'] ?? '',
    ]);
    expect(await getEventItem(client, table, envelope.event.id)).toBeUndefined();
    expect(await itemCount()).toBe(count);
  });

  it('answers 401 to a body changed after signing (one byte)', async () => {
    const envelope = freshEnvelope();
    const request = signedRequest(envelope);
    const tampered = Buffer.from(
      request.body.toString('utf8').replace('"already_rolled_back"', '"already_rolled_bacK"'),
    );
    expect(tampered.equals(request.body)).toBe(false);

    const result = await invoke(handler, apiEvent({ headers: request.headers, body: tampered }));

    expectErrorAnswer(result, 401, 'signature_invalid', [TEST_SECRET, sign(tampered, TEST_SECRET)]);
    expect(await getEventItem(client, table, envelope.event.id)).toBeUndefined();
  });
});

describe('authentic but not JSON, or failing the schema', () => {
  it('quarantines a body that is not JSON under sha256:<hex>, keeps its bytes, and deduplicates it', async () => {
    const body = Buffer.from(`{"id": "whs_${Date.now()}", "type": "redemption.failed", oops`);
    const key = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const request = signedRequest(undefined, { body });

    const result = await invoke(handler, apiEvent(request));

    expect(result.statusCode).toBe(202);
    expect(result.body).toMatchObject({ status: 'quarantined', eventId: key });
    const errors = result.body.errors as { pointer: string; message: string }[];
    expect(errors).toEqual([{ pointer: '/', message: expect.stringMatching(/^the body is not valid JSON/) }]);
    expectNothingSecret(result.rawBody, [TEST_SECRET, request.headers['x-voucherify-signature'] ?? '']);
    const item = await getEventItem(client, table, key);
    expect(item?.status?.S).toBe('QUARANTINED');
    expect(JSON.parse(item?.issues?.S ?? '[]')).toEqual(errors);
    expect(storedBody(item as Item).equals(body)).toBe(true);
    expect(item?.type).toBeUndefined();

    const count = await itemCount();
    const again = await invoke(handler, apiEvent(request));
    expect(again.statusCode).toBe(200);
    expect(again.body).toEqual({ status: 'duplicate', eventId: key });
    expect(await itemCount()).toBe(count);
  });

  it('quarantines an envelope that fails the schema under its event.id, with pointer + message errors', async () => {
    const envelope = freshEnvelope();
    (envelope as Record<string, unknown>).created_at = 'yesterday';
    ((envelope.data.redemption_rollback as Record<string, unknown>) ?? {}).status = 'EXPLODED';
    const request = signedRequest(envelope);

    const result = await invoke(handler, apiEvent(request));

    expect(result.statusCode).toBe(202);
    expect(result.body).toMatchObject({ status: 'quarantined', eventId: envelope.event.id });
    expect(result.body.message).toMatch(/stored for inspection/);
    const errors = result.body.errors as { pointer: string; message: string }[];
    expect(errors).toEqual(
      expect.arrayContaining([{ pointer: '/created_at', message: expect.stringContaining('date-time') }]),
    );
    for (const error of errors) {
      expect(error.pointer).toMatch(/^\//);
      expect(error.message.length).toBeGreaterThan(3);
    }
    const item = await getEventItem(client, table, envelope.event.id);
    expect(item?.status?.S).toBe('QUARANTINED');
    expect(JSON.parse(item?.issues?.S ?? '[]')).toEqual(errors);
    expect(storedBody(item as Item).equals(request.body)).toBe(true);
    // The searchable fields are still lifted from what could be read.
    expect(item?.type?.S).toBe('redemption.rollback.failed');
  });

  it('points into data when only the data fails its type schema', async () => {
    const envelope = freshEnvelope();
    (envelope.data.redemption_rollback as Record<string, unknown>).status = 'EXPLODED';

    const result = await invoke(handler, apiEvent(signedRequest(envelope)));

    expect(result.statusCode).toBe(202);
    expect(result.body.status).toBe('quarantined');
    expect(result.body.errors).toEqual([
      { pointer: '/data/redemption_rollback/status', message: expect.stringMatching(/^must be one of /) },
    ]);
    expect((await getEventItem(client, table, envelope.event.id))?.status?.S).toBe('QUARANTINED');
  });

  it('quarantines an envelope without event.id under sha256:<hex> and deduplicates it', async () => {
    const envelope = freshEnvelope();
    delete (envelope.event as Record<string, unknown>).id;
    const request = signedRequest(envelope);
    const key = `sha256:${createHash('sha256').update(request.body).digest('hex')}`;

    const first = await invoke(handler, apiEvent(request));
    const count = await itemCount();
    const again = await invoke(handler, apiEvent(request));

    expect(first.statusCode).toBe(202);
    expect(first.body).toMatchObject({ status: 'quarantined', eventId: key });
    expect(first.body.errors).toEqual(
      expect.arrayContaining([{ pointer: '/event', message: 'is missing the required property "id"' }]),
    );
    const item = await getEventItem(client, table, key);
    expect(item?.status?.S).toBe('QUARANTINED');
    expect(storedBody(item as Item).equals(request.body)).toBe(true);
    expect(again.statusCode).toBe(200);
    expect(again.body).toEqual({ status: 'duplicate', eventId: key });
    expect(await itemCount()).toBe(count);
  });
});

describe('body larger than maxBodyBytes', () => {
  it('answers 413 payload_too_large when its signature does not verify, and stores nothing', async () => {
    const envelope = freshEnvelope();
    envelope.data.padding = 'x'.repeat(300 * 1024);
    const request = signedRequest(envelope, { secret: 'not-the-webhook-secret' });
    const count = await itemCount();

    const result = await invoke(handler, apiEvent(request));

    expectErrorAnswer(result, 413, 'payload_too_large', [TEST_SECRET, request.headers['x-voucherify-signature'] ?? '']);
    expect(result.body.message).toContain(`${256 * 1024} bytes`);
    expect(await getEventItem(client, table, envelope.event.id)).toBeUndefined();
    expect(await itemCount()).toBe(count);
  });

  it('accepts it and stores it whole when it is authentic (no authentic event is bounced for its size)', async () => {
    const envelope = freshEnvelope();
    envelope.data.padding = 'x'.repeat(300 * 1024);
    const request = signedRequest(envelope);

    const result = await invoke(handler, apiEvent(request));

    expect(result.statusCode).toBe(202);
    const item = await getEventItem(client, table, envelope.event.id);
    expect(storedBody(item as Item).equals(request.body)).toBe(true);
  });
});

describe('no webhook secret configured', () => {
  it('answers 503 receiver_not_configured with retry-after, so Voucherify retries, and stores nothing', async () => {
    const unconfigured = coldStartHandler({ tableName: table, webhookSecret: '' });
    const envelope = freshEnvelope();
    const request = signedRequest(envelope);
    const count = await itemCount();

    const result = await invoke(unconfigured, apiEvent(request));

    expectErrorAnswer(result, 503, 'receiver_not_configured', [request.headers['x-voucherify-signature'] ?? '']);
    expect(result.headers['retry-after']).toBe('60');
    expect(await getEventItem(client, table, envelope.event.id)).toBeUndefined();
    expect(await itemCount()).toBe(count);
  });
});

describe('other method or path', () => {
  it.each([
    { method: 'POST', path: '/webhooks/other', status: 404, code: 'not_found' },
    { method: 'POST', path: '/', status: 404, code: 'not_found' },
    { method: 'GET', path: '/webhooks/voucherify', status: 405, code: 'method_not_allowed' },
    { method: 'PUT', path: '/webhooks/voucherify', status: 405, code: 'method_not_allowed' },
  ])('$method $path: answers $status $code and stores nothing', async ({ method, path, status, code }) => {
    const envelope = freshEnvelope();
    const request = signedRequest(envelope);
    const count = await itemCount();

    const result = await invoke(handler, apiEvent({ ...request, method, path }));

    expectErrorAnswer(result, status, code, [TEST_SECRET, request.headers['x-voucherify-signature'] ?? '']);
    if (status === 405) expect(result.headers.allow).toBe('POST');
    expect(await getEventItem(client, table, envelope.event.id)).toBeUndefined();
    expect(await itemCount()).toBe(count);
  });
});

describe('logs', () => {
  it('were written for the requests above and never carry the secret or a signature', () => {
    const text = logLines.join('');
    expect(logLines.length).toBeGreaterThan(10);
    expect(text).toContain('"outcome":"signature_invalid"');
    expect(text).not.toContain(TEST_SECRET);
    // No signature-shaped hex, apart from the sha256: keys of events without an id (a hash of the body, not a secret).
    expect(text.replace(/"sha256:[0-9a-f]{64}"/g, '')).not.toMatch(/[0-9a-fA-F]{64}/);
  });
});
