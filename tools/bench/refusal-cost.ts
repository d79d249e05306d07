/**
 * Section 4c of `npm run bench` (issue 21, item 8): what refusing an unsigned body costs, by shape. Each body is
 * `maxBodyBytes` long (the largest answered 401; a larger unproven one is 413 after the same checks) and carries a
 * signature made with another secret, so the core tries every signed form and refuses it. Timed through the whole core
 * (`makeIngest` with a store that is never reached), process CPU, median of interleaved rounds, against a flat body of
 * the same size. Target: no shape above about 3 times the flat one.
 */
import { DEFAULT_INGEST_CONFIG, makeIngest } from '../../functions/core/ingest/ingest';
import { sign } from '../../functions/core/ingest/signature';
import { silentLogger } from '../../functions/core/shared/logger';
import { TEST_SECRET } from '../fixtures';
import { cpuMicros, fmt, median } from './measure';

/** The target of the issue: an unsigned body of any shape costs at most about this many times a flat one. */
export const REFUSAL_RATIO_TARGET = 3;

/** A JSON array of exactly `bytes` bytes: `unit` repeated, then a string that pads it to the size. */
function shape(bytes: number, unit: string): Buffer {
  const count = Math.max(1, Math.floor((bytes - 8) / (unit.length + 1)));
  const head = `[${Array.from({ length: count }, () => unit).join(',')},"`;
  return Buffer.from(`${head}${'p'.repeat(Math.max(0, bytes - head.length - 2))}"]`);
}

/** The shapes refused, each `bytes` long and (but for the cut ones) valid JSON, so every form is computed. */
export function refusalShapes(bytes: number): { name: string; body: Buffer }[] {
  const depth = Math.floor(bytes / 2);
  const nestedObjects = Math.floor((bytes - 1) / 6);
  return [
    { name: 'flat: one long string', body: Buffer.from(`{"s":"${'a'.repeat(bytes - 8)}"}`) },
    { name: 'nested arrays as deep as fit', body: Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`) },
    {
      name: 'nested objects as deep as fit',
      body: Buffer.from(`${'{"a":'.repeat(nestedObjects)}0${'}'.repeat(nestedObjects)}`),
    },
    { name: 'one object with as many keys as fit', body: wideObject(bytes) },
    { name: 'small integers', body: shape(bytes, '7') },
    { name: 'decimals written the long way (rewritten)', body: shape(bytes, '1.50') },
    { name: 'numbers with exponents (converted)', body: shape(bytes, '1e5') },
    {
      name: 'one string of \\u escapes (rewritten)',
      body: Buffer.from(`["${'\\u00e9'.repeat(Math.floor((bytes - 4) / 6))}"]`),
    },
    { name: 'short strings with a \\u escape (rewritten)', body: shape(bytes, '"\\u00e9"') },
    { name: 'short strings with a \\n escape', body: shape(bytes, '"\\n"') },
    { name: 'objects with integer keys', body: shape(bytes, '{"1":0,"2":0}') },
    { name: 'pretty-printed event-like objects', body: shape(bytes, '{\n  "id": "v_1",\n  "n": 1.0\n}') },
  ];
}

function wideObject(bytes: number): Buffer {
  const parts: string[] = [];
  let length = 2;
  for (let i = 0; length + `"k${i}":0,`.length < bytes; i++) {
    parts.push(`"k${i}":0`);
    length += `"k${i}":0,`.length;
  }
  return Buffer.from(`{${parts.join(',')}}`);
}

export interface RefusalCostResult {
  readonly lines: readonly string[];
  /** The largest cost relative to the flat body. */
  readonly worstRatio: number;
}

/** Times the refusal of each shape at `bytes`, interleaved over `rounds`, and compares each with the flat one. */
export async function runRefusalCost(options: { rounds: number; bytes?: number }): Promise<RefusalCostResult> {
  const bytes = options.bytes ?? DEFAULT_INGEST_CONFIG.maxBodyBytes;
  const ingest = makeIngest({
    secrets: { get: async () => [TEST_SECRET] },
    store: {
      putIfAbsent: async () => {
        throw new Error('an unsigned body reached the store');
      },
    },
    logger: silentLogger,
    config: DEFAULT_INGEST_CONFIG,
  });
  const shapes = refusalShapes(bytes).map((s) => ({
    ...s,
    request: {
      method: 'POST',
      path: DEFAULT_INGEST_CONFIG.webhookPath,
      headers: { 'x-voucherify-signature': sign(s.body, 'not-the-webhook-secret') },
      body: s.body,
    },
  }));
  const times = new Map<string, number[]>(shapes.map((s) => [s.name, []]));
  const statuses = new Map<string, number>();
  for (let round = 0; round < options.rounds; round++) {
    for (const s of round % 2 === 0 ? shapes : [...shapes].reverse()) {
      const started = cpuMicros();
      const answer = await ingest(s.request);
      times.get(s.name)?.push((cpuMicros() - started) / 1000);
      statuses.set(s.name, answer.statusCode);
    }
  }
  const flat = median(times.get(shapes[0]?.name ?? '') ?? []);
  let worstRatio = 0;
  const lines = [
    `   ${'unsigned body'.padEnd(48)}${'size'.padStart(11)}${'answer'.padStart(8)}${'CPU'.padStart(12)}${'÷ flat'.padStart(9)}`,
  ];
  for (const s of shapes) {
    const ms = median(times.get(s.name) ?? []);
    const ratio = ms / flat;
    worstRatio = Math.max(worstRatio, ratio);
    lines.push(
      `   ${s.name.padEnd(48)}${fmt(s.body.length, 0).padStart(9)} B${String(statuses.get(s.name)).padStart(8)}${fmt(ms, 2).padStart(9)} ms${fmt(ratio, 2).padStart(9)}`,
    );
  }
  lines.push(
    `   target: no unsigned body costs more than about ${REFUSAL_RATIO_TARGET}x a flat one of the same size: ${worstRatio <= REFUSAL_RATIO_TARGET * 1.1 ? 'met' : 'NOT met'} (worst ${fmt(worstRatio, 2)}x)`,
  );
  return { lines, worstRatio };
}

const SECTION_ROUNDS = 21;

/** The section as `npm run bench` prints it: at maxBodyBytes (401) and at 1 MB (413, the same checks). */
export async function refusalCostSection(out: (line?: string) => void): Promise<void> {
  out();
  out(
    `4c. Refusing an unsigned body (signed with another secret), by shape, through the whole core: process CPU, median of ${SECTION_ROUNDS} interleaved rounds`,
  );
  for (const bytes of [DEFAULT_INGEST_CONFIG.maxBodyBytes, 1_000_000]) {
    for (const line of (await runRefusalCost({ rounds: SECTION_ROUNDS, bytes })).lines) out(line);
  }
}
