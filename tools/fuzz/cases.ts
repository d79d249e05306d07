/**
 * The requests the fuzz suite sends, as plain data (so fast-check can shrink them and print a counterexample), and
 * `materialize`, which turns one into the API Gateway event the Lambda handler receives. Shared by
 * test/integration/fuzz.test.ts and tools/fuzz.ts.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DEFAULT_INGEST_CONFIG } from '../../functions/core/ingest/ingest';
import { SIGNATURE_HEADER, sign, stripJsonWhitespace } from '../../functions/core/ingest/signature';
import { toApiGatewayEvent } from '../../local/runtime/api-gateway-event';
import { loadFixture, TEST_SECRET } from '../fixtures';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A path into a JSON document, as property names and array indexes. */
export type JsonPath = readonly (string | number)[];

/** What is done to a seed envelope before it is serialized. */
export type Mutation =
  | { readonly kind: 'none' }
  /** The value at `path` replaced (a value of another type, an odd id, an odd event type...). */
  | { readonly kind: 'set'; readonly path: JsonPath; readonly value: Json }
  /** An own `__proto__` / `constructor` / `prototype` key added to the object at `path`. */
  | { readonly kind: 'protoKey'; readonly path: JsonPath; readonly key: string; readonly value: Json }
  /** `depth` nested arrays or objects at `path`; `closed: false` leaves them open (truncated JSON). */
  | {
      readonly kind: 'nest';
      readonly path: JsonPath;
      readonly depth: number;
      readonly shape: 'array' | 'object';
      readonly closed: boolean;
    }
  /** A string of `length` copies of `char` at `path`. */
  | { readonly kind: 'hugeString'; readonly path: JsonPath; readonly length: number; readonly char: string }
  /** An array of `length` copies of `element` at `path`. */
  | { readonly kind: 'hugeArray'; readonly path: JsonPath; readonly length: number; readonly element: Json }
  /** An object of `width` properties (`k0`, `k1`, …) all set to `value`, at `path`. */
  | { readonly kind: 'wideObject'; readonly path: JsonPath; readonly width: number; readonly value: Json };

/** What is done to the serialized bytes. Positions are fractions of the length, so they shrink well. */
export type BytesEdit =
  | { readonly kind: 'none' }
  | { readonly kind: 'truncate'; readonly at: number }
  /** Bytes that are not UTF-8 inserted after the first `"` at or after `at`, so they usually land inside a string. */
  | { readonly kind: 'invalidUtf8'; readonly at: number; readonly bytes: readonly number[] }
  /**
   * The same JSON written with escapes (as another serialiser might): every `/` as `\/` and every non-ASCII character
   * as `\uXXXX`. Both only occur inside strings in JSON, so the value is unchanged; the bytes are not.
   */
  | { readonly kind: 'escape' };

/** The bytes the sender means to deliver. */
export type Payload =
  | { readonly kind: 'bytes'; readonly bytes: readonly number[] }
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'seed';
      readonly seed: string;
      readonly mutation: Mutation;
      /** 0 is compact (how Voucherify sends); more pretty-prints, as a proxy might. */
      readonly indent: number;
      readonly edit: BytesEdit;
    };

/**
 * The x-voucherify-signature header.
 * - `stringified`: HMAC of `JSON.stringify(JSON.parse(sent))`, what the official SDK recomputes (of the compact form
 *   when the bytes do not parse: then the receiver must refuse it).
 * - `valid`: HMAC of the sent bytes under the receiver's secret; `uppercase`, `padded` are the same digest written
 *   differently; `compact` is the HMAC of the sent bytes with JSON whitespace removed (Voucherify signs the compact
 *   form); `delivered` is the HMAC of the bytes the handler will decode (whatever the transport did to them).
 * - everything else is not proof of authenticity.
 */
export type SignatureVariant =
  | 'valid'
  | 'uppercase'
  | 'padded'
  | 'compact'
  | 'stringified'
  | 'delivered'
  | 'otherSecret'
  | 'missing'
  | 'empty'
  | 'blank'
  | 'short'
  | 'long'
  | 'prefixed'
  | 'nonHex'
  | 'flipped'
  | 'joined'
  | 'base64'
  | 'garbage';

/** The variants whose header is not a signature of this body by any secret: each must be refused (401). */
export const BROKEN_SIGNATURE_VARIANTS: readonly SignatureVariant[] = [
  'missing',
  'empty',
  'blank',
  'short',
  'long',
  'prefixed',
  'nonHex',
  'flipped',
  'joined',
  'base64',
  'garbage',
];

