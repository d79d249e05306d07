/**
 * Property-based fuzzing of the deployed ingest handler on DynamoDB Local (tools/fuzz/ has the generators and the
 * oracle; `npm run fuzz` runs the same properties at 20,000+ cases with the full wrong-type sweep). Here: a few hundred
 * random cases, so every `npm test` tries new ones (the seed is printed on failure to replay them).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TEST_SECRET } from '../../tools/fixtures';
import { runFuzz } from '../../tools/fuzz/run';
import { createTestTable, testClient } from '../helpers/dynamodb';
import { coldStartHandler } from '../helpers/receiver';

const CASES = 300;

let client: DynamoDBClient;
let table: string;

beforeAll(async () => {
  client = testClient();
  table = await createTestTable(client, 'fuzz');
});

afterAll(() => client.destroy());

it(`holds every property for the worst shapes and ${CASES} random requests (bad bytes, types, signatures, base64 flags, headers)`, async () => {
  // Prepare: the deployed handler, quiet (only 5xx would log at error level, and a 5xx fails the run anyway).
  process.env.LOG_LEVEL = 'error';
  const handler = coldStartHandler({ tableName: table, webhookSecret: TEST_SECRET });
  // Its metrics lines go to stdout too; the summary below says everything the run found.
  const quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

  // Act
  const summary = await runFuzz({
    target: { handler, client, table },
    numRuns: CASES,
    worstShapes: true,
    printedFields: true,
  }).finally(() => quiet.mockRestore());

  // Assess
  expect(summary.failures.map((failure) => failure.slice(0, 600))).toEqual([]);
  expect(summary.cases).toBe(CASES + summary.worstShapeCases + summary.printedFieldCases);
  // Control characters in every printed field, and every stored event rendered by the printers with nothing raw.
  expect(summary.printedFieldCases).toBeGreaterThan(50);
  expect(summary.printedChecked).toBe(summary.created);
  expect(summary.worstShapeCases).toBeGreaterThan(10);
  expect(summary.tableItems).toBe(summary.created);
  // The generators reach both sides of the contract, not just one of them.
  const outcomes = [...summary.outcomes.keys()];
  expect(outcomes).toEqual(expect.arrayContaining(['202 accepted', '202 quarantined', '401 signature_invalid']));
}, 300_000);
