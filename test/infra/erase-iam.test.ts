/**
 * The README's policy for `voucherify-events erase` ("IAM to erase a customer"), simulated with AWS's reference data
 * like the smoke's: every call erase, --dry-run and --status make is allowed with the attributes and condition keys it
 * sends; reading other data (listing, other indexes, whole items through the index, Scan, the stream, secrets) and
 * writing anything else are denied. The DynamoDB commands are read from the erasure adapter's source, so a new call
 * without a case here fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERASURE_KEY_PREFIX } from '../../functions/adapters/dynamodb-erasure';
import { customerKey } from '../../functions/core/erasure/redact';
import {
  README_ACCOUNT as ACCOUNT,
  type OperatorCall,
  operatorVerdict,
  README_REGION as REGION,
  readmePolicy,
} from '../helpers/iam/readme-policy';
import { templateFromContext } from '../helpers/infra';

const POLICY = readmePolicy('#### IAM to erase a customer');
const verdict = (call: OperatorCall) => operatorVerdict(POLICY, call, 'erasure-operator');

const template = templateFromContext();
const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0] as string;
const TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/VoucherifyWebhooks-${tableId}-1QW2E3R4T5Y6`;
const EVENT = 'evrrf_0e3ac8bf0a0531c400';
const RECORD = `${ERASURE_KEY_PREFIX}${customerKey('cust_IdgAFZxYwwHctOk9pPuMu308')}`;
const attrs = (...names: string[]) => ({ 'dynamodb:Attributes': names.sort() });
const bucketId = Object.keys(template.findResources('AWS::S3::Bucket'))[0] as string;
/** A body kept beside its item, as CloudFormation names the bodies bucket (stack name and logical id, lower case). */
const BODY_OBJECT = `arn:aws:s3:::voucherifywebhooks-${bucketId.toLowerCase()}-1a2b3c4d5e6f/bodies/0f1e/2d3c`;
const CASE = 'case#rrf_0e3ac8beeea431c302';

/** Every call of erase (find, redact, verify, the record), with what it carries (functions/adapters/dynamodb-erasure.ts). */
const ERASE_CALLS: OperatorCall[] = [
  {
    action: 'dynamodb:Query',
    resource: `${TABLE}/index/byCustomer`,
    context: { ...attrs('customerId', 'pk', 'typeTime', 'type', 'status'), 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
  },
  // A rollback event's rollback id (for its case), the item to redact, the verify read.
  {
    action: 'dynamodb:GetItem',
    resource: TABLE,
    context: { ...attrs('pk', 'rollbackId'), 'dynamodb:LeadingKeys': [EVENT] },
  },
  { action: 'dynamodb:GetItem', resource: TABLE, context: { ...attrs('pk'), 'dynamodb:LeadingKeys': [EVENT] } },
  {
    action: 'dynamodb:GetItem',
    resource: TABLE,
    context: { ...attrs('pk', 'customerId', 'erasedAt'), 'dynamodb:LeadingKeys': [EVENT] },
  },
  {
    action: 'dynamodb:UpdateItem',
    resource: TABLE,
    context: {
      ...attrs('pk', 'body', 'bodyEncoding', 'bodyBytes', 'erasedAt', 'erasureId', 'customerId', 'customerSourceId'),
      'dynamodb:LeadingKeys': [EVENT],
    },
  },
  // An event whose body is kept beside it: the rewrite points the item at the redacted body (or back inline).
  {
    action: 'dynamodb:UpdateItem',
    resource: TABLE,
    context: {
      ...attrs('pk', 'bodyRef', 'bodyEncoding', 'bodyBytes', 'erasedAt', 'erasureId', 'customerId', 'customerSourceId'),
      'dynamodb:LeadingKeys': [EVENT],
    },
  },
  // That body itself: read, written redacted, the unredacted object removed.
  { action: 's3:GetObject', resource: BODY_OBJECT },
  { action: 's3:PutObject', resource: BODY_OBJECT },
  { action: 's3:DeleteObject', resource: BODY_OBJECT },
  // The rollback's case (functions/adapters/dynamodb-case-erasure.ts): read, then its customer ids and notes removed.
  { action: 'dynamodb:GetItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': [CASE] } },
  {
    action: 'dynamodb:UpdateItem',
    resource: TABLE,
    context: {
      ...attrs(
        'pk',
        'version',
        'caseHistory',
        'caseErasedAt',
        'caseErasureId',
        'caseCustomerId',
        'caseCustomerSourceId',
      ),
      'dynamodb:LeadingKeys': [CASE],
    },
  },
  // The index of erased customers (what ingest checks every delivery against): the customer's prefix added.
  {
    action: 'dynamodb:UpdateItem',
    resource: TABLE,
    context: { ...attrs('pk', 'erasedPrefixes'), 'dynamodb:LeadingKeys': ['erasure#index'] },
  },
  // The erasure record: read, a run started (ALL_NEW), a run finished.
  { action: 'dynamodb:GetItem', resource: TABLE, context: { ...attrs('pk'), 'dynamodb:LeadingKeys': [RECORD] } },
  {
    action: 'dynamodb:UpdateItem',
    resource: TABLE,
    context: {
      ...attrs(
        'pk',
        'customerKey',
        'erasureId',
        'firstRunAt',
        'firstRunBy',
        'lastRunAt',
        'lastRunBy',
        'erasureState',
        'expiresAt',
        'runs',
      ),
      'dynamodb:LeadingKeys': [RECORD],
      'dynamodb:ReturnValues': 'ALL_NEW',
    },
  },
  {
    action: 'dynamodb:UpdateItem',
    resource: TABLE,
    context: { ...attrs('pk', 'itemsLeft', 'erasureState', 'itemsErased'), 'dynamodb:LeadingKeys': [RECORD] },
  },
];

