/**
 * fast-check arbitraries for the fuzz suite, and the deterministic sweep of "a value of another type at every path of
 * every seed". Mostly authentic, honestly transported requests (so mutated payloads reach the table), with a steady
 * share of bad signatures, lying base64 flags, odd headers and wrong routes.
 */
import fc from 'fast-check';
import { fixtureNames, loadFixture } from '../fixtures';
import {
  BROKEN_SIGNATURE_VARIANTS,
  type BytesEdit,
  type FuzzCase,
  type Json,
  type JsonPath,
  MAX_BODY_BYTES,
  type Mutation,
  NOISE,
  type Payload,
  type SignatureVariant,
  sentBytesOf,
  TEST_SECRET,
  type Transport,
  WEBHOOK_PATH,
} from './cases';

type JsonKind = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

function kindOf(value: Json): JsonKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as 'boolean' | 'number' | 'string' | 'object';
}

export interface SeedNode {
  readonly seed: string;
  readonly path: JsonPath;
  readonly kind: JsonKind;
}

/** Every node (the root, containers and leaves) of every fixture, with its JSON kind. */
export const SEED_NODES: readonly SeedNode[] = fixtureNames.flatMap((seed) => {
  const nodes: SeedNode[] = [];
  const walk = (value: Json, path: JsonPath) => {
    nodes.push({ seed, path, kind: kindOf(value) });
    if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value))
        walk(child, [...path, Array.isArray(value) ? Number(key) : key]);
    }
  };
  walk(loadFixture(seed) as unknown as Json, []);
  return nodes;
});

const OBJECT_NODES = SEED_NODES.filter((node) => node.kind === 'object');

/** One value of each JSON kind, for the sweep. */
const REPRESENTATIVE: Readonly<Record<JsonKind, Json>> = {
  null: null,
  boolean: true,
  number: 1.5,
  string: 'x',
  array: [],
  object: {},
};

/** Replacement values by kind, including edge cases of each. */
const POOL: Readonly<Record<JsonKind, readonly Json[]>> = {
  null: [null],
  boolean: [true, false],
  number: [0, -1, 1.5, 1e308, -1e-308, 2 ** 53 + 1, 123456789012345680000],
  string: ['', ' ', 'x', '0', 'null', 'true', '2024-13-45T99:99:99Z', 'ROLLED BACK', '\u0000', '\ud800'],
  array: [[], [null], ['x', 1, {}], [[[]]]],
  // An own __proto__ key, as JSON.parse makes it (an object literal would set the prototype instead).
  object: [{}, { id: 1 }, JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}') as Json],
};
const KINDS = Object.keys(POOL) as JsonKind[];

/** Values of the same type as Voucherify's but odd: ids and event types a careless parser could trip on. */
const ODD_EVENT_IDS: readonly Json[] = [
  '',
  ' ',
  'a'.repeat(256),
  'a'.repeat(257),
  '€'.repeat(256),
  '😀'.repeat(128),
  '\ud800',
  '\ud801',
  'ev_\udfff_x',
  'ev_\ud83d',
  'ev_\ufffe',
  'ev_\uffff',
  '\u0000',
  `sha256:${'0'.repeat(64)}`,
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '#',
];
const ODD_TYPES: readonly Json[] = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'Redemption.Failed',
  'redemption.rollback.failed ',
  'redemption..failed',
  'a'.repeat(129),
  'redemption.rollback.failed#2026',
  '',
];

/** The deterministic sweep: at every path of every seed, one value of each other JSON kind. */
export function wrongTypeSweep(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const node of SEED_NODES) {
    for (const kind of KINDS) {
      if (kind === node.kind) continue;
      cases.push(
        plainCase({
          kind: 'seed',
          seed: node.seed,
          mutation: { kind: 'set', path: node.path, value: REPRESENTATIVE[kind] },
          indent: 0,
          edit: { kind: 'none' },
        }),
      );
    }
  }
  return cases;
}

/** An authentic, honestly transported POST of a payload. */
export function plainCase(payload: Payload): FuzzCase {
  return {
    payload,
    signature: 'valid',
    otherSecret: 'not-the-secret',
    transport: 'honest',
    method: 'POST',
    path: WEBHOOK_PATH,
    headerCase: 'lower',
    contentType: 'application/json',
    extraHeaders: {},
    repeat: false,
  };
}

const seedName = fc.constantFrom(...fixtureNames);

