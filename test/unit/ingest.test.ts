import { staticSecrets } from '../../functions/adapters/secrets';
import { DEFAULT_INGEST_CONFIG, type IngestRequest, makeIngest } from '../../functions/core/ingest/ingest';
import { sign } from '../../functions/core/ingest/signature';
import { decodeBody } from '../../functions/core/shared/body-codec';
import { StorageUnavailableError } from '../../functions/core/shared/errors';
import type { SecretSource } from '../../functions/core/shared/ports';
import { compactBody, loadFixture, setPath, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { MemoryEventStore } from '../helpers/memory-store';

const NOW = Date.parse('2026-11-22T10:00:00.000Z');

function setup(options: { secrets?: SecretSource; maxBodyBytes?: number } = {}) {
  const store = new MemoryEventStore();
  const lines: Record<string, unknown>[] = [];
  const ingest = makeIngest({
    secrets: options.secrets ?? staticSecrets(TEST_SECRET),
    store,
    logger: { log: (level, message, fields) => lines.push({ level, message, ...fields }) },
    config: { ...DEFAULT_INGEST_CONFIG, maxBodyBytes: options.maxBodyBytes ?? DEFAULT_INGEST_CONFIG.maxBodyBytes },
    now: () => NOW,
  });
  return { ingest, store, lines };
}

const rollback = () => loadFixture('redemption.rollback.failed');
const signedBytes = (body: string | Buffer) => signedRequest(undefined, { body: Buffer.from(body) });

/** The contract of POST /webhooks/voucherify, one row per case (see README "How answers are chosen"). */
const decisionTable: {
  name: string;
  request: () => IngestRequest;
  secrets?: SecretSource;
  status: number;
  body: Record<string, unknown>;
  stored: 'ACCEPTED' | 'QUARANTINED' | 'nothing';
}[] = [
  {
    name: 'valid signature, valid envelope and data',
    request: () => signedRequest(rollback()),
    status: 202,
    body: { status: 'accepted', eventId: 'evrrf_0e3ac8bf0a0531c400' },
    stored: 'ACCEPTED',
  },
  {
    name: 'missing signature',
    request: () => ({ ...signedRequest(rollback()), headers: { 'content-type': 'application/json' } }),
    status: 401,
    body: { code: 'signature_missing', message: expect.any(String) },
    stored: 'nothing',
  },
  {
    name: 'signature made with another secret',
    request: () => signedRequest(rollback(), { secret: 'not-the-secret' }),
    status: 401,
    body: { code: 'signature_invalid', message: expect.any(String) },
    stored: 'nothing',
  },
  {
    name: 'signature that is not 64 hex characters',
    request: () => signedRequest(rollback(), { headers: { 'x-voucherify-signature': 'sha256=abc' } }),
    status: 401,
    body: { code: 'signature_malformed', message: expect.any(String) },
    stored: 'nothing',
  },
  {
    name: 'authentic but not JSON',
    request: () => signedBytes('this is not json'),
    status: 202,
    body: {
      status: 'quarantined',
      eventId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      message: expect.any(String),
      errors: [{ pointer: '/', message: expect.stringContaining('not valid JSON') }],
    },
    stored: 'QUARANTINED',
  },
  {
    name: 'authentic, envelope fails the schema',
    request: () => {
      const event = rollback();
      event.created_at = 'not a date';
      return signedRequest(event);
    },
    status: 202,
    body: {
      status: 'quarantined',
      eventId: 'evrrf_0e3ac8bf0a0531c400',
      message: expect.any(String),
      errors: [{ pointer: '/created_at', message: expect.stringContaining('date-time') }],
    },
    stored: 'QUARANTINED',
  },
  {
    name: 'authentic, data fails the schema',
    request: () => {
      const event = rollback();
      (event.data.redemption_rollback as Record<string, unknown>).failure_code = 42;
      return signedRequest(event);
    },
    status: 202,
    body: {
      status: 'quarantined',
      eventId: 'evrrf_0e3ac8bf0a0531c400',
      message: expect.any(String),
      errors: [{ pointer: '/data/redemption_rollback/failure_code', message: 'must be string or null' }],
    },
    stored: 'QUARANTINED',
  },
  {
    name: 'unsigned body larger than maxBodyBytes',
    request: () => {
      const request = signedBytes(`{"pad":"${'x'.repeat(DEFAULT_INGEST_CONFIG.maxBodyBytes)}"}`);
      request.headers['x-voucherify-signature'] = sign(request.body, 'another-secret');
      return request;
    },
    status: 413,
    body: {
      code: 'payload_too_large',
      message: expect.stringContaining(`up to ${DEFAULT_INGEST_CONFIG.maxBodyBytes} bytes`),
    },
    stored: 'nothing',
  },
  {
    name: 'authentic body larger than maxBodyBytes (quarantined: no event id)',
    request: () => signedBytes(`{"pad":"${'x'.repeat(DEFAULT_INGEST_CONFIG.maxBodyBytes)}"}`),
    status: 202,
    body: expect.objectContaining({ status: 'quarantined' }),
    stored: 'QUARANTINED',
  },
  {
    name: 'no webhook secret configured',
    request: () => signedRequest(rollback()),
    secrets: staticSecrets('[]'),
    status: 503,
    body: { code: 'receiver_not_configured', message: expect.any(String) },
    stored: 'nothing',
  },
  {
    name: 'other path',
    request: () => ({ ...signedRequest(rollback()), path: '/webhooks/other' }),
    status: 404,
    body: { code: 'not_found', message: expect.any(String) },
    stored: 'nothing',
  },
  {
    name: 'other method',
    request: () => ({ ...signedRequest(rollback()), method: 'GET' }),
    status: 405,
    body: { code: 'method_not_allowed', message: expect.any(String) },
    stored: 'nothing',
  },
];

describe('the ingest decision table', () => {
  it.each(decisionTable)('$name → $status, stores $stored', async (row) => {
    const { ingest, store } = setup(row.secrets ? { secrets: row.secrets } : {});
    const request = row.request();

    const answer = await ingest(request);

    expect(answer.statusCode).toBe(row.status);
    expect(answer.body).toEqual(row.body);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const records = [...store.records.values()];
    if (row.stored === 'nothing') {
      expect(records).toHaveLength(0);
    } else {
      expect(records).toHaveLength(1);
      expect(records[0]?.status).toBe(row.stored);
      expect(decodeBody(records[0]!.body, records[0]!.bodyEncoding).equals(request.body)).toBe(true);
    }
  });

  it('never puts a stack trace, the secret or a signature in an answer', async () => {
    for (const row of decisionTable) {
      const { ingest } = setup(row.secrets ? { secrets: row.secrets } : {});
      const request = row.request();
      const text = JSON.stringify(await ingest(request));
      expect(text).not.toContain(TEST_SECRET);
      expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
      const signature = request.headers['x-voucherify-signature'];
      if (signature && signature.length > 8) expect(text).not.toContain(signature);
    }
  });
});

describe('idempotency on event.id', () => {
  it('answers 200 duplicate to the same event from another send-out and changes nothing', async () => {
    const { ingest, store } = setup();
    const first = rollback();
    await ingest(signedRequest(first));
    const stored = store.records.get(first.event.id);

    const again = rollback();
    again.id = 'whs_another_sendout';
    const answer = await ingest(signedRequest(again));

    expect(answer.statusCode).toBe(200);
    expect(answer.body).toEqual({ status: 'duplicate', eventId: first.event.id });
    expect(store.records.size).toBe(1);
    expect(store.records.get(first.event.id)).toBe(stored);
  });

  it('deduplicates authentic bodies without a readable id by their hash', async () => {
    const { ingest, store } = setup();
    const noId = rollback();
    delete (noId.event as Record<string, unknown>).id;

    const first = await ingest(signedRequest(noId));
    const second = await ingest(signedRequest(noId));

    expect(first.statusCode).toBe(202);
    expect(first.body.status).toBe('quarantined');
    expect(second).toMatchObject({ statusCode: 200, body: { status: 'duplicate', eventId: first.body.eventId } });
    expect(store.records.size).toBe(1);
  });
});

describe('faults', () => {
  it('answers 503 storage_unavailable when the store fails, so Voucherify retries', async () => {
    const { ingest, store, lines } = setup();
    store.failWith = new StorageUnavailableError('throttled', { cause: new Error('ProvisionedThroughputExceeded') });

    const answer = await ingest(signedRequest(rollback()));

    expect(answer).toMatchObject({ statusCode: 503, body: { code: 'storage_unavailable' } });
    expect(answer.headers['retry-after']).toBe('30');
    expect(lines.at(-1)).toMatchObject({ level: 'error', outcome: 'storage_unavailable' });
  });

  it('answers 500 internal_error without details on an unexpected failure', async () => {
    const { ingest, store } = setup();
    store.failWith = new TypeError('boom at secret place');

    const answer = await ingest(signedRequest(rollback()));

    expect(answer).toMatchObject({ statusCode: 500, body: { code: 'internal_error' } });
    expect(JSON.stringify(answer.body)).not.toContain('boom');
  });

  it('re-reads the secrets after a mismatch, so a newly added secret works at once', async () => {
    let current = ['old-secret'];
    const secrets: SecretSource = {
      get: async () => current,
      refresh: async () => {
        current = ['old-secret', 'new-secret'];
        return true;
      },
    };
    const { ingest } = setup({ secrets });

    const answer = await ingest(signedRequest(rollback(), { secret: 'new-secret' }));

    expect(answer.statusCode).toBe(202);
  });
});

describe('the stored record', () => {
  it('lifts the searchable fields of the rollback seed and sets the TTL from the retention', async () => {
    const { ingest, store } = setup();
    await ingest(signedRequest(rollback()));
    const record = store.records.get('evrrf_0e3ac8bf0a0531c400');

    expect(record).toMatchObject({
      status: 'ACCEPTED',
      type: 'redemption.rollback.failed',
      eventAt: '2024-02-01T10:25:07.010Z',
      receivedAt: '2026-11-22T10:00:00.000Z',
      sendoutId: 'whs_0e3ac8bf0b4531c401',
      projectId: 'proj_f1r5tPr0j3ct',
      customerId: 'cust_IdgAFZxYwwHctOk9pPuMu308',
      customerSourceId: 'jck-wbhk',
      campaignId: 'camp_QULf1Wzu4yvT3cJ3IzFp76nY',
      campaignName: 'Refer-gift',
      voucherCode: 'Refer-gift-90873378',
      redemptionId: 'r_0e3ab1f3fb99fee4b9',
      rollbackId: 'rrf_0e3ac8beeea431c302',
      failureCode: 'already_rolled_back',
      failureMessage: 'Already rolled back',
      expiresAt: NOW / 1000 + 365 * 86_400,
      bodyEncoding: 'deflate-raw+dict1',
    });
    expect(record?.body.length).toBeLessThan(record!.bodyBytes / 2);
  });

  it('keeps names and email addresses out of the lifted fields', async () => {
    const { ingest, store } = setup();
    await ingest(signedRequest(loadFixture('redemption.failed')));
    const { body: _body, ...lifted } = store.records.get('evrf_0e3ac5685d2431c105')!;

    expect(JSON.stringify(lifted)).not.toMatch(/Jane|jane@jane\.io/);
  });

  it('keeps the signed (compact) form of a pretty-printed body whose compact form was signed', async () => {
    const { ingest, store } = setup();
    const pretty = Buffer.from(JSON.stringify(rollback(), null, 2));
    const request = { ...signedRequest(rollback()), body: pretty };
    request.headers['x-voucherify-signature'] = sign(compactBody(rollback()), TEST_SECRET);

    expect((await ingest(request)).statusCode).toBe(202);
    const record = store.records.get('evrrf_0e3ac8bf0a0531c400')!;
    expect(decodeBody(record.body, record.bodyEncoding).equals(compactBody(rollback()))).toBe(true);
  });
});

describe('what is stored is what was signed (issue 21, item 3)', () => {
  /** A captured delivery whose raw bytes were signed, re-sent with `edit` applied to its bytes. */
  async function replayedAs(edit: (signed: string) => string) {
    const { ingest, store } = setup();
    const event = rollback();
    event.data = { ...(event.data as object), extra: { amount: 0, none: null, note: 'a/b', first: 1 } };
    const signed = JSON.stringify(event);
    const body = Buffer.from(edit(signed));
    expect(body.toString()).not.toBe(signed);
    const request = { ...signedRequest(event), body };
    request.headers['x-voucherify-signature'] = sign(signed, TEST_SECRET);
    const answer = await ingest(request);
    const [record] = [...store.records.values()];
    return { answer, record, signed };
  }

  it.each([
    ['-0 for 0', (s: string) => s.replace('"amount":0', '"amount":-0')],
    ['1e400 for null', (s: string) => s.replace('"none":null', '"none":1e400')],
    ['an escaped character', (s: string) => s.replace('a/b', 'a\\/b')],
    ['\\u escapes', (s: string) => s.replace('"note"', '"\\u006eote"')],
  ])('a delivery re-spelt with %s is stored as the bytes Voucherify signed', async (_, edit) => {
    const { answer, record, signed } = await replayedAs(edit);

    expect(answer.statusCode).toBe(202);
    expect(decodeBody(record!.body, record!.bodyEncoding).toString('utf8')).toBe(signed);
    expect(record!.status).toBe('ACCEPTED');
  });

  it('a duplicate key spliced into a captured delivery is not accepted as the signed event', async () => {
    const { answer, record } = await replayedAs((s) => s.replace('"first":1', '"first":666,"first":1'));

    expect(answer.statusCode).toBe(401);
    expect(record).toBeUndefined();
  });
});

describe('logs', () => {
  it('log one line per request with the outcome and ids, and no payload, signature or secret', async () => {
    const { ingest, lines } = setup();
    const request = signedRequest(loadFixture('redemption.failed'));
    await ingest({ ...request, requestId: 'req-1' });

    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        outcome: 'accepted',
        eventId: 'evrf_0e3ac5685d2431c105',
        sendoutId: 'whs_0e3ac5686a0431c106',
        eventType: 'redemption.failed',
        requestId: 'req-1',
      }),
    ]);
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/Jane|jane@jane\.io/);
    expect(text).not.toContain(TEST_SECRET);
    expect(text).not.toContain(request.headers['x-voucherify-signature']);
  });
});