export const SIGNATURE_VARIANTS: readonly SignatureVariant[] = [
  'valid',
  'uppercase',
  'padded',
  'compact',
  'stringified',
  'delivered',
  'otherSecret',
  ...BROKEN_SIGNATURE_VARIANTS,
];

/**
 * How the bytes travel in the API Gateway event. `honest` is what API Gateway does (text when the bytes are UTF-8,
 * base64 otherwise); the others are flags that lie or bodies that are damaged on the way.
 */
export type Transport =
  | 'honest'
  | 'base64'
  | 'text'
  | 'flagTrueButText'
  | 'flagFalseButBase64'
  | 'base64Junk'
  | 'noBody'
  | 'nullBody';

export const TRANSPORTS: readonly Transport[] = [
  'honest',
  'base64',
  'text',
  'flagTrueButText',
  'flagFalseButBase64',
  'base64Junk',
  'noBody',
  'nullBody',
];

export interface FuzzCase {
  readonly payload: Payload;
  readonly signature: SignatureVariant;
  /** The secret `otherSecret` signs with (never the receiver's). */
  readonly otherSecret: string;
  readonly transport: Transport;
  readonly method: string;
  readonly path: string;
  /** How the signature header's name is written (API Gateway lowercases; a proxy in front might not). */
  readonly headerCase: 'lower' | 'upper' | 'mixed';
  /** `undefined` leaves content-type out. */
  readonly contentType: string | undefined;
  readonly extraHeaders: Readonly<Record<string, string>>;
  /** Deliver the same event a second time (Voucherify retries). */
  readonly repeat: boolean;
}

/** The receiver's webhook path and size limit (the handler runs with the defaults). */
export const WEBHOOK_PATH = DEFAULT_INGEST_CONFIG.webhookPath;
export const MAX_BODY_BYTES = DEFAULT_INGEST_CONFIG.maxBodyBytes;
export { TEST_SECRET };

/** What kind of bad input a case is, for the counts. */
export function categoryOf(fuzzCase: FuzzCase): string {
  const { payload } = fuzzCase;
  if (payload.kind === 'bytes') return 'random bytes';
  if (payload.kind === 'text') return 'random text';
  if (payload.edit.kind === 'truncate') return 'truncated JSON';
  if (payload.edit.kind === 'invalidUtf8') return 'invalid UTF-8';
  if (payload.edit.kind === 'escape') return 'escaped JSON';
  switch (payload.mutation.kind) {
    case 'none':
      return payload.indent > 0 ? 'pretty-printed seed' : 'seed';
    case 'set':
      return 'wrong type / odd value';
    case 'protoKey':
      return '__proto__ / constructor keys';
    case 'nest':
      return payload.mutation.closed ? 'deep nesting' : 'deep nesting, unclosed';
    case 'hugeString':
      return 'huge string';
    case 'hugeArray':
      return 'huge array';
    case 'wideObject':
      return 'wide object';
  }
}

/** One case made concrete: the event for the handler and the bytes the sender meant to send. */
export interface Materialized {
  readonly event: APIGatewayProxyEventV2;
  readonly sentBytes: Buffer;
  /** The signature header's value, if one was sent. */
  readonly signature: string | undefined;
}

const seedText = new Map<string, Json>();
function seedValue(name: string): Json {
  let value = seedText.get(name);
  if (value === undefined) {
    value = loadFixture(name) as unknown as Json;
    seedText.set(name, value);
  }
  return structuredClone(value);
}

const PLACEHOLDER = '\u0000fuzz-placeholder\u0000';
const PLACEHOLDER_JSON = JSON.stringify(PLACEHOLDER);

/** The node at `path`'s parent and the last key, creating nothing; undefined if the path does not lead anywhere. */
function parentOf(root: Json, path: JsonPath): { parent: Json[] | { [key: string]: Json }; key: string | number } {
  if (path.length === 0) throw new Error('internal: the root has no parent');
  let node: Json = root;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') throw new Error(`internal: no container at ${path.join('.')}`);
    node = (node as Record<string, Json>)[key as string] as Json;
  }
  if (node === null || typeof node !== 'object') throw new Error(`internal: no container at ${path.join('.')}`);
  return { parent: node, key: path[path.length - 1] as string | number };
}

