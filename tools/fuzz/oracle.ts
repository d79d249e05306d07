/**
 * The properties every fuzz case must hold, checked against the real ingest Lambda handler and its DynamoDB Local
 * table. The oracle decides what the answer must be from the request alone (route, size, the HMAC it computes itself
 * over the bytes the event carries), then reads the table before and after:
 * - no thrown error, no 5xx, and a well-formed JSON answer (a status and event id, or a code and a sentence);
 * - without a valid signature: 401 with the right code, and nothing stored under the key the body would have had;
 * - authentic: 202 accepted/quarantined when the key was new, 200 duplicate when it was not; the item is there under
 *   its key (see expectedKey) with the exact bytes, and a repeat delivery is a duplicate;
 * - an answer is never slow: every call is timed, and the slowest are reported (the core's budget is 1 s).
 * Authentic means: the HMAC of the bytes, or (only when the bytes parse as JSON) of their compact form or of
 * `JSON.stringify` of the parsed value (the official SDK's rule). Upper-case hex is accepted.
 */
import { isUtf8 } from 'node:buffer';
import { createHash, createHmac } from 'node:crypto';
import { type AttributeValue, type DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { S3BodyStore } from '../../functions/adapters/s3-body-store';
import { EVENTS_TABLE } from '../../functions/adapters/table';
import { MAX_JSON_DEPTH, MAX_OBJECT_MEMBERS } from '../../functions/core/ingest/json-body';
import { stripJsonWhitespace } from '../../functions/core/ingest/signature';
import { readStoredBody } from '../../functions/core/shared/stored-body';
import type { HttpApiHandler } from '../../local/runtime/server';
import {
  categoryOf,
  deliveredBytes,
  type FuzzCase,
  MAX_BODY_BYTES,
  materialize,
  stringifiedForm,
  TEST_SECRET,
  WEBHOOK_PATH,
} from './cases';

/** A property did not hold; the message says which and for what request. */
export class PropertyViolationError extends Error {
  override name = 'PropertyViolationError';
}

/** The ingest handler under test and the table it writes to. */
export interface FuzzTarget {
  readonly handler: HttpApiHandler;
  readonly client: DynamoDBClient;
  readonly table: string;
}

export interface CaseResult {
  readonly category: string;
  /** `<status code> <status or error code>`, e.g. `202 quarantined`, `401 signature_invalid`. */
  readonly outcome: string;
  /** The key stored by this case, if it created an item. */
  readonly created?: string;
  /** How long the handler took to answer (the first delivery), in milliseconds. */
  readonly elapsedMs: number;
}

type Item = Record<string, AttributeValue>;

/** An answer is never larger than this: the quarantine answer lists at most 21 issues. */
const MAX_ANSWER_BYTES = 64 * 1024;
const ANSWER_STATUSES = new Set(['accepted', 'quarantined', 'duplicate']);

function fail(message: string, detail: Record<string, unknown> = {}): never {
  throw new PropertyViolationError(`${message} ${JSON.stringify(detail)}`);
}

/** The header as the receiver must read it: names are case-insensitive. */
function signatureHeader(event: APIGatewayProxyEventV2): string | undefined {
  let value: string | undefined;
  for (const [name, v] of Object.entries(event.headers ?? {}))
    if (name.toLowerCase() === 'x-voucherify-signature') value = v;
  return value;
}

type Expectation =
  | { kind: 'error'; statusCode: number; code: string }
  | { kind: 'authentic'; key: string; json: boolean; signed: Buffer };

/** Bodies kept beside their item are read from the bucket the reference names (the local s3rver). */
const overflowBodies = new S3BodyStore();

/** Whether a parsed value nests deeper than MAX_JSON_DEPTH or has an object of MAX_OBJECT_MEMBERS members or more. */
function beyondParseLimits(value: unknown): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item !== 'object' || item === null) continue;
    if (depth + 1 > MAX_JSON_DEPTH) return true;
    const children = Array.isArray(item) ? item : Object.values(item);
    if (!Array.isArray(item) && children.length >= MAX_OBJECT_MEMBERS + 1) return true;
    for (const child of children) stack.push([child, depth + 1]);
  }
  return false;
}