describe('bodies that are not UTF-8 (found by the fuzz suite)', () => {
  it('quarantines an authentic event with an invalid byte inside a string, keyed and typed as it reads', async () => {
    // Prepare: one 0xFF byte inside the customer's name; everything else as sent, signed over the exact bytes.
    const { ingest, store } = setup();
    const text = JSON.stringify(rollback());
    const at = text.indexOf('Jack Webhook') + 4;
    const body = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xff]), Buffer.from(text.slice(at))]);

    // Act
    const result = await ingest(signedRequest(undefined, { body }));

    // Assess: still the event's own id (duplicates dedupe, the rollback failure still alerts), but flagged.
    expect(result.statusCode).toBe(202);
    expect(result.body).toMatchObject({
      status: 'quarantined',
      eventId: 'evrrf_0e3ac8bf0a0531c400',
      errors: [{ pointer: '/', message: expect.stringMatching(/not valid UTF-8/) }],
    });
    const record = store.records.get('evrrf_0e3ac8bf0a0531c400')!;
    expect(record.status).toBe('QUARANTINED');
    expect(record.type).toBe('redemption.rollback.failed');
    expect(decodeBody(record.body, record.bodyEncoding).equals(body)).toBe(true);
  });

  it('lists the UTF-8 problem before the JSON one when the bytes are neither', async () => {
    const { ingest } = setup();

    const result = await ingest(signedBytes(Buffer.from([0x7b, 0xc3, 0x28])));

    expect(result.body.status).toBe('quarantined');
    expect((result.body.errors as { message: string }[]).map((e) => e.message)).toEqual([
      expect.stringMatching(/not valid UTF-8/),
      expect.stringMatching(/not valid JSON/),
    ]);
  });
});

