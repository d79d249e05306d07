/**
 * Issue 21, item 1: no authentic event is bounced for its size. Through the deployed handler (configured as the stack
 * configures it, BODY_BUCKET included) on DynamoDB Local and s3rver: an authentic body of any size the platform can
 * carry is verified, stored in full and answered 2xx; its body is read back the same way by the CLI's repository and
 * the alerts' stream reader; only a body not proven to be from Voucherify is refused for its size.
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBRecord } from 'aws-lambda';
import { erasureDeps } from '../../cli/erasure';
import { EventsRepository } from '../../cli/repository';
import { fromItem } from '../../functions/adapters/dynamodb-event-store';
import { readAlertImage } from '../../functions/adapters/dynamodb-stream';
import { parseS3Ref } from '../../functions/adapters/s3-body-store';
import { erasureSubject, planErasure, runErasure } from '../../functions/core/erasure/erase';
import { DEFAULT_INGEST_CONFIG } from '../../functions/core/ingest/ingest';
import { sign } from '../../functions/core/ingest/signature';
import { decodeBody } from '../../functions/core/shared/body-codec';
import { INLINE_BODY_MAX_BYTES } from '../../functions/core/shared/stored-body';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/runtime/aws-env';
import { toStreamImage } from '../../local/runtime/stream-image';
import { type Envelope, loadFixture, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { createTestTable, getEventItem, scanAll, testClient } from '../helpers/dynamodb';
import { apiEvent, coldStartHandler, invoke } from '../helpers/receiver';

let client: DynamoDBClient;
let table: string;
let handler: ReturnType<typeof coldStartHandler>;
let repository: EventsRepository;
let s3: S3Client;

beforeAll(async () => {
  client = testClient();
  table = await createTestTable(client, 'bigbodies');
  handler = coldStartHandler({ tableName: table, webhookSecret: TEST_SECRET });
  repository = new EventsRepository(client, table);
  s3 = new S3Client({
    endpoint: process.env.AWS_ENDPOINT_URL_S3,
    forcePathStyle: true,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  // Warm up (see well-formed-ids.test.ts): a first PutItem slower than the client's timeout reads as a duplicate.
  const warm = loadFixture('redemption.failed');
  warm.event.id = 'evbig_warm_up';
  await invoke(handler, apiEvent(signedRequest(warm)));
});

afterAll(() => {
  client.destroy();
  s3.destroy();
});

/** A signed, valid redemption.failed whose order has `count` items: about 1 MB at 1,200 (the example). */
function failedWithOrderItems(id: string, count: number): Envelope {
  const envelope = loadFixture('redemption.failed');
  envelope.event.id = id;
  const items = Array.from({ length: count }, (_, i) => ({
    object: 'order_item',
    source_id: `sku-${i}`,
    related_object: 'sku',
    product_id: `prod_${i.toString(36).padStart(20, '0')}`,
    sku_id: `sku_${i.toString(36).padStart(20, '0')}`,
    quantity: 1 + (i % 5),
    amount: 1999 * (1 + (i % 5)),
    price: 1999,
    subtotal_amount: 1999 * (1 + (i % 5)),
    product: {
      id: `prod_${i}`,
      source_id: `product-${i}`,
      name: `Product number ${i} with a longer name`,
      price: 1999,
    },
    sku: { id: `sku_${i}`, source_id: `sku-${i}`, sku: `Variant ${i} of the product, size and colour`, price: 1999 },
    metadata: { warehouse: `WH-${i % 17}`, note: 'x'.repeat(400 + (i % 300)) },
  }));
  (envelope.data as { redemption: Record<string, unknown> }).redemption.order = {
    id: 'ord_big',
    object: 'order',
    amount: items.reduce((sum, item) => sum + item.amount, 0),
    items,
  };
  return envelope;
}