it('the erasure adapter makes no DynamoDB call the list above does not simulate', () => {
  const source = ['dynamodb-erasure.ts', 'dynamodb-case-erasure.ts']
    .map((file) => readFileSync(join(__dirname, '..', '..', 'functions', 'adapters', file), 'utf8'))
    .join('\n');
  const inCode = new Set([...source.matchAll(/new (\w+)Command\(/g)].map(([, name]) => `dynamodb:${name}`));
  expect([...inCode].sort()).toEqual(
    [...new Set(ERASE_CALLS.map((call) => call.action).filter((action) => action.startsWith('dynamodb:')))].sort(),
  );
});

it.each(ERASE_CALLS.map((call, i) => [i + 1, call.action, call] as const))(
  'allows call %i, %s',
  async (_i, _a, call) => {
    expect(await verdict(call)).toBe('Allowed');
  },
);

const FORBIDDEN: [string, OperatorCall][] = [
  ['a Scan of the table', { action: 'dynamodb:Scan', resource: TABLE }],
  ['listing by day', { action: 'dynamodb:Query', resource: `${TABLE}/index/byDay` }],
  ['listing the quarantine', { action: 'dynamodb:Query', resource: `${TABLE}/index/quarantined` }],
  [
    "a customer's voucher codes and campaigns through the index",
    {
      action: 'dynamodb:Query',
      resource: `${TABLE}/index/byCustomer`,
      context: {
        ...attrs('customerId', 'pk', 'voucherCode', 'campaignName'),
        'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
      },
    },
  ],
  [
    'everything the index projects',
    {
      action: 'dynamodb:Query',
      resource: `${TABLE}/index/byCustomer`,
      context: { ...attrs('customerId'), 'dynamodb:Select': 'ALL_PROJECTED_ATTRIBUTES' },
    },
  ],
  ['a Query of the table', { action: 'dynamodb:Query', resource: TABLE, context: attrs('pk') }],
  ['a batch read', { action: 'dynamodb:BatchGetItem', resource: TABLE }],
  ['PartiQL', { action: 'dynamodb:PartiQLSelect', resource: TABLE }],
  [
    'deleting an event',
    { action: 'dynamodb:DeleteItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': [EVENT] } },
  ],
  ['writing a new item', { action: 'dynamodb:PutItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': [EVENT] } }],
  [
    'another table',
    {
      action: 'dynamodb:GetItem',
      resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Orders`,
      context: attrs('pk'),
    },
  ],
  ['listing the bodies bucket', { action: 's3:ListBucket', resource: BODY_OBJECT.split('/bodies/')[0] as string }],
  [
    'an object outside bodies/',
    { action: 's3:GetObject', resource: `${BODY_OBJECT.split('/bodies/')[0]}/other/object` },
  ],
  ['the stream', { action: 'dynamodb:GetRecords', resource: `${TABLE}/stream/2026-11-22T00:00:00.000` }],
  [
    'the webhook secret',
    {
      action: 'secretsmanager:GetSecretValue',
      resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:WebhookSecret-Ab1Cd2`,
    },
  ],
];

it.each(FORBIDDEN)('denies %s', async (_what, call) => {
  expect(await verdict(call)).toBe('ImplicitlyDenied');
});