describe('hostile but signed: one captured delivery replayed in other bytes (issue: fallback forms)', () => {
  /** A rollback failure as Voucherify signs it (JSON.stringify), with an accent, slashes and a round amount. */
  function captured(options: { withId?: boolean } = {}) {
    const event = rollback();
    setPath(event, 'data.customer.name', 'Zoé Webhook');
    setPath(event, 'data.redemption_rollback.amount', 300);
    if (options.withId === false) delete (event.event as Record<string, unknown>).id;
    const text = JSON.stringify(event);
    return { text, signature: sign(Buffer.from(text), TEST_SECRET) };
  }

  const replays: [string, (text: string) => string, 'stored once' | 'refused'][] = [
    ['escaped unicode (\\u00e9)', (t) => t.replace('é', '\\u00e9'), 'stored once'],
    ['escaped slashes (\\/)', (t) => t.replaceAll('/', '\\/'), 'stored once'],
    ['300.0', (t) => t.replace('"amount":300', '"amount":300.0'), 'stored once'],
    ['pretty-printed', (t) => JSON.stringify(JSON.parse(t), null, 2), 'stored once'],
    ['CRLF between tokens', (t) => t.replaceAll(',"', ',\r\n"'), 'stored once'],
    ['nu<TAB>ll', (t) => t.replace('null', 'nu\tll'), 'refused'],
    ['3 0 0', (t) => t.replace('"amount":300', '"amount":3 0 0'), 'refused'],
    ['tr ue', (t) => t.replace('true', 'tr ue'), 'refused'],
  ];

  it.each([true, false])('never stores a byte variant twice (event id present: %s)', async (withId) => {
    // Prepare
    const { ingest, store } = setup();
    const { text, signature } = captured({ withId });
    const send = (body: string) =>
      ingest(signedRequest(undefined, { body: Buffer.from(body), headers: { 'x-voucherify-signature': signature } }));
    const original = await send(text);

    // Act
    const answers: Awaited<ReturnType<typeof send>>[] = [];
    for (const [, variant] of replays) answers.push(await send(variant(text)));

    // Assess
    expect(original.statusCode).toBe(202);
    expect(store.records.size).toBe(1);
    replays.forEach(([, , expected], i) => {
      if (expected === 'stored once')
        expect(answers[i]).toMatchObject({
          statusCode: 200,
          body: { status: 'duplicate', eventId: original.body.eventId },
        });
      else expect(answers[i]).toMatchObject({ statusCode: 401, body: { code: 'signature_invalid' } });
    });
  });

  it('keys an event whose id breaks the id rule by that id, so its second send-out is a duplicate', async () => {
    // Prepare: 200 emoji are 200 code points, 400 UTF-16 units and 800 UTF-8 bytes.
    const { ingest, store } = setup();
    const first = setPath(rollback(), 'event.id', '😀'.repeat(200));
    const second = setPath(rollback(), 'event.id', '😀'.repeat(200));
    second.id = 'whs_another_sendout';

    // Act
    const a = await ingest(signedRequest(first));
    const b = await ingest(signedRequest(second));

    // Assess
    expect(a.body).toMatchObject({ status: 'quarantined', errors: [{ pointer: '/event/id' }] });
    expect(b).toMatchObject({ statusCode: 200, body: { status: 'duplicate', eventId: a.body.eventId } });
    expect(store.records.size).toBe(1);
  });

  it('describes a body that is not JSON by byte offset, never by its content', async () => {
    const { ingest, store } = setup();
    const body = '{"card":"4111111111111111","pin":secret-1234}';

    const answer = await ingest(signedBytes(body));

    const message = (answer.body.errors as { message: string }[])[0]?.message ?? '';
    expect(message).toBe('the body is not valid JSON (unexpected character at byte 33)');
    const stored = JSON.stringify([...store.records.values()][0]?.issues);
    for (const text of [JSON.stringify(answer.body), stored]) {
      expect(text).not.toMatch(/secret|4111|1234|pin/);
    }
  });
});

