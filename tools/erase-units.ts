/**
 * What erasing one customer costs in DynamoDB capacity units, measured: DynamoDB Local (in memory) gets an events
 * table as the stack deploys it, one customer's events stored through the real ingest core (rollback failures,
 * rollback successes and redemptions, in turn), another customer's alongside, then one erase run, a re-run and a
 * status, each request sent with ReturnConsumedCapacity=INDEXES and the units summed by operation, table and index.
 *
 *   npx tsx tools/erase-units.ts [--events 100]
 */
import { parseArgs } from 'node:util';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { erasureDeps } from '../cli/erasure';
import { DynamoDbEventStore } from '../functions/adapters/dynamodb-event-store';
import { staticSecrets } from '../functions/adapters/secrets';
import { erasureStatus, erasureSubject, planErasure, runErasure } from '../functions/core/erasure/erase';
import { DEFAULT_INGEST_CONFIG, makeIngest } from '../functions/core/ingest/ingest';
import { silentLogger } from '../functions/core/shared/logger';
import { localDynamoDbClient } from '../local/runtime/aws-env';
import { startDynamoDbLocal } from '../local/runtime/dynamodb-local';
import { ensureEventsTable } from '../local/runtime/events-table';
import { loadFixture, setPath, signedRequest, TEST_SECRET } from './fixtures';

const CUSTOMER = 'cust_IdgAFZxYwwHctOk9pPuMu308';
const FIXTURES = ['redemption.rollback.failed', 'redemption.rollback.succeeded', 'redemption.succeeded'] as const;

type Tally = Map<string, { requests: number; read: number; write: number }>;

function add(tally: Tally, key: string, read: number, write: number): void {
  const row = tally.get(key) ?? { requests: 0, read: 0, write: 0 };
  tally.set(key, {
    // An index's units come with the table request that caused them; a Query of an index is a request itself.
    requests: row.requests + (!key.includes(' index ') || key.startsWith('Query') ? 1 : 0),
    read: row.read + read,
    write: row.write + write,
  });
}

/** DynamoDB Local reports CapacityUnits (not split into read and write): reads for Get/Query, writes for updates. */
function record(tally: Tally, operation: string, consumed: ConsumedCapacity | undefined): void {
  if (!consumed) {
    add(tally, `${operation} (no ConsumedCapacity returned)`, 0, 0);
    return;
  }
  const isWrite = operation === 'UpdateItem' || operation === 'PutItem';
  const units = (u: { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number } = {}) =>
    isWrite ? [0, u.WriteCapacityUnits ?? u.CapacityUnits ?? 0] : [u.ReadCapacityUnits ?? u.CapacityUnits ?? 0, 0];
  const indexes = Object.entries(consumed.GlobalSecondaryIndexes ?? {});
  // A Query of an index reports the index's units; its Table entry is 0 and not a request of its own.
  if (!(operation === 'Query' && indexes.length > 0)) {
    const [read, write] = units(consumed.Table ?? { CapacityUnits: consumed.CapacityUnits });
    add(tally, `${operation} table`, read ?? 0, write ?? 0);
  }
  for (const [name, u] of indexes) {
    const [read, write] = units(u);
    add(tally, `${operation} index ${name}`, read ?? 0, write ?? 0);
  }
}

function print(title: string, tally: Tally): void {
  let read = 0;
  let write = 0;
  console.log(`\n${title}`);
  console.log('  what                                   requests  read units  write units');
  for (const [key, row] of [...tally.entries()].sort()) {
    read += row.read;
    write += row.write;
    console.log(
      `  ${key.padEnd(38)} ${String(row.requests || '').padStart(8)}  ${row.read.toFixed(1).padStart(10)}  ${row.write.toFixed(1).padStart(11)}`,
    );
  }
  console.log(
    `  ${'total'.padEnd(38)} ${''.padStart(8)}  ${read.toFixed(1).padStart(10)}  ${write.toFixed(1).padStart(11)}`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '100' } } });
  const count = Number(values.events);
  const dynamodb = await startDynamoDbLocal();
  const client = localDynamoDbClient(dynamodb.endpoint);
  try {
    const table = 'erase-units';
    await ensureEventsTable(client, table);
    const ingest = makeIngest({
      secrets: staticSecrets(TEST_SECRET),
      store: new DynamoDbEventStore(client, table),
      logger: silentLogger,
      config: DEFAULT_INGEST_CONFIG,
    });
    for (let i = 0; i < count; i += 1) {
      const body = loadFixture(FIXTURES[i % FIXTURES.length] as string);
      setPath(body, 'event.id', `evt_units_${String(i).padStart(6, '0')}`);
      if (i % FIXTURES.length === 2) {
        setPath(body, 'data.customer.id', CUSTOMER);
        setPath(body, 'data.redemption.customer_id', CUSTOMER);
      }
      const answer = await ingest(signedRequest(body));
      if (answer.statusCode !== 202) throw new Error(`event ${i} answered ${answer.statusCode}`);
    }
    // Another customer's events, which must cost the erasure nothing.
    for (let i = 0; i < 20; i += 1)
      await ingest(signedRequest(setPath(loadFixture('redemption.failed'), 'event.id', `evt_other_${i}`)));

    // Every request of the erasure asks for its consumed capacity; the answer is tallied by operation.
    let tally: Tally = new Map();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity = 'INDEXES';
        const result = await next(args);
        const operation = String(context.commandName).replace(/Command$/, '');
        record(tally, operation, (result.output as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity);
        return result;
      },
      { step: 'initialize', name: 'consumedCapacity' },
    );
    const deps = erasureDeps(client, table);
    const subject = erasureSubject(CUSTOMER);

    const plan = await planErasure(deps, subject);
    const result = await runErasure(deps, plan, { by: 'erase-units', retentionDays: 365 });
    print(
      `Erasing one customer with ${count} events (${result.erased} erased, ${result.left} left): plan + run`,
      tally,
    );
    tally = new Map();
    const again = await runErasure(deps, await planErasure(deps, subject), { by: 'erase-units', retentionDays: 365 });
    print(`The same again (a re-run: ${again.erased} erased)`, tally);
    tally = new Map();
    const status = await erasureStatus(deps, subject);
    print(`erase --status (${status.stored} stored)`, tally);
  } finally {
    client.destroy();
    await dynamodb.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
