/**
 * Every fixture in fixtures/ goes through the deployed handler, is accepted, and is stored with the fields people
 * search by. The expected values are written out by hand from the files, so a change in what gets lifted shows here.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { decodeBody } from '../../functions/core/shared/body-codec';
import { fixtureNames, loadFixture, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { createTestTable, getEventItem, testClient } from '../helpers/dynamodb';
import { apiEvent, coldStartHandler, invoke } from '../helpers/receiver';

const project = { projectId: 'proj_f1r5tPr0j3ct' };

const EXPECTED: Record<string, Record<string, string>> = {
  'redemption.failed': {
    ...project,
    type: 'redemption.failed',
    eventAt: '2024-02-02T12:12:12.925Z',
    sendoutId: 'whs_0e3ac5686a0431c106',
    customerId: 'cust_1g637SqVZnkdPNdAIZ7Ra879',
    customerSourceId: 'test_customer_id_2',
    redemptionId: 'rf_0e3ac5685ba431c104',
    failureCode: 'no_applicable_redeemables',
    failureMessage: 'No applicable redeemables',
  },
  'redemption.failed.gift-card': {
    ...project,
    type: 'redemption.failed',
    eventAt: '2024-04-04T16:20:00.100Z',
    sendoutId: 'whs_0e5a77bb8aee99dd22',
    customerId: 'cust_1g637SqVZnkdPNdAIZ7Ra879',
    customerSourceId: 'test_customer_id_2',
    campaignId: 'camp_G1ftC4rds2024xx',
    campaignName: 'Gift cards 2024',
    voucherCode: 'GIFT-50-AB12CD',
    redemptionId: 'rf_0e5a77bb88cc99dd00',
    failureCode: 'gift_amount_exceeded',
    failureMessage: 'Gift amount exceeded',
  },
  'redemption.failed.nulls': {
    ...project,
    type: 'redemption.failed',
    eventAt: '2024-06-01T00:00:01.020Z',
    sendoutId: 'whs_0e6b00000000000003',
    redemptionId: 'rf_0e6b00000000000001',
    failureCode: 'missing_customer',
    failureMessage: 'Missing customer',
  },
  'redemption.rollback.failed': {
    ...project,
    type: 'redemption.rollback.failed',
    eventAt: '2024-02-01T10:25:07.010Z',
    sendoutId: 'whs_0e3ac8bf0b4531c401',
    customerId: 'cust_IdgAFZxYwwHctOk9pPuMu308',
    customerSourceId: 'jck-wbhk',
    campaignId: 'camp_QULf1Wzu4yvT3cJ3IzFp76nY',
    campaignName: 'Refer-gift',
    voucherCode: 'Refer-gift-90873378',
    redemptionId: 'r_0e3ab1f3fb99fee4b9',
    rollbackId: 'rrf_0e3ac8beeea431c302',
    failureCode: 'already_rolled_back',
    failureMessage: 'Already rolled back',
  },
  'redemption.rollback.failed.loyalty-card': {
    ...project,
    type: 'redemption.rollback.failed',
    eventAt: '2024-05-20T10:00:00.210Z',
    sendoutId: 'whs_0e9f00aa12ee22cc66',
    customerId: 'cust_M3mb3r00000000042',
    customerSourceId: 'member-42',
    campaignId: 'camp_M3mb3rsClub0001',
    campaignName: 'Members club',
    voucherCode: 'LOYAL-7Q2K-9XPD',
    redemptionId: 'r_0d11aa22bb33cc44dd',
    rollbackId: 'rrf_0e9f00aa11bb22cc33',
    failureCode: 'invalid_redemption',
    failureMessage: 'Redemption can be rolled back only within 3 months',
  },
  'redemption.rollback.failed.promotion-tier': {
    ...project,
    type: 'redemption.rollback.failed',
    eventAt: '2024-03-11T09:30:00.500Z',
    sendoutId: 'whs_0e4b01aa01c531d202',
    customerId: 'cust_IdgAFZxYwwHctOk9pPuMu308',
    customerSourceId: 'jck-wbhk',
    campaignId: 'camp_W1nt3rS4l3C4mp41gn',
    promotionTierId: 'promo_Wint3rS4l3Tier1',
    redemptionId: 'r_0e3ab1f3fb99fee4b9',
    rollbackId: 'rrf_0e4b01a9ff2531d200',
    failureCode: 'already_rolled_back',
    failureMessage: 'Already rolled back',
  },
  'redemption.rollback.succeeded': {
    ...project,
    type: 'redemption.rollback.succeeded',
    eventAt: '2024-07-02T08:00:00.000Z',
    sendoutId: 'whs_0e8d22222222222223',
    customerId: 'cust_IdgAFZxYwwHctOk9pPuMu308',
    customerSourceId: 'jck-wbhk',
    campaignId: 'camp_QULf1Wzu4yvT3cJ3IzFp76nY',
    campaignName: 'Refer-gift',
    voucherCode: 'Refer-gift-90873378',
    redemptionId: 'r_0e3ab1f3fb99fee4b9',
    rollbackId: 'rr_0e8d22222222222221',
  },
  'redemption.succeeded': {
    ...project,
    type: 'redemption.succeeded',
    eventAt: '2024-07-01T08:00:00.000Z',
    sendoutId: 'whs_0e7c11111111111113',
    customerId: 'cust_1g637SqVZnkdPNdAIZ7Ra879',
    customerSourceId: 'test_customer_id_2',
    campaignId: 'camp_QULf1Wzu4yvT3cJ3IzFp76nY',
    campaignName: 'Refer-gift',
    voucherCode: 'Refer-gift-90873378',
    redemptionId: 'r_0e7c11111111111111',
  },
  'voucher.published': {
    ...project,
    type: 'voucher.published',
    eventAt: '2024-07-03T08:00:00.000Z',
    sendoutId: 'whs_0e9e33333333333333',
    customerId: 'cust_N3wC0st0m3r00001',
    customerSourceId: 'new-1',
    campaignName: 'Welcome',
    voucherCode: 'WELCOME-3FJ9',
  },
};

/** Attributes every item has that are not lifted from the payload. */
// The index keys (receivedDay, typeTime) are derived from these; test/unit/index-keys.test.ts covers them.
const BOOKKEEPING = [
  'pk',
  'status',
  'body',
  'bodyBytes',
  'bodyEncoding',
  'expiresAt',
  'receivedAt',
  'receivedDay',
  'typeTime',
];