const hmac = (bytes: Buffer) => createHmac('sha256', TEST_SECRET).update(bytes).digest('hex');

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * The key the receiver must store an authentic body under: `event.id` when it is a non-empty string of at most 256
 * UTF-8 bytes; `sha256-id:` of a longer id string (as JSON text); else `sha256:` of the bytes the signature covers.
 */
export function expectedKey(bytes: Buffer, signedBytes: Buffer = bytes): { key: string; json: boolean } {
  const hash = `sha256:${sha256(signedBytes)}`;
  let parsed: unknown;
  try {
    // What is parsed is what was signed (the signed form of a fallback match). Invalid UTF-8 is read with U+FFFD in
    // its place: the id still counts (the event must be flagged, see below).
    parsed = JSON.parse(signedBytes.toString('utf8'));
  } catch {
    return { key: hash, json: false };
  }
  // Too deep or too wide to be parsed by the receiver (MAX_JSON_DEPTH, MAX_OBJECT_MEMBERS): stored unparsed.
  if (beyondParseLimits(parsed)) return { key: hash, json: false };
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const id = isObject(parsed) && isObject(parsed.event) ? parsed.event.id : undefined;
  if (typeof id !== 'string' || id.length === 0) return { key: hash, json: true };
  // Well-formed: no lone surrogate (\p{Cs} in a `u` expression matches only unpaired ones), no U+FFFE or U+FFFF.
  const wellFormed = !/\p{Cs}|\uFFFE|\uFFFF/u.test(id);
  if (Buffer.byteLength(id, 'utf8') <= 256 && wellFormed) return { key: id, json: true };
  return { key: `sha256-id:${sha256(JSON.stringify(id))}`, json: true };
}

