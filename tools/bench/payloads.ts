import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_INGEST_CONFIG, type IngestRequest } from '../../functions/core/ingest/ingest';
import { SIGNATURE_HEADER, sign, stripJsonWhitespace } from '../../functions/core/ingest/signature';
import { toApiGatewayEvent } from '../../local/runtime/api-gateway-event';

/** The two seed events every measurement runs on, in full v2024-01-01 envelopes. */
export const SEED_NAMES = ['redemption.failed', 'redemption.rollback.failed'] as const;
export type SeedName = (typeof SEED_NAMES)[number];

/** The webhook secret the benchmark signs with (the length of a real Voucherify secret). */
export const BENCH_SECRET = 'bench-webhook-secret-0123456789abcdef';

const FIXTURES_DIR = join(__dirname, '..', '..', 'fixtures');

/** One seed as Voucherify would deliver it: compact bytes and the signature header. */
export interface Payload {
  readonly name: SeedName;
  /** The compact body, byte for byte what Voucherify signs and sends. */
  readonly body: Buffer;
  readonly signature: string;
  readonly eventId: string;
}

type Envelope = { event: { id: string } } & Record<string, unknown>;

function readSeed(name: SeedName): Envelope {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, `${name}.json`), 'utf8')) as Envelope;
}

function payloadOf(name: SeedName, body: Buffer, eventId: string): Payload {
  return { name, body, signature: sign(body, BENCH_SECRET), eventId };
}

/** The seeds, compacted from the fixture files the way Voucherify sends them (whitespace outside strings removed). */
export function seedPayloads(): Payload[] {
  return SEED_NAMES.map((name) => {
    const body = stripJsonWhitespace(readFileSync(join(FIXTURES_DIR, `${name}.json`)));
    return payloadOf(name, body, readSeed(name).event.id);
  });
}

/**
 * A seed with its own event id, signed, so that every request of a throughput run is a new event (a repeated id would
 * be answered `duplicate` without a write). JSON.stringify gives the same compact bytes as the fixture for these
 * seeds (plain ASCII, no escapes); the sizes stay within a few bytes of the seed's.
 */
export function uniquePayload(name: SeedName, eventId: string): Payload {
  const envelope = readSeedCached(name);
  const body = Buffer.from(JSON.stringify({ ...envelope, event: { ...envelope.event, id: eventId } }));
  return payloadOf(name, body, eventId);
}

const seedCache = new Map<SeedName, Envelope>();
function readSeedCached(name: SeedName): Envelope {
  let envelope = seedCache.get(name);
  if (!envelope) {
    envelope = readSeed(name);
    seedCache.set(name, envelope);
  }
  return envelope;
}

/** The headers Voucherify sends with a payload. */
export function deliveryHeaders(payload: Payload): Record<string, string> {
  return { 'content-type': 'application/json', [SIGNATURE_HEADER]: payload.signature };
}

/** A payload as the core receives it from any door. */
export function ingestRequest(payload: Payload): IngestRequest {
  return {
    method: 'POST',
    path: DEFAULT_INGEST_CONFIG.webhookPath,
    headers: deliveryHeaders(payload),
    body: payload.body,
    requestId: 'bench',
  };
}

/** A payload as API Gateway's HTTP API hands it to the Lambda function (payload format 2.0). */
export function apiGatewayEventOf(payload: Payload) {
  return toApiGatewayEvent({
    method: 'POST',
    path: DEFAULT_INGEST_CONFIG.webhookPath,
    headers: deliveryHeaders(payload),
    body: payload.body,
  });
}
