/**
 * The optional allow-list of source addresses: reading entries, matching, the settings that turn it on, and the ingest
 * decision (403 before the signature, nothing stored, no secret read).
 */
import { fromApiGatewayEvent } from '../../functions/adapters/api-gateway';
import { staticSecrets } from '../../functions/adapters/secrets';
import { toAnswer } from '../../functions/core/ingest/answers';
import { ConfigurationError, readIngestSettings } from '../../functions/core/ingest/config';
import { DEFAULT_INGEST_CONFIG, type IngestRequest, makeIngest } from '../../functions/core/ingest/ingest';
import {
  allowListEntries,
  formatSourceEntries,
  parseSourceEntries,
  readSourceEntry,
  SourceAllowListError,
  sourceAllowList,
  sourceEntryProblems,
  VOUCHERIFY_REGIONS,
  VOUCHERIFY_SENDER_IPS,
} from '../../functions/core/ingest/source-ip';
import type { SecretSource } from '../../functions/core/shared/ports';
import { toApiGatewayEvent } from '../../local/runtime/api-gateway-event';
import { loadFixture, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { MemoryEventStore } from '../helpers/memory-store';

const EU1 = ['34.247.197.22', '63.32.191.141', '52.215.148.84'];
const US1 = ['100.25.106.67', '18.209.236.215', '34.192.255.99'];
const AS1 = ['52.76.98.82', '54.169.8.101', '13.214.87.160'];

describe("Voucherify's published sender addresses", () => {
  it('are the ones the reference lists, per region', () => {
    expect(VOUCHERIFY_SENDER_IPS).toEqual({ eu1: EU1, us1: US1, as1: AS1 });
    expect(VOUCHERIFY_REGIONS).toEqual(['eu1', 'us1', 'as1']);
  });

  it('are all valid entries', () => {
    expect(sourceEntryProblems(Object.values(VOUCHERIFY_SENDER_IPS).flat())).toEqual([]);
  });
});

describe('reading an entry', () => {
  it.each([
    ['34.247.197.22', { address: '34.247.197.22', prefix: 32, family: 'ipv4' }],
    [' 10.0.0.0/8 ', { address: '10.0.0.0', prefix: 8, family: 'ipv4' }],
    ['2001:db8::/32', { address: '2001:db8::', prefix: 32, family: 'ipv6' }],
    ['2001:db8::1', { address: '2001:db8::1', prefix: 128, family: 'ipv6' }],
  ])('%j is an address or block', (entry, block) => {
    expect(readSourceEntry(entry)).toEqual(block);
  });

  it.each([
    ['300.1.1.1', 'is not an IPv4 or IPv6 address or CIDR block'],
    ['34.247.197', 'is not an IPv4 or IPv6 address or CIDR block'],
    ['010.1.1.1', 'is not an IPv4 or IPv6 address or CIDR block'],
    ['eu1', 'is not an IPv4 or IPv6 address or CIDR block'],
    ['example.com', 'is not an IPv4 or IPv6 address or CIDR block'],
    ['10.0.0.0/33', 'prefix length outside 1-32'],
    ['10.0.0.0/', 'prefix length outside 1-32'],
    ['10.0.0.0/8/8', 'prefix length outside 1-32'],
    ['2001:db8::/129', 'prefix length outside 1-128'],
    ['0.0.0.0/0', '/0 would allow every address'],
  ])('%j is refused: %s', (entry, problem) => {
    const read = readSourceEntry(entry);
    expect(typeof read).toBe('string');
    expect(read).toContain(JSON.stringify(entry));
    expect(read).toContain(problem);
  });

  it('every bad entry of a list is named at once', () => {
    expect(() => sourceAllowList(['34.247.197.22', '300.1.1.1', '10.0.0.0/33'])).toThrow(SourceAllowListError);
    try {
      sourceAllowList(['34.247.197.22', '300.1.1.1', '10.0.0.0/33']);
    } catch (error) {
      expect((error as SourceAllowListError).problems).toHaveLength(2);
      expect((error as Error).message).toMatch(/"300\.1\.1\.1".*"10\.0\.0\.0\/33"/);
    }
  });
});

describe('matching a source', () => {
  const list = sourceAllowList([...EU1, '198.51.100.0/24', '2001:db8::/32']);

  it.each([
    ['34.247.197.22', true],
    ['52.215.148.84', true],
    ['34.247.197.23', false],
    ['100.25.106.67', false], // us1 is not in this list
    ['198.51.100.0', true],
    ['198.51.100.255', true],
    ['198.51.101.0', false],
    ['2001:db8:1::5', true],
    ['2001:db9::1', false],
    ['::ffff:34.247.197.22', true], // IPv4-mapped IPv6
    ['::ffff:34.247.197.23', false],
    [' 34.247.197.22 ', true],
  ])('%j → %s', (source, allowed) => {
    expect(list.allows(source)).toBe(allowed);
  });

  it.each([undefined, '', 'unknown', '34.247.197.22, 1.2.3.4', '34.247.197.22:443'])(
    'a missing or malformed source (%j) is refused',
    (source) => {
      expect(list.allows(source)).toBe(false);
    },
  );
});

describe('the entries a deployment stands for', () => {
  it('one region: its three addresses', () => {
    expect(allowListEntries(['eu1'], [])).toEqual(EU1);
  });

  it('several regions, any case and spacing, plus extra entries, without repeats', () => {
    expect(allowListEntries([' EU1', 'us1 '], ['198.51.100.0/24', '34.247.197.22', ' '])).toEqual([
      ...EU1,
      ...US1,
      '198.51.100.0/24',
    ]);
  });

  it('nothing set: nothing (the allow-list is off)', () => {
    expect(allowListEntries([], [])).toEqual([]);
  });

  it('an unknown region and a bad address are both named', () => {
    expect(() => allowListEntries(['eu2'], ['1.2.3'])).toThrow(
      /"eu2" is not a Voucherify region \(known: eu1, us1, as1\); "1\.2\.3" is not an IPv4/,
    );
  });

  it('the environment form reads back as written', () => {
    const entries = allowListEntries(['as1'], ['2001:db8::/32']);
    expect(formatSourceEntries(entries)).toBe([...AS1, '2001:db8::/32'].join(','));
    expect(parseSourceEntries(formatSourceEntries(entries))).toEqual(entries);
    expect(parseSourceEntries(undefined)).toEqual([]);
    expect(parseSourceEntries(' , ')).toEqual([]);
  });
});

describe('ALLOWED_SOURCE_IPS at cold start', () => {
  const base = { TABLE_NAME: 'events' };

  it('unset or blank: no allow-list', () => {
    expect(readIngestSettings(base).allowedSourceIps).toBeUndefined();
    expect(readIngestSettings({ ...base, ALLOWED_SOURCE_IPS: ' ' }).allowedSourceIps).toBeUndefined();
  });

  it('a list of addresses and blocks is read', () => {
    expect(
      readIngestSettings({ ...base, ALLOWED_SOURCE_IPS: '34.247.197.22, 198.51.100.0/24' }).allowedSourceIps,
    ).toEqual(['34.247.197.22', '198.51.100.0/24']);
  });

  it('a bad entry stops the function with a message naming the variable and every bad entry', () => {
    const read = () => readIngestSettings({ ...base, ALLOWED_SOURCE_IPS: '34.247.197.22,34.247.197.300,eu1' });
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow(
      /^ALLOWED_SOURCE_IPS must list IP addresses or CIDR blocks, comma-separated: "34\.247\.197\.300" .*; "eu1" /,
    );
  });
});

describe('the API Gateway door', () => {
  it('hands the connection address (requestContext.http.sourceIp) to the core, not X-Forwarded-For', () => {
    const event = toApiGatewayEvent({
      method: 'POST',
      path: '/webhooks/voucherify',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '34.247.197.22' },
      body: Buffer.from('{}'),
      sourceIp: '203.0.113.9',
    });
    expect(fromApiGatewayEvent(event).sourceIp).toBe('203.0.113.9');
  });

  it('a local request without an address is 127.0.0.1, as the local server sees it', () => {
    const event = toApiGatewayEvent({ method: 'POST', path: '/', headers: {}, body: Buffer.alloc(0) });
    expect(fromApiGatewayEvent(event).sourceIp).toBe('127.0.0.1');
  });
});