/** The bytes a valid signature covers (raw first, then the two forms of parsed JSON), or undefined. */
function signedForm(bytes: Buffer, given: string): Buffer | undefined {
  if (hmac(bytes) === given) return bytes;
  try {
    JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const compact = stripJsonWhitespace(bytes);
  if (hmac(compact) === given) return compact;
  // Undefined when the value is nested too deeply for JSON.stringify: no SDK could have signed it either.
  const stringified = stringifiedForm(bytes);
  return stringified && hmac(stringified) === given ? stringified : undefined;
}

/** What the answer must be, from the request alone. */
function expectationFor(event: APIGatewayProxyEventV2, bytes: Buffer): Expectation {
  const path = event.rawPath.length > 1 && event.rawPath.endsWith('/') ? event.rawPath.slice(0, -1) : event.rawPath;
  if (path !== WEBHOOK_PATH) return { kind: 'error', statusCode: 404, code: 'not_found' };
  if (event.requestContext.http.method !== 'POST')
    return { kind: 'error', statusCode: 405, code: 'method_not_allowed' };
  // The signature first: a body larger than maxBodyBytes is refused (413) only when it is not proven authentic.
  const tooLarge = bytes.length > MAX_BODY_BYTES;
  const refuse = (code: string): Expectation =>
    tooLarge ? { kind: 'error', statusCode: 413, code: 'payload_too_large' } : { kind: 'error', statusCode: 401, code };
  const header = signatureHeader(event)?.trim();
  if (!header) return refuse('signature_missing');
  if (!/^[0-9a-fA-F]{64}$/.test(header)) return refuse('signature_malformed');
  const signed = signedForm(bytes, header.toLowerCase());
  if (!signed) return refuse('signature_invalid');
  return { kind: 'authentic', signed, ...expectedKey(bytes, signed) };
}

interface Answer {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
  readonly elapsedMs: number;
}

/** Calls the handler and checks the answer's shape (whatever it says). */
async function call(
  target: FuzzTarget,
  event: APIGatewayProxyEventV2,
  context: Record<string, unknown>,
): Promise<Answer> {
  let result: APIGatewayProxyStructuredResultV2;
  const started = performance.now();
  try {
    result = (await target.handler(event, {
      awsRequestId: event.requestContext.requestId,
    })) as APIGatewayProxyStructuredResultV2;
  } catch (error) {
    fail('the handler threw', {
      ...context,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
  if (typeof result !== 'object' || result === null || !Number.isInteger(result.statusCode))
    fail('the handler returned no status code', { ...context, result: String(result) });
  const statusCode = result.statusCode as number;
  if (statusCode >= 500) fail(`answered ${statusCode}`, { ...context, body: result.body });
  const contentType = String(result.headers?.['content-type'] ?? '');
  if (!contentType.startsWith('application/json')) fail('the answer is not JSON', { ...context, contentType });
  const raw = result.body ?? '';
  if (Buffer.byteLength(raw) > MAX_ANSWER_BYTES) fail('the answer is too large', { ...context, bytes: raw.length });
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    fail('the answer body is not JSON', { ...context, raw: raw.slice(0, 200) });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    fail('the answer is not a JSON object', context);
  const answer = body as Record<string, unknown>;
  if (statusCode >= 200 && statusCode < 300) {
    if (!ANSWER_STATUSES.has(String(answer.status)) || typeof answer.eventId !== 'string')
      fail('a 2xx answer without a status and event id', { ...context, answer });
    if (answer.status === 'quarantined') {
      const errors = answer.errors;
      const wellFormed =
        Array.isArray(errors) &&
        errors.length > 0 &&
        errors.every(
          (e: unknown) =>
            typeof e === 'object' &&
            e !== null &&
            typeof (e as Record<string, unknown>).pointer === 'string' &&
            String((e as Record<string, unknown>).pointer).startsWith('/') &&
            typeof (e as Record<string, unknown>).message === 'string',
        );
      if (!wellFormed) fail('a quarantine answer without pointer + message errors', { ...context, answer });
    }
  } else {
    const keys = Object.keys(answer).sort().join(',');
    if (keys !== 'code,message' || typeof answer.code !== 'string' || typeof answer.message !== 'string')
      fail('an error answer without exactly a code and a message', { ...context, answer });
  }
  if (raw.includes(TEST_SECRET)) fail('the answer contains the secret', context);
  return { statusCode, body: answer, elapsedMs: performance.now() - started };
}

async function getItem(target: FuzzTarget, key: string): Promise<Item | undefined> {
  const { Item } = await target.client.send(
    new GetItemCommand({
      TableName: target.table,
      Key: { [EVENTS_TABLE.partitionKey]: { S: key } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

const outcomeOf = (answer: Answer) => `${answer.statusCode} ${String(answer.body.status ?? answer.body.code)}`;

/**
 * Runs one case through the handler and checks every property; throws `PropertyViolationError` when one fails. `nonce`
 * makes the event ids of seed payloads unique to this execution.
 */
export async function checkCase(target: FuzzTarget, fuzzCase: FuzzCase, nonce: string): Promise<CaseResult> {
  const { event, signature, sentBytes } = materialize(fuzzCase, nonce);
  const bytes = deliveredBytes(event);
  const expected = expectationFor(event, bytes);
  const category = categoryOf(fuzzCase);
  // What the body's key would be if it were authentic: an unauthentic request must not have stored anything there.
  const key = expected.kind === 'authentic' ? expected.key : expectedKey(bytes).key;
  const context = { category, nonce, key: key.slice(0, 80), bytes: bytes.length, expected };
  const before = await getItem(target, key);

  const answer = await call(target, event, context);
  if (signature && signature.trim().length >= 16 && JSON.stringify(answer.body).includes(signature.trim()))
    fail('the answer echoes the signature', context);
  const outcome = outcomeOf(answer);

  if (expected.kind === 'error') {
    if (answer.statusCode !== expected.statusCode || answer.body.code !== expected.code)
      fail(`expected ${expected.statusCode} ${expected.code}, got ${outcome}`, context);
    if (!before && (await getItem(target, key))) fail('stored although not authentic', context);
    return { category, outcome, elapsedMs: answer.elapsedMs };
  }

  if (answer.body.eventId !== expected.key)
    fail('the answer names another event id', { ...context, eventId: String(answer.body.eventId).slice(0, 80) });
  const after = await getItem(target, key);
  if (!after) fail('an authentic event cannot be found by its key', { ...context, outcome });
  if (before) {
    if (outcome !== '200 duplicate') fail(`a known key must be a duplicate, got ${outcome}`, context);
    if (after.receivedAt?.S !== before.receivedAt?.S) fail('a duplicate changed the stored item', context);
    return { category, outcome, elapsedMs: answer.elapsedMs };
  }
  if (outcome !== '202 accepted' && outcome !== '202 quarantined')
    fail(`a new authentic event must be accepted or quarantined, got ${outcome}`, context);
  const status = outcome === '202 accepted' ? 'ACCEPTED' : 'QUARANTINED';
  if (after.status?.S !== status) fail(`answered ${outcome} but stored ${after.status?.S}`, context);
  if (!expected.json && status !== 'QUARANTINED') fail('a body that is not JSON was accepted', context);
  if (!isUtf8(expected.signed) && status !== 'QUARANTINED') fail('a body that is not UTF-8 was accepted', context);
  // (An unchanged seed that a lying base64 flag turned into other bytes is another body, signed as such.)
  if (isUntouchedSeed(fuzzCase) && bytes.equals(sentBytes) && status !== 'ACCEPTED')
    fail('an unchanged seed was not accepted', context);
  // Stored = what was signed (the delivered bytes for a raw match), wherever it is kept (item or bodies bucket).
  const stored = await readStoredBody(
    {
      body: Buffer.from(after.body?.B ?? new Uint8Array()),
      bodyEncoding: after.bodyEncoding?.S ?? '',
      ...(after.bodyRef?.S ? { bodyRef: after.bodyRef.S } : {}),
    },
    overflowBodies,
  );
  if (!stored.equals(expected.signed)) fail('the stored body differs from the signed bytes', context);
  if (Number(after.bodyBytes?.N) !== expected.signed.length) fail('bodyBytes differs from the signed length', context);

  if (fuzzCase.repeat) {
    const again = await call(target, event, { ...context, repeat: true });
    if (outcomeOf(again) !== '200 duplicate' || again.body.eventId !== expected.key)
      fail(`a repeated delivery must be a duplicate, got ${outcomeOf(again)}`, context);
    const latest = await getItem(target, key);
    if (latest?.receivedAt?.S !== after.receivedAt?.S) fail('a repeated delivery changed the stored item', context);
  }
  return { category, outcome, created: expected.key, elapsedMs: answer.elapsedMs };
}

function isUntouchedSeed(fuzzCase: FuzzCase): boolean {
  const { payload } = fuzzCase;
  return payload.kind === 'seed' && payload.mutation.kind === 'none' && payload.edit.kind === 'none';
}

/** Every key in the table (projection only, consistent). */
export async function tableKeys(target: Pick<FuzzTarget, 'client' | 'table'>): Promise<Set<string>> {
  const keys = new Set<string>();
  let start: Item | undefined;
  do {
    const page = await target.client.send(
      new ScanCommand({
        TableName: target.table,
        ConsistentRead: true,
        ProjectionExpression: '#pk',
        ExpressionAttributeNames: { '#pk': EVENTS_TABLE.partitionKey },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const key = item[EVENTS_TABLE.partitionKey]?.S;
      if (key !== undefined) keys.add(key);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return keys;
}