/** A signed rollback failure with `bytes` of random (incompressible) metadata: its body cannot fit in an item. */
function rollbackWithRandomMetadata(id: string, bytes: number): Envelope {
  const envelope = loadFixture('redemption.rollback.failed');
  envelope.event.id = id;
  const rollback = (envelope.data as { redemption_rollback: Record<string, unknown> }).redemption_rollback;
  rollback.metadata = { blob: randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64') };
  return envelope;
}

describe('an authentic body larger than maxBodyBytes', () => {
  it('a signed redemption.failed with 1,200 order items (about 1 MB) is accepted and stored whole, in its item', async () => {
    // Prepare
    const envelope = failedWithOrderItems('evbig_1200_items', 1_200);
    const request = signedRequest(envelope);
    expect(request.body.length).toBeGreaterThan(DEFAULT_INGEST_CONFIG.maxBodyBytes * 3);

    // Act
    const answer = await invoke(handler, apiEvent(request));

    // Assess
    expect(answer.statusCode).toBe(202);
    expect(answer.body).toEqual({ status: 'accepted', eventId: 'evbig_1200_items' });
    const item = await getEventItem(client, table, 'evbig_1200_items');
    // Compressed, it fits the item: no object beside it.
    expect(item?.bodyRef).toBeUndefined();
    expect(item?.body?.B?.length).toBeLessThanOrEqual(INLINE_BODY_MAX_BYTES);
    expect(Number(item?.bodyBytes?.N)).toBe(request.body.length);
    const stored = await repository.get('evbig_1200_items');
    expect(decodeBody(stored!.record.body, stored!.record.bodyEncoding).equals(request.body)).toBe(true);
  });

  it('a signed body that does not fit an item even compressed (5 MB) is stored beside it and read back transparently', async () => {
    // Prepare
    const envelope = rollbackWithRandomMetadata('evbig_5mb', 5_000_000);
    const request = signedRequest(envelope);

    // Act
    const answer = await invoke(handler, apiEvent(request));

    // Assess: answered, the item points at an object, and both readers get the exact bytes back.
    expect(answer.statusCode).toBe(202);
    const item = await getEventItem(client, table, 'evbig_5mb');
    expect(item?.body).toBeUndefined();
    const ref = item?.bodyRef?.S ?? '';
    expect(parseS3Ref(ref).bucket).toBe(process.env.BODY_BUCKET);
    const stored = await repository.get('evbig_5mb');
    expect(stored?.record.bodyRef).toBeUndefined();
    expect(decodeBody(stored!.record.body, stored!.record.bodyEncoding).equals(request.body)).toBe(true);
    const streamRecord = {
      eventName: 'INSERT',
      dynamodb: { Keys: { pk: { S: 'evbig_5mb' } }, NewImage: toStreamImage(item!), SequenceNumber: '1' },
    } as DynamoDBRecord;
    const read = await readAlertImage(streamRecord);
    expect(read.problem).toBeUndefined();
    expect(read.envelope).toEqual(JSON.parse(request.body.toString('utf8')));
  });

  it('another send-out of the overflowing event is a duplicate and cannot replace the stored body', async () => {
    // Prepare
    const first = rollbackWithRandomMetadata('evbig_twice', 1_000_000);
    const firstRequest = signedRequest(first);
    expect((await invoke(handler, apiEvent(firstRequest))).statusCode).toBe(202);
    const before = await getEventItem(client, table, 'evbig_twice');
    const again = rollbackWithRandomMetadata('evbig_twice', 1_000_000);
    again.id = 'whs_other_sendout';

    // Act
    const answer = await invoke(handler, apiEvent(signedRequest(again)));

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(await getEventItem(client, table, 'evbig_twice')).toEqual(before);
    const stored = await repository.get('evbig_twice');
    expect(decodeBody(stored!.record.body, stored!.record.bodyEncoding).equals(firstRequest.body)).toBe(true);
  });
});

describe('a body not proven to be from Voucherify', () => {
  it.each([
    ['a wrong signature', 'another-secret'],
    ['no signature', undefined],
  ])('larger than maxBodyBytes, with %s: 413, nothing stored, nothing written to the bucket', async (_, secret) => {
    // Prepare
    const envelope = failedWithOrderItems('evbig_unsigned', 1_200);
    const request = signedRequest(envelope);
    request.headers['x-voucherify-signature'] = secret === undefined ? undefined : sign(request.body, secret);
    const objectsBefore = await objectCount();

    // Act
    const answer = await invoke(handler, apiEvent(request));

    // Assess
    expect(answer.statusCode).toBe(413);
    expect(answer.body.code).toBe('payload_too_large');
    expect((await scanAll(client, table)).filter((item) => item.pk?.S === 'evbig_unsigned')).toEqual([]);
    expect(await objectCount()).toBe(objectsBefore);
  });
});

async function objectCount(): Promise<number> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: process.env.BODY_BUCKET }));
  return listed.KeyCount ?? 0;
}

describe('erasing a customer whose body is kept beside its item', () => {
  it('redacts the body, brings it back into the item when it now fits, and deletes the unredacted object', async () => {
    // Prepare: a table of its own (erasure takes every event of the customer), one rollback failure whose 1 MB of
    // random metadata cannot fit an item even compressed.
    const erasingTable = await createTestTable(client, 'bigerase');
    const erasingHandler = coldStartHandler({ tableName: erasingTable, webhookSecret: TEST_SECRET });
    const envelope = rollbackWithRandomMetadata('evbig_erase', 1_000_000);
    const rollbackId = (envelope.data as { redemption_rollback: { id: string } }).redemption_rollback.id;
    expect((await invoke(erasingHandler, apiEvent(signedRequest(envelope)))).statusCode).toBe(202);
    const before = await getEventItem(client, erasingTable, 'evbig_erase');
    const ref = before?.bodyRef?.S as string;
    const customerId = before?.customerId?.S as string;
    expect(ref).toMatch(/^s3:\/\//);
    expect(customerId).toMatch(/^cust_/);

    // Act
    const deps = erasureDeps(client, erasingTable);
    const result = await runErasure(deps, await planErasure(deps, erasureSubject(customerId)), {
      by: 'test',
      retentionDays: 365,
    });

    // Assess: nothing left; the item holds the redacted body itself; the object with the data is gone.
    expect(result.left).toBe(0);
    const after = await getEventItem(client, erasingTable, 'evbig_erase');
    expect(after?.bodyRef).toBeUndefined();
    expect(after?.erasedAt?.S).toBeDefined();
    expect(after?.customerId).toBeUndefined();
    const record = fromItem(after as NonNullable<typeof after>);
    const text = decodeBody(record.body, record.bodyEncoding).toString('utf8');
    expect(text).not.toContain(customerId);
    expect(text).not.toContain('"blob":');
    // What is not personal stays: the rollback's id (its case), the event's id.
    expect(JSON.parse(text).data.redemption_rollback.id).toBe(rollbackId);
    await expect(
      s3.send(new GetObjectCommand({ Bucket: parseS3Ref(ref).bucket, Key: parseS3Ref(ref).key })),
    ).rejects.toThrow();
  });
});