describe('the 403 answer', () => {
  it('has a code and a sentence naming the refused address', () => {
    const answer = toAnswer({ kind: 'source_not_allowed', sourceIp: '203.0.113.9', signed: false });
    expect(answer.statusCode).toBe(403);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.body).toEqual({
      code: 'source_not_allowed',
      message: expect.stringMatching(/^Requests from 203\.0\.113\.9 .+\.$/),
    });
  });

  it('without an address it still reads as a sentence', () => {
    expect(toAnswer({ kind: 'source_not_allowed', sourceIp: '', signed: false }).body.message).toMatch(
      /^Requests from an unknown address are not accepted/,
    );
  });
});

describe('the ingest decision with the allow-list on', () => {
  function setup(allowedSourceIps: readonly string[] | undefined) {
    const store = new MemoryEventStore();
    const lines: Record<string, unknown>[] = [];
    const inner = staticSecrets(TEST_SECRET);
    const secrets: SecretSource & { reads: number } = {
      reads: 0,
      get() {
        this.reads += 1;
        return inner.get();
      },
    };
    const ingest = makeIngest({
      secrets,
      store,
      logger: { log: (level, message, fields) => lines.push({ level, message, ...fields }) },
      config: { ...DEFAULT_INGEST_CONFIG, ...(allowedSourceIps ? { allowedSourceIps } : {}) },
    });
    return { ingest, store, lines, secrets };
  }
  const from = (
    sourceIp: string | undefined,
    request: IngestRequest = signedRequest(loadFixture('redemption.failed')),
  ) => (sourceIp === undefined ? request : { ...request, sourceIp });

  it('an authentic event from a listed address is accepted and stored', async () => {
    const { ingest, store } = setup(EU1);
    const answer = await ingest(from('63.32.191.141'));
    expect(answer.statusCode).toBe(202);
    expect(store.records.size).toBe(1);
  });

  it('an authentic event from elsewhere is refused 403, nothing stored, and flagged as signed', async () => {
    const { ingest, store, lines } = setup(EU1);
    const answer = await ingest(from('100.25.106.67'));
    expect(answer.statusCode).toBe(403);
    expect(answer.body).toEqual({ code: 'source_not_allowed', message: expect.any(String) });
    expect(answer.outcome).toEqual({ kind: 'source_not_allowed', sourceIp: '100.25.106.67', signed: true });
    expect(store.records.size).toBe(0);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        outcome: 'source_not_allowed',
        statusCode: 403,
        sourceIp: '100.25.106.67',
        signed: true,
      }),
    ]);
  });

  it('a refused request is flagged unsigned when its signature is wrong, missing, or cannot be checked', async () => {
    const { ingest } = setup(EU1);
    const forged = signedRequest(loadFixture('redemption.failed'), { secret: 'not-the-secret' });
    const unsigned = { ...signedRequest(loadFixture('redemption.failed')), headers: {} };
    for (const request of [forged, unsigned]) {
      expect((await ingest(from('203.0.113.9', request))).outcome).toMatchObject({ signed: false });
    }
    const down = makeIngest({
      secrets: { get: () => Promise.reject(new Error('Secrets Manager down')) },
      store: new MemoryEventStore(),
      logger: { log() {} },
      config: { ...DEFAULT_INGEST_CONFIG, allowedSourceIps: EU1 },
    });
    const answer = await down(from('203.0.113.9'));
    expect(answer).toMatchObject({ statusCode: 403, outcome: { signed: false } });
  });

  it('the address is checked before the signature: an unsigned request from elsewhere gets 403, not 401', async () => {
    const { ingest } = setup(EU1);
    const unsigned = { ...signedRequest(loadFixture('redemption.failed')), headers: {} };
    expect((await ingest(from('203.0.113.9', unsigned))).statusCode).toBe(403);
    expect((await ingest(from('34.247.197.22', unsigned))).statusCode).toBe(401);
  });

  it('a listed address does not replace the signature: a bad one is still 401, nothing stored', async () => {
    const { ingest, store } = setup(EU1);
    const forged = signedRequest(loadFixture('redemption.failed'), { secret: 'not-the-secret' });
    expect((await ingest(from('34.247.197.22', forged))).body.code).toBe('signature_invalid');
    expect(store.records.size).toBe(0);
  });

  it('a request without a source address is refused (fails closed)', async () => {
    const { ingest, store } = setup(EU1);
    const answer = await ingest(from(undefined));
    expect(answer.statusCode).toBe(403);
    expect(store.records.size).toBe(0);
  });

  it('off (the default): any source, or none, reaches the signature check', async () => {
    for (const list of [undefined, []]) {
      const { ingest } = setup(list);
      expect((await ingest(from('203.0.113.9'))).statusCode).toBe(202);
    }
    const { ingest } = setup(undefined);
    expect((await ingest(from(undefined))).statusCode).toBe(202);
  });

  it('a bad entry given to the core directly fails when the handler is built, not per request', () => {
    expect(() => setup(['not-an-address'])).toThrow(SourceAllowListError);
  });
});