/** Sets a value as an own, enumerable property, even for `__proto__` (an assignment would change the prototype). */
function defineOwn(target: Json[] | { [key: string]: Json }, key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Replaces the value at `path` (the root when empty) with a placeholder; returns the new root. */
function placeholderAt(root: Json, path: JsonPath): Json {
  if (path.length === 0) return PLACEHOLDER;
  const { parent, key } = parentOf(root, path);
  defineOwn(parent, key, PLACEHOLDER);
  return root;
}

/** Serializes, then swaps the placeholder for raw JSON text built without recursion (deep nesting, huge values). */
function serializeWith(root: Json, indent: number, raw: string | undefined): string {
  const text = JSON.stringify(root, null, indent);
  return raw === undefined ? text : text.replace(PLACEHOLDER_JSON, () => raw);
}

/** The `char` of a huge string that asks for incompressible text instead of one repeated character. */
export const NOISE = 'noise';

/** `length` characters of base64 that deflate cannot shrink, the same for the same length (so cases replay). */
function noise(length: number): string {
  const parts: string[] = [];
  let block = createHash('sha256').update(String(length)).digest();
  for (let size = 0; size < length; size += 44) {
    parts.push(block.toString('base64'));
    block = createHash('sha256').update(block).digest();
  }
  return parts.join('').slice(0, length);
}

function rawFor(mutation: Mutation): string | undefined {
  switch (mutation.kind) {
    case 'nest': {
      const open = mutation.shape === 'array' ? '[' : '{"a":';
      const close = mutation.shape === 'array' ? ']' : '}';
      const inner = mutation.shape === 'array' ? '' : '0';
      return open.repeat(mutation.depth) + inner + (mutation.closed ? close.repeat(mutation.depth) : '');
    }
    case 'hugeString':
      return JSON.stringify(mutation.char === NOISE ? noise(mutation.length) : mutation.char.repeat(mutation.length));
    case 'hugeArray': {
      const element = JSON.stringify(mutation.element);
      return mutation.length === 0 ? '[]' : `[${`${element},`.repeat(mutation.length - 1)}${element}]`;
    }
    case 'wideObject': {
      const value = JSON.stringify(mutation.value);
      const parts: string[] = [];
      for (let i = 0; i < mutation.width; i++) parts.push(`"k${i}":${value}`);
      return `{${parts.join(',')}}`;
    }
    default:
      return undefined;
  }
}

function seedBytes(payload: Extract<Payload, { kind: 'seed' }>, nonce: string): Buffer {
  const root = seedValue(payload.seed) as { [key: string]: Json };
  // Unique ids per execution (not per generated value): a shrink or a replay of the same case is a new event.
  const event = root.event as { [key: string]: Json };
  event.id = `evfuzz_${nonce}`;
  root.id = `whfuzz_${nonce}`;
  const { mutation } = payload;
  let value: Json = root;
  switch (mutation.kind) {
    case 'none':
      break;
    case 'set':
      if (mutation.path.length === 0) value = mutation.value;
      else {
        const { parent, key } = parentOf(root, mutation.path);
        defineOwn(parent, key, mutation.value);
      }
      break;
    case 'protoKey': {
      let target: Json = root;
      for (const key of mutation.path) target = (target as Record<string, Json>)[key as string] as Json;
      if (target === null || typeof target !== 'object' || Array.isArray(target))
        throw new Error(`internal: no object at ${mutation.path.join('.')}`);
      defineOwn(target, mutation.key, mutation.value);
      break;
    }
    case 'nest':
    case 'hugeString':
    case 'hugeArray':
    case 'wideObject':
      value = placeholderAt(root, mutation.path);
      break;
  }
  let bytes = Buffer.from(serializeWith(value, payload.indent, rawFor(mutation)), 'utf8');
  const { edit } = payload;
  if (edit.kind === 'truncate') bytes = bytes.subarray(0, Math.floor(edit.at * bytes.length));
  if (edit.kind === 'invalidUtf8') {
    const from = Math.floor(edit.at * bytes.length);
    const quote = bytes.indexOf(0x22, from);
    const at = quote < 0 ? bytes.length : quote + 1;
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(edit.bytes), bytes.subarray(at)]);
  }
  if (edit.kind === 'escape') bytes = Buffer.from(escapeJson(bytes.toString('utf8')), 'utf8');
  return bytes;
}