/** At a random path of a random seed, a value of another JSON kind. */
const wrongTypeAtPath: fc.Arbitrary<{ seed: string; mutation: Mutation }> = fc
  .constantFrom(...SEED_NODES)
  .chain((node) =>
    fc
      .constantFrom(...KINDS.filter((kind) => kind !== node.kind))
      .chain((kind) => fc.constantFrom(...POOL[kind]))
      .map((value) => ({ seed: node.seed, mutation: { kind: 'set', path: node.path, value } as Mutation })),
  );

/** Seed mutations come with the seed they apply to (paths differ between seeds). */
const seedMutation: fc.Arbitrary<{ seed: string; mutation: Mutation }> = fc.oneof(
  { weight: 8, arbitrary: seedName.map((seed) => ({ seed, mutation: { kind: 'none' } as Mutation })) },
  { weight: 30, arbitrary: wrongTypeAtPath },
  {
    weight: 8,
    arbitrary: fc.record({
      seed: seedName,
      mutation: fc.oneof(
        fc.constantFrom(...ODD_EVENT_IDS).map((value): Mutation => ({ kind: 'set', path: ['event', 'id'], value })),
        fc.constantFrom(...ODD_TYPES).map((value): Mutation => ({ kind: 'set', path: ['type'], value })),
      ),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.constantFrom(...SEED_NODES).chain((node) =>
      fc.jsonValue({ maxDepth: 3 }).map((value) => ({
        seed: node.seed,
        mutation: { kind: 'set', path: node.path, value: value as Json } as Mutation,
      })),
    ),
  },
  {
    weight: 8,
    arbitrary: fc.constantFrom(...OBJECT_NODES).chain((node) =>
      fc
        .record({
          key: fc.constantFrom('__proto__', 'constructor', 'prototype', '__defineGetter__', 'toJSON'),
          value: fc.oneof(
            fc.constantFrom<Json>(
              { polluted: true },
              { prototype: { polluted: true } },
              { id: 'evil', type: 'redemption.rollback.failed' },
              null,
              'x',
            ),
            fc.jsonValue({ maxDepth: 2 }).map((v) => v as Json),
          ),
        })
        .map(({ key, value }) => ({
          seed: node.seed,
          mutation: { kind: 'protoKey', path: node.path, key, value } as Mutation,
        })),
    ),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      seed: seedName,
      mutation: fc.record({
        kind: fc.constant('nest' as const),
        path: fc.constantFrom<JsonPath>(['data'], ['data', 'metadata'], ['event'], ['data', 'redemption'], ['x']),
        depth: fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1_000, max: 100_000 })),
        shape: fc.constantFrom('array' as const, 'object' as const),
        closed: fc.boolean(),
      }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom(...SEED_NODES.filter((n) => n.path.length > 0)).chain((node) =>
      fc
        .record({
          length: fc.oneof(fc.integer({ min: 1_000, max: 20_000 }), fc.integer({ min: 100_000, max: 300_000 })),
          char: fc.constantFrom('a', 'é', '€', '😀', '"', '\\', '\n', NOISE),
        })
        .map(({ length, char }) => ({
          seed: node.seed,
          mutation: { kind: 'hugeString', path: node.path, length, char } as Mutation,
        })),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(...SEED_NODES.filter((n) => n.path.length > 0)).chain((node) =>
      fc
        .record({
          length: fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 10_000, max: 60_000 })),
          element: fc.constantFrom<Json>(0, null, 'x', {}, [], { id: 'x' }, { price: '' }),
        })
        .map(({ length, element }) => ({
          seed: node.seed,
          mutation: { kind: 'hugeArray', path: node.path, length, element } as Mutation,
        })),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...SEED_NODES.filter((n) => n.path.length > 0)).chain((node) =>
      fc
        .record({
          width: fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 5_000, max: 25_000 })),
          value: fc.constantFrom<Json>(0, null, 'x', {}),
        })
        .map(({ width, value }) => ({
          seed: node.seed,
          mutation: { kind: 'wideObject', path: node.path, width, value } as Mutation,
        })),
    ),
  },
);

const INVALID_UTF8: readonly (readonly number[])[] = [
  [0xff],
  [0xc3, 0x28], // a lead byte followed by ASCII
  [0xc0, 0xaf], // overlong '/'
  [0xed, 0xa0, 0x80], // an encoded UTF-16 surrogate
  [0xe2, 0x82], // truncated '€'
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0x80, 0x80, 0x80],
  [0x00],
];

