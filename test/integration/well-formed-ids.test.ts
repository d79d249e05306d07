/**
 * Issue 21, item 7: one id rule, well-formed. Through the deployed handler on DynamoDB Local: ids and searchable fields
 * that are not well-formed Unicode (lone surrogates, U+FFFE, U+FFFF) are keyed apart, never merged, and nothing written
 * to the table is anything but well-formed.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isWellFormedText } from '../../functions/core/shared/well-formed';
import { type Envelope, loadFixture, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { createTestTable, type Item, scanAll, testClient } from '../helpers/dynamodb';
import { apiEvent, coldStartHandler, invoke } from '../helpers/receiver';

let client: DynamoDBClient;
let table: string;
let handler: ReturnType<typeof coldStartHandler>;

beforeAll(async () => {
  client = testClient();
  table = await createTestTable(client, 'wellformed');
  handler = coldStartHandler({ tableName: table, webhookSecret: TEST_SECRET });
  // Warm up: a first PutItem slower than the client's timeout is retried and then reads as a duplicate of itself.
  await invoke(handler, apiEvent(signedRequest(withId('evu_warm_up', 'whs_warm'))));
});

afterAll(() => client.destroy());

function withId(id: string, sendout: string): Envelope {
  const envelope = loadFixture('redemption.rollback.failed');
  envelope.event.id = id;
  envelope.id = sendout;
  return envelope;
}

/** Every string attribute of every item, keys included. */
function strings(items: readonly Item[]): string[] {
  return items.flatMap((item) => Object.values(item).flatMap((value) => (value.S === undefined ? [] : [value.S])));
}

it.each([
  ['two lone high surrogates', 'evx_\ud800', 'evx_\ud801'],
  ['a lone high and a lone low surrogate', 'evy_\ud83d', 'evy_\ude00'],
  ['U+FFFE and U+FFFF', 'evz_\ufffe', 'evz_\uffff'],
])('two authentic events whose ids differ only in %s are both stored, apart', async (_, first, second) => {
  // Act
  const a = await invoke(handler, apiEvent(signedRequest(withId(first, 'whs_a'))));
  const b = await invoke(handler, apiEvent(signedRequest(withId(second, 'whs_b'))));

  // Assess
  expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
  expect(a.body.eventId).not.toEqual(b.body.eventId);
  const items = (await scanAll(client, table)).filter((item) => [a.body.eventId, b.body.eventId].includes(item.pk?.S));
  expect(items).toHaveLength(2);
  // Quarantined: the id breaks the id rule, as a too-long one does, and the answer says so.
  expect(items.map((item) => item.status?.S)).toEqual(['QUARANTINED', 'QUARANTINED']);
  expect(JSON.stringify(a.body.errors)).toContain('/event/id');
});

it('a redelivery of an event with an ill-formed id is a duplicate of it, not a new event', async () => {
  const first = await invoke(handler, apiEvent(signedRequest(withId('evw_\udbff', 'whs_1'))));
  const again = await invoke(handler, apiEvent(signedRequest(withId('evw_\udbff', 'whs_2'))));

  expect(first.statusCode).toBe(202);
  expect(again.statusCode).toBe(200);
  expect(again.body).toEqual({ status: 'duplicate', eventId: first.body.eventId });
});

it('writes no attribute that is not well-formed: an ill-formed voucher code or campaign name is not lifted', async () => {
  // Prepare
  const envelope = withId('evv_well_formed_fields', 'whs_v');
  ((envelope.data as Record<string, Record<string, unknown>>).voucher as Record<string, unknown>).code = 'CODE-\ud800';
  (envelope.data as Record<string, unknown>).campaign = { id: 'camp_x', name: 'Name \uffff' };

  // Act
  const answer = await invoke(handler, apiEvent(signedRequest(envelope)));

  // Assess
  expect(answer.statusCode).toBe(202);
  const items = await scanAll(client, table);
  const item = items.find((candidate) => candidate.pk?.S === 'evv_well_formed_fields');
  expect(item?.voucherCode).toBeUndefined();
  expect(item?.campaignName?.S).toBe('Refer-gift'); // the next well-formed source of the name
  expect(strings(items).filter((text) => !isWellFormedText(text))).toEqual([]);
});
