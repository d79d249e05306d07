/**
 * Issue 21, item 9: the smoke has a secret of its own (functions/core/ingest/smoke-signature.ts), accepted by the
 * receiver only for `smoke_` event ids, so whoever runs the smoke cannot sign a real-looking rollback failure.
 */

import { smokeEvents } from '../../cli/smoke/events';
import { staticSecrets } from '../../functions/adapters/secrets';
import { buildAlertMessage } from '../../functions/core/alerts/message';
import { DEFAULT_INGEST_CONFIG, makeIngest } from '../../functions/core/ingest/ingest';
import type { SecretSource } from '../../functions/core/shared/ports';
import { loadFixture, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { MemoryEventStore } from '../helpers/memory-store';

const NOW = Date.parse('2026-11-22T10:00:00.000Z');
const SMOKE_SECRET = 'smoke-secret-for-tests';

/** A secret source that counts its reads. */
function counted(value: string): SecretSource & { reads: number } {
  const source = {
    reads: 0,
    get: async () => {
      source.reads++;
      return [value];
    },
  };
  return source;
}

/** `null`: no smoke secret configured. */
function setup(smoke: SecretSource | null = staticSecrets(SMOKE_SECRET)) {
  const store = new MemoryEventStore();
  const lines: Record<string, unknown>[] = [];
  const ingest = makeIngest({
    secrets: staticSecrets(TEST_SECRET),
    store,
    logger: { log: (level, message, fields) => lines.push({ level, message, ...fields }) },
    config: DEFAULT_INGEST_CONFIG,
    now: () => NOW,
    ...(smoke ? { smokeSecrets: smoke } : {}),
  });
  return { ingest, store, lines };
}

const smoke = smokeEvents('t1', NOW);
const smokeSigned = (body: Buffer) => signedRequest(undefined, { body, secret: SMOKE_SECRET });

describe('the smoke secret', () => {
  it('signs a smoke_ event: accepted, stored, logged as signed with the smoke secret, alerted as a smoke test', async () => {
    const { ingest, store, lines } = setup();

    const answer = await ingest(smokeSigned(smoke.rollbackFailed.body));

    expect(answer).toMatchObject({
      statusCode: 202,
      body: { status: 'accepted', eventId: smoke.rollbackFailed.eventId },
    });
    const record = store.records.get(smoke.rollbackFailed.eventId);
    expect(record?.status).toBe('ACCEPTED');
    expect(lines[0]).toMatchObject({ outcome: 'accepted', signedWith: 'smoke secret' });
    const alert = buildAlertMessage({
      record: record as NonNullable<typeof record>,
      envelope: JSON.parse(smoke.rollbackFailed.body.toString('utf8')),
      now: NOW,
    });
    expect(alert.subject).toMatch(/^\[smoke test\] /);
  });

  it('cannot sign a real-looking event: a rollback failure with a Voucherify id is 401, nothing stored', async () => {
    const { ingest, store, lines } = setup();
    const real = loadFixture('redemption.rollback.failed');

    const answer = await ingest(signedRequest(real, { secret: SMOKE_SECRET }));

    expect(answer).toMatchObject({ statusCode: 401, body: { code: 'signature_invalid' } });
    expect(store.records.size).toBe(0);
    expect(lines[0]).toMatchObject({ outcome: 'signature_invalid', smokeSecret: 'not a smoke event id' });
  });

  it.each([
    ['the envelope id is smoke_ but the event id is not', (e: Record<string, unknown>) => ({ ...e, id: 'smoke_x' })],
    ['no usable event id (keyed by the body hash)', (e: Record<string, unknown>) => ({ ...e, event: { id: '' } })],
  ])('%s: 401', async (_name, change) => {
    const { ingest, store } = setup();
    const body = Buffer.from(JSON.stringify(change(loadFixture('redemption.rollback.failed'))));

    expect((await ingest(smokeSigned(body))).statusCode).toBe(401);
    expect(store.records.size).toBe(0);
  });

  it('without a smoke secret configured, a smoke-signed event is 401', async () => {
    const { ingest, store } = setup(null);
    expect((await ingest(smokeSigned(smoke.failed.body))).statusCode).toBe(401);
    expect(store.records.size).toBe(0);
  });

  it('is read only when the webhook signature did not match: never for Voucherify, never without a signature', async () => {
    const source = counted(SMOKE_SECRET);
    const { ingest } = setup(source);

    await ingest(signedRequest(loadFixture('redemption.failed')));
    await ingest({ ...smokeSigned(smoke.failed.body), headers: {} });
    expect(source.reads).toBe(0);
    await ingest(smokeSigned(smoke.failed.body));
    expect(source.reads).toBe(1);
  });

  it('the webhook secret still signs smoke_ events (a smoke of an older deployment) as before', async () => {
    const { ingest } = setup();
    expect((await ingest(signedRequest(undefined, { body: smoke.failed.body }))).statusCode).toBe(202);
  });
});
