import { isUtf8 } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { toItem } from '../../functions/adapters/dynamodb-event-store';
import { DEFAULT_INGEST_CONFIG } from '../../functions/core/ingest/ingest';
import { parseJsonBody } from '../../functions/core/ingest/json-body';
import { verifySignature } from '../../functions/core/ingest/signature';
import { type Validators, validateEvent, validatorsAheadOfTime } from '../../functions/core/ingest/validation';
import { buildEventRecord, extractFields, readEventId } from '../../functions/core/shared/event-record';
import { BENCH_SECRET, type Payload } from './payloads';

/** A step of the benchmark gave a different answer than the product would (a broken payload or a broken build). */
export class BenchmarkSanityError extends Error {
  override name = 'BenchmarkSanityError';
}

const SECRETS = [BENCH_SECRET] as const;

/**
 * The floor: what any receiver that verifies and reads a webhook must do. Decode the hex header, HMAC-SHA256 the body,
 * compare in constant time, JSON.parse the body. Nothing that verifies and reads a webhook can be cheaper.
 */
export function floor(payload: Payload): unknown {
  const expected = Buffer.from(payload.signature, 'hex');
  const digest = createHmac('sha256', BENCH_SECRET).update(payload.body).digest();
  if (!timingSafeEqual(digest, expected)) throw new BenchmarkSanityError(`${payload.name}: floor HMAC mismatch`);
  return JSON.parse(payload.body.toString('utf8'));
}

/** The product's verify, parse and validate, called as `makeIngest` calls them. */
export function verifyParseValidate(payload: Payload, validators: Validators = validatorsAheadOfTime): unknown {
  const verdict = verifySignature(payload.body, payload.signature, SECRETS);
  if (!verdict.ok) throw new BenchmarkSanityError(`${payload.name}: signature ${verdict.reason}`);
  // The product's parse: the shape check (depth, members), JSON.parse, and the UTF-8 check beside it.
  const json = parseJsonBody(payload.body);
  if (!json.ok || !isUtf8(payload.body)) throw new BenchmarkSanityError(`${payload.name}: not JSON`);
  const parsed = json.value;
  const result = validateEvent(parsed, validators);
  if (!result.ok) throw new BenchmarkSanityError(`${payload.name}: ${JSON.stringify(result.issues)}`);
  return parsed;
}

/** Verify, parse, validate, then build the DynamoDB item (lifted fields, compressed body, TTL) as the store writes it. */
export function coreWithItem(
  payload: Payload,
  validators: Validators = validatorsAheadOfTime,
): Record<string, AttributeValue> {
  const parsed = verifyParseValidate(payload, validators);
  return itemOf(payload, parsed);
}

/** The record the receiver stores for a valid payload. */
export function itemRecordOf(payload: Payload, parsed: unknown = JSON.parse(payload.body.toString('utf8'))) {
  return buildEventRecord({
    eventId: readEventId(parsed) ?? payload.eventId,
    status: 'ACCEPTED',
    rawBody: payload.body,
    parsed,
    receivedAtMs: Date.now(),
    retentionDays: DEFAULT_INGEST_CONFIG.retentionDays,
  });
}

/** The DynamoDB item the receiver stores for a valid payload. */
export function itemOf(payload: Payload, parsed: unknown = JSON.parse(payload.body.toString('utf8'))) {
  return toItem(itemRecordOf(payload, parsed));
}

/**
 * 2b with the body stored as received: what the item costs without compression, so the bench shows what the
 * compression step itself costs (the cost model shows what it saves).
 */
export function coreWithRawItem(payload: Payload): Record<string, AttributeValue> {
  const parsed = verifyParseValidate(payload);
  const receivedAtMs = Date.now();
  return toItem({
    ...extractFields(parsed),
    eventId: readEventId(parsed) ?? payload.eventId,
    status: 'ACCEPTED',
    receivedAt: new Date(receivedAtMs).toISOString(),
    expiresAt: Math.floor(receivedAtMs / 1000) + DEFAULT_INGEST_CONFIG.retentionDays * 86_400,
    body: payload.body,
    bodyEncoding: 'identity',
    bodyBytes: payload.body.length,
  });
}