/** See the `escape` edit: the same JSON value, other bytes. */
export function escapeJson(text: string): string {
  return text
    .replaceAll('/', '\\/')
    .replace(/[\u0080-\uffff]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The bytes the sender means to deliver for a case. */
export function sentBytesOf(payload: Payload, nonce: string): Buffer {
  switch (payload.kind) {
    case 'bytes':
      return Buffer.from(payload.bytes);
    case 'text':
      return Buffer.from(payload.text, 'utf8');
    case 'seed':
      return seedBytes(payload, nonce);
  }
}

/** The bytes a Lambda handler gets out of an HTTP API event: the contract of `isBase64Encoded`. */
export function deliveredBytes(event: APIGatewayProxyEventV2): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

function roundTripsAsUtf8(bytes: Buffer): boolean {
  return Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}

function encodeBody(
  bytes: Buffer,
  transport: Transport,
): { body: string | null | undefined; isBase64Encoded: boolean } {
  switch (transport) {
    case 'honest':
      return roundTripsAsUtf8(bytes)
        ? { body: bytes.toString('utf8'), isBase64Encoded: false }
        : { body: bytes.toString('base64'), isBase64Encoded: true };
    case 'base64':
      return { body: bytes.toString('base64'), isBase64Encoded: true };
    case 'text':
      return { body: bytes.toString('utf8'), isBase64Encoded: false };
    case 'flagTrueButText':
      return { body: bytes.toString('utf8'), isBase64Encoded: true };
    case 'flagFalseButBase64':
      return { body: bytes.toString('base64'), isBase64Encoded: false };
    case 'base64Junk': {
      // Line breaks, no padding and a stray character: lenient decoders skip them, strict ones would refuse.
      const encoded = bytes.toString('base64').replace(/=+$/, '');
      const lines = encoded.match(/.{1,60}/g) ?? [];
      return { body: `${lines.join('\r\n')}*`, isBase64Encoded: true };
    }
    case 'noBody':
      return { body: undefined, isBase64Encoded: false };
    case 'nullBody':
      return { body: null, isBase64Encoded: false };
  }
}

/** `JSON.stringify(JSON.parse(bytes))` as the official SDK hashes it, or undefined when the bytes do not parse. */
export function stringifiedForm(bytes: Buffer): Buffer | undefined {
  try {
    return Buffer.from(JSON.stringify(JSON.parse(bytes.toString('utf8'))) ?? '', 'utf8');
  } catch {
    return undefined;
  }
}

function headerName(style: FuzzCase['headerCase']): string {
  if (style === 'upper') return SIGNATURE_HEADER.toUpperCase();
  if (style === 'mixed') return 'X-Voucherify-Signature';
  return SIGNATURE_HEADER;
}

function signatureValue(fuzzCase: FuzzCase, sent: Buffer, delivered: Buffer): string | undefined {
  const digest = sign(sent, TEST_SECRET);
  switch (fuzzCase.signature) {
    case 'valid':
      return digest;
    case 'uppercase':
      return digest.toUpperCase();
    case 'padded':
      return ` ${digest}\t`;
    case 'compact':
      return sign(stripJsonWhitespace(sent), TEST_SECRET);
    case 'stringified':
      return sign(stringifiedForm(sent) ?? stripJsonWhitespace(sent), TEST_SECRET);
    case 'delivered':
      return sign(delivered, TEST_SECRET);
    case 'otherSecret':
      return sign(sent, fuzzCase.otherSecret === TEST_SECRET ? `${TEST_SECRET}x` : fuzzCase.otherSecret);
    case 'missing':
      return undefined;
    case 'empty':
      return '';
    case 'blank':
      return '   ';
    case 'short':
      return digest.slice(0, 63);
    case 'long':
      return `${digest}0`;
    case 'prefixed':
      return `sha256=${digest}`;
    case 'nonHex':
      return `${digest.slice(0, 10)}g${digest.slice(11)}`;
    case 'flipped':
      return `${digest.slice(0, 20)}${digest[20] === '0' ? '1' : '0'}${digest.slice(21)}`;
    case 'joined':
      return `${digest},${digest}`;
    case 'base64':
      return Buffer.from(digest, 'hex').toString('base64');
    case 'garbage':
      return '\u00ff\u0000;DROP TABLE events;--';
  }
}

/** The API Gateway (HTTP API, payload 2.0) event for a case, with unique ids taken from `nonce`. */
export function materialize(fuzzCase: FuzzCase, nonce: string): Materialized {
  const sentBytes = sentBytesOf(fuzzCase.payload, nonce);
  const encoded = encodeBody(sentBytes, fuzzCase.transport);
  const base = toApiGatewayEvent({
    method: fuzzCase.method,
    path: fuzzCase.path,
    headers: {},
    body: Buffer.alloc(0),
    requestId: `fuzz-${nonce}`,
  });
  const shell: APIGatewayProxyEventV2 = { ...base, isBase64Encoded: encoded.isBase64Encoded };
  if (encoded.body === undefined) delete shell.body;
  // API Gateway's type says string; the wire sends null for a request without a body.
  else shell.body = encoded.body as string;
  const signature = signatureValue(fuzzCase, sentBytes, deliveredBytes(shell));
  const headers: Record<string, string> = { ...fuzzCase.extraHeaders };
  if (fuzzCase.contentType !== undefined) headers['content-type'] = fuzzCase.contentType;
  if (signature !== undefined) headers[headerName(fuzzCase.headerCase)] = signature;
  return { event: { ...shell, headers }, sentBytes, signature };
}