let client: DynamoDBClient;
let table: string;
let handler: ReturnType<typeof coldStartHandler>;
let quiet: jest.SpyInstance;

beforeAll(async () => {
  client = testClient();
  table = await createTestTable(client, 'fixtures');
  quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  handler = coldStartHandler({ tableName: table, webhookSecret: TEST_SECRET });
});

afterAll(() => {
  quiet.mockRestore();
  client.destroy();
});

it('has written expectations for every fixture file', () => {
  expect(Object.keys(EXPECTED).sort()).toEqual([...fixtureNames].sort());
});

it.each(fixtureNames.map((name) => [name]))(
  '%s: 202 accepted, stored ACCEPTED with its lifted fields',
  async (name) => {
    // Prepare
    const envelope = loadFixture(name);
    const request = signedRequest(envelope);

    // Act
    const result = await invoke(handler, apiEvent(request));

    // Assess
    expect(result.statusCode).toBe(202);
    expect(result.body).toEqual({ status: 'accepted', eventId: envelope.event.id });
    const item = await getEventItem(client, table, envelope.event.id);
    expect(item?.status?.S).toBe('ACCEPTED');
    const lifted = Object.fromEntries(
      Object.entries(item ?? {})
        .filter(([attribute]) => !BOOKKEEPING.includes(attribute))
        .map(([attribute, value]) => [attribute, value.S]),
    );
    expect(lifted).toEqual(EXPECTED[name]);
    expect(decodeBody(item?.body?.B ?? new Uint8Array(), item?.bodyEncoding?.S ?? '').equals(request.body)).toBe(true);
  },
);