const bytesEdit: fc.Arbitrary<BytesEdit> = fc.oneof(
  { weight: 80, arbitrary: fc.constant<BytesEdit>({ kind: 'none' }) },
  {
    weight: 10,
    arbitrary: fc
      .double({ min: 0, max: 1, maxExcluded: true, noNaN: true })
      .map((at): BytesEdit => ({ kind: 'truncate', at })),
  },
  {
    weight: 8,
    arbitrary: fc
      .record({
        at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        bytes: fc.oneof(
          fc.constantFrom(...INVALID_UTF8),
          fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 6 }),
        ),
      })
      .map(({ at, bytes }): BytesEdit => ({ kind: 'invalidUtf8', at, bytes })),
  },
  { weight: 4, arbitrary: fc.constant<BytesEdit>({ kind: 'escape' }) },
);

export const payload: fc.Arbitrary<Payload> = fc.oneof(
  {
    weight: 88,
    arbitrary: fc
      .record({
        target: seedMutation,
        indent: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1, 2, 4) }),
        edit: bytesEdit,
      })
      .map(
        ({ target, indent, edit }): Payload => ({
          kind: 'seed',
          seed: target.seed,
          mutation: target.mutation,
          indent,
          edit,
        }),
      ),
  },
  {
    weight: 7,
    arbitrary: fc
      .uint8Array({ maxLength: 2_048 })
      .map((bytes): Payload => ({ kind: 'bytes', bytes: Array.from(bytes) })),
  },
  {
    weight: 5,
    arbitrary: fc
      .oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.json({ maxDepth: 4 }))
      .map((text): Payload => ({ kind: 'text', text })),
  },
);

const signature: fc.Arbitrary<SignatureVariant> = fc.oneof(
  { weight: 55, arbitrary: fc.constant<SignatureVariant>('valid') },
  {
    weight: 14,
    arbitrary: fc.constantFrom<SignatureVariant>('uppercase', 'padded', 'compact', 'stringified', 'delivered'),
  },
  { weight: 8, arbitrary: fc.constant<SignatureVariant>('otherSecret') },
  {
    weight: 25,
    arbitrary: fc.constantFrom<SignatureVariant>(...BROKEN_SIGNATURE_VARIANTS),
  },
);

const transport: fc.Arbitrary<Transport> = fc.oneof(
  { weight: 75, arbitrary: fc.constant<Transport>('honest') },
  {
    weight: 25,
    arbitrary: fc.constantFrom<Transport>(
      'base64',
      'text',
      'flagTrueButText',
      'flagFalseButBase64',
      'base64Junk',
      'noBody',
      'nullBody',
    ),
  },
);

const RESERVED_HEADERS = new Set(['x-voucherify-signature', 'content-type']);
const extraHeaders = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Record<string, string>>({}) },
  {
    weight: 2,
    arbitrary: fc.dictionary(
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/).filter((name) => !RESERVED_HEADERS.has(name.toLowerCase())),
      fc.string({ maxLength: 200 }),
      { maxKeys: 4 },
    ),
  },
);

/** One request: mostly an authentic POST of a mutated seed, sometimes anything but. */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.record({
  payload,
  signature,
  otherSecret: fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom(`${TEST_SECRET} `, TEST_SECRET.toUpperCase(), TEST_SECRET.slice(0, -1), `[${TEST_SECRET}]`),
  ),
  transport,
  method: fc.oneof(
    { weight: 95, arbitrary: fc.constant('POST') },
    { weight: 5, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'post') },
  ),
  path: fc.oneof(
    { weight: 92, arbitrary: fc.constant(WEBHOOK_PATH) },
    { weight: 3, arbitrary: fc.constant(`${WEBHOOK_PATH}/`) },
    {
      weight: 5,
      arbitrary: fc.constantFrom(
        '/',
        '/webhooks/Voucherify',
        `${WEBHOOK_PATH}//`,
        `${WEBHOOK_PATH}/../x`,
        '/webhooks%2Fvoucherify',
        '',
      ),
    },
  ),
  headerCase: fc.constantFrom<FuzzCase['headerCase']>('lower', 'lower', 'lower', 'lower', 'upper', 'mixed'),
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constant<string | undefined>('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom<string | undefined>(
        undefined,
        'text/plain',
        'application/octet-stream',
        'application/json; charset=latin1',
        '',
      ),
    },
  ),
  extraHeaders,
  repeat: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

/** One of the worst shapes: a name for the report and the case. */
export interface WorstShape {
  readonly name: string;
  readonly fuzzCase: FuzzCase;
}