describe('the worst case stays bounded for authentic bodies of any size (issue 21, item 1)', () => {
  it('stores an authentic body nested deeper than MAX_JSON_DEPTH unparsed, quarantined, keyed by its hash', async () => {
    const { ingest, store } = setup();
    const deep = Buffer.from(`{"event":{"id":"ev_deep"},"data":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);

    const answer = await ingest(signedBytes(deep));

    expect(answer.statusCode).toBe(202);
    expect(answer.body).toEqual(expect.objectContaining({ status: 'quarantined' }));
    expect(JSON.stringify(answer.body)).toContain('nests deeper than 1000 levels');
    const [record] = [...store.records.values()];
    expect(record?.eventId).toMatch(/^sha256:/);
    expect(decodeBody(record!.body, record!.bodyEncoding).equals(deep)).toBe(true);
  });
});

it('stores an authentic body with an object of more than MAX_OBJECT_MEMBERS members unparsed, quarantined', async () => {
  const { ingest } = setup();
  const keys = Array.from({ length: 50_001 }, (_, i) => `"k${i}":0`).join(',');
  const wide = Buffer.from(`{"event":{"id":"ev_wide"},"data":{${keys}}}`);

  const answer = await ingest(signedBytes(wide));

  expect(answer.statusCode).toBe(202);
  expect(JSON.stringify(answer.body)).toContain('an object has more than 50000 members');
});

it('starts reading the erasure index before it waits for the webhook secret, so a cold start waits for one, not both', async () => {
  const order: string[] = [];
  const ingest = makeIngest({
    secrets: {
      get: async () => {
        order.push('secret read');
        return [TEST_SECRET];
      },
    },
    store: new MemoryEventStore(),
    erasures: {
      prefetch: () => {
        order.push('index read started');
      },
      find: async () => {
        order.push('erasure looked up');
        return undefined;
      },
    },
    logger: { log: () => {} },
    config: DEFAULT_INGEST_CONFIG,
    now: () => NOW,
  });
  const answer = await ingest(signedRequest(rollback()));
  expect(answer.statusCode).toBe(202);
  expect(order).toEqual(['index read started', 'secret read', 'erasure looked up']);
});
