/**
 * Rotating the webhook secret as SECURITY.md describes it: the secret holds `["new", "old"]` while both are in use;
 * events signed with either are accepted, and the log line says which one matched (by position, never the value), so
 * an operator can see when the old one stopped being used.
 */
import { parseSecrets, staticSecrets } from '../../functions/adapters/secrets';
import { DEFAULT_INGEST_CONFIG, makeIngest } from '../../functions/core/ingest/ingest';
import { loadFixture, signedRequest } from '../../tools/fixtures';
import { MemoryEventStore } from '../helpers/memory-store';

const OLD = 'old-webhook-secret-from-voucherify';
const NEW = 'new-webhook-secret-from-voucherify';

function setup(secretValue: string) {
  const lines: Record<string, unknown>[] = [];
  const store = new MemoryEventStore();
  const ingest = makeIngest({
    secrets: staticSecrets(secretValue),
    store,
    logger: { log: (level, message, fields) => lines.push({ level, message, ...fields }) },
    config: DEFAULT_INGEST_CONFIG,
  });
  return { ingest, lines, store };
}

const event = (suffix: string) => {
  const envelope = loadFixture('redemption.rollback.failed');
  envelope.event.id = `${envelope.event.id}_${suffix}`;
  return envelope;
};

it('the JSON-array form is read as the list of accepted secrets, new first', () => {
  expect(parseSecrets(JSON.stringify([NEW, OLD]))).toEqual([NEW, OLD]);
});

it('during the overlap, events signed with either secret are accepted; the log names the slot, not the secret', async () => {
  const { ingest, lines, store } = setup(JSON.stringify([NEW, OLD]));

  const byNew = await ingest(signedRequest(event('new'), { secret: NEW }));
  const byOld = await ingest(signedRequest(event('old'), { secret: OLD }));

  expect([byNew.statusCode, byOld.statusCode]).toEqual([202, 202]);
  expect(store.records.size).toBe(2);
  expect(lines.map((line) => line.secretIndex)).toEqual([0, 1]);
  const text = JSON.stringify(lines);
  expect(text).not.toContain(NEW);
  expect(text).not.toContain(OLD);
});

it('after the old secret is removed, an event still signed with it is refused 401 and not stored', async () => {
  const { ingest, store } = setup(JSON.stringify([NEW]));

  const answer = await ingest(signedRequest(event('late'), { secret: OLD }));

  expect(answer.statusCode).toBe(401);
  expect(answer.body.code).toBe('signature_invalid');
  expect(store.records.size).toBe(0);
});

it('a plain string is one secret (the usual state between rotations)', async () => {
  const { ingest, lines } = setup(NEW);
  expect((await ingest(signedRequest(event('plain'), { secret: NEW }))).statusCode).toBe(202);
  expect(lines[0]?.secretIndex).toBe(0);
});