const WORST_SEED = 'redemption.rollback.failed';
/** Room left for the per-execution ids (`evfuzz_<nonce>`, `whfuzz_<nonce>`), which the measuring nonce lacks. */
const NONCE_MARGIN = 256;

/** The largest count (at most `max`) of `perUnit`-byte units that keeps the body within the size limit. */
function fillCount(
  make: (count: number) => Payload,
  perUnit: number,
  max = Number.POSITIVE_INFINITY,
  limit = MAX_BODY_BYTES,
): number {
  const base = sentBytesOf(make(0), 'x').length;
  return Math.max(0, Math.min(max, Math.floor((limit - base - NONCE_MARGIN) / perUnit)));
}

/**
 * The size the worst shapes are built at for authentic bodies beyond maxBodyBytes: about the largest compact
 * Voucherify JSON the platform hands to the function whole (its event must fit Lambda's 6,291,456 bytes with the body
 * as a JSON string; see functions/core/ingest/limits.ts).
 */
export const LARGEST_AUTHENTIC_BODY_BYTES = 5_400_000;

function seedPayload(mutation: Mutation, edit: BytesEdit = { kind: 'none' }): Payload {
  return { kind: 'seed', seed: WORST_SEED, mutation, indent: 0, edit };
}

/**
 * The shapes that cost the receiver most per byte, each as large as the size limit allows and signed, so they reach
 * validation and storage: huge arrays of invalid items (what made validation quadratic), as many failing properties
 * as fit, wide objects, deep nesting, huge strings where a pattern, a format or the id rule looks at them, and the
 * SDK's `JSON.stringify` form over an escaped body. `npm run fuzz` times each one.
 */
export function worstShapes(limit: number = MAX_BODY_BYTES): WorstShape[] {
  const fill = (make: (count: number) => Payload, perUnit: number, max?: number): number =>
    fillCount(make, perUnit, max, limit);
  const items: JsonPath = ['data', 'redemption', 'order', 'items'];
  const everyIntegerWrong: Json = Object.fromEntries(
    ['quantity', 'discount_quantity', 'amount', 'discount_amount', 'applied_discount_amount', 'price'].map((k) => [
      k,
      '',
    ]),
  );
  const array = (element: Json, max?: number) => {
    const make = (length: number) => seedPayload({ kind: 'hugeArray', path: items, length, element });
    return make(fill(make, JSON.stringify(element).length + 1, max));
  };
  const wide = (path: JsonPath) => {
    // Keys grow with the index: measure with the widest key the body can hold (k99999).
    const make = (width: number) => seedPayload({ kind: 'wideObject', path, width, value: 0 });
    return make(fill(make, '"k99999":0,'.length));
  };
  const nest = (shape: 'array' | 'object') => {
    const make = (depth: number) =>
      seedPayload({ kind: 'nest', path: ['data', 'metadata'], depth, shape, closed: true });
    return make(fill(make, shape === 'array' ? 2 : '{"a":}'.length));
  };
  const string = (path: JsonPath, char: string, edit?: BytesEdit) => {
    const make = (length: number) => seedPayload({ kind: 'hugeString', path, length, char }, edit);
    const perChar = edit?.kind === 'escape' ? 6 * char.length : Buffer.byteLength(char);
    return make(fill(make, perChar));
  };
  const shapes: [string, Payload, SignatureVariant?][] = [
    ['order items all 0 (invalid), at the size limit', array(0)],
    ['10,000 order items, each failing one property', array({ price: '' }, 10_000)],
    ['order items failing every integer property, at the size limit', array(everyIntegerWrong)],
    ['10,000 valid order items ({})', array({}, 10_000)],
    ['order items all null, at the size limit', array(null)],
    ['a validated object with as many unknown properties as fit', wide(['data', 'redemption_rollback'])],
    ['data with as many properties as fit', wide(['data'])],
    ['arrays nested as deep as fit', nest('array')],
    ['objects nested as deep as fit', nest('object')],
    ['an event id of as many emoji as fit', string(['event', 'id'], '😀')],
    ['a date-time of as many "t" as fit', string(['created_at'], 't')],
    ['an event type of as many letters as fit', string(['type'], 'a')],
    [
      'a name of escaped "é" signed as the SDK does, at the size limit',
      string(['data', 'customer', 'name'], 'é', { kind: 'escape' }),
      'stringified',
    ],
  ];
  return shapes.map(([name, payload, signature]) => ({
    name,
    fuzzCase: { ...plainCase(payload), signature: signature ?? 'valid' },
  }));
}
