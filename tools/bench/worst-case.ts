import { DEFAULT_INGEST_CONFIG, makeIngest } from '../../functions/core/ingest/ingest';
import { validateEvent } from '../../functions/core/ingest/validation';
import { silentLogger } from '../../functions/core/shared/logger';
import type { EventStore } from '../../functions/core/shared/ports';
import { LARGEST_AUTHENTIC_BODY_BYTES, worstShapes } from '../fuzz/arbitraries';
import { deliveredBytes, materialize, TEST_SECRET } from '../fuzz/cases';
import { fmt, median } from './measure';
import type { Payload } from './payloads';

/** A store that takes every write and keeps nothing, so only the core is timed. */
const acceptingStore: EventStore = { putIfAbsent: async () => 'created' };
/** A body store that takes every write (bodies too large for their item), so only the core is timed. */
const acceptingBodies = { put: async () => 's3://bench/x', get: async () => Buffer.alloc(0), delete: async () => {} };

/** The core's budget for any signed body up to maxBodyBytes (issue: hostile but signed input). */
export const CORE_BUDGET_MS = 1_000;

export interface WorstCaseResult {
  readonly lines: readonly string[];
  /** The slowest median of the worst shapes, validation alone and the whole core, in ms. */
  readonly worstValidateMs: number;
  readonly worstCoreMs: number;
}

/** Median wall milliseconds of `rounds` calls (CPU-bound and single-threaded, so wall time is the cost). */
async function timeMs(rounds: number, run: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return median(times);
}

/**
 * Worst-case validation beside the typical one: the seed events, then each of the fuzz suite's worst shapes at the
 * size limit (tools/fuzz/arbitraries.ts `worstShapes`), through `validateEvent` alone and through the whole core
 * (verify, parse, validate, build the item, answer) with a store that accepts everything.
 */
export async function runWorstCase(seeds: readonly Payload[], options: { rounds: number }): Promise<WorstCaseResult> {
  const ingest = makeIngest({
    secrets: { get: async () => [TEST_SECRET] },
    store: acceptingStore,
    bodies: acceptingBodies,
    // Logging is not what is measured here: the worst case is about validation and the core's decisions.
    logger: silentLogger,
    config: DEFAULT_INGEST_CONFIG,
  });
  const lines: string[] = [];
  const row = (name: string, bytes: number, validateMs: number, coreMs: number) =>
    `   ${name.padEnd(66)}${fmt(bytes, 0).padStart(9)} B${fmt(validateMs, 3).padStart(11)} ms${fmt(coreMs, 3).padStart(11)} ms`;
  lines.push(`   ${'body'.padEnd(66)}${'size'.padStart(11)}${'validate'.padStart(14)}${'core'.padStart(14)}`);

  let typicalValidate = 0;
  for (const seed of seeds) {
    const parsed = JSON.parse(seed.body.toString('utf8'));
    // Typical bodies take microseconds: time batches of 100 so the clock's resolution does not dominate.
    const validateMs =
      (await timeMs(options.rounds, () => {
        for (let i = 0; i < 100; i++) validateEvent(parsed);
      })) / 100;
    typicalValidate = Math.max(typicalValidate, validateMs);
    lines.push(row(`typical: ${seed.name} (seed)`, seed.body.length, validateMs, Number.NaN));
  }

  let worstValidateMs = 0;
  let worstCoreMs = 0;
  let worstName = '';
  let n = 0;
  // At maxBodyBytes, and at about the largest authentic body the platform delivers (signed, so no size refuses it).
  const shapes = [
    ...worstShapes(),
    ...worstShapes(LARGEST_AUTHENTIC_BODY_BYTES).map((shape) => ({ ...shape, name: `${shape.name} (5.4 MB)` })),
  ];
  for (const shape of shapes) {
    const { event } = materialize(shape.fuzzCase, `bench${n++}`);
    const body = deliveredBytes(event);
    const headers = Object.fromEntries(Object.entries(event.headers).map(([k, v]) => [k.toLowerCase(), v]));
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const validateMs = await timeMs(options.rounds, () => validateEvent(parsed));
    const coreMs = await timeMs(options.rounds, () =>
      ingest({ method: 'POST', path: DEFAULT_INGEST_CONFIG.webhookPath, headers, body }),
    );
    if (Math.max(validateMs, coreMs) > Math.max(worstValidateMs, worstCoreMs)) worstName = shape.name;
    worstValidateMs = Math.max(worstValidateMs, validateMs);
    worstCoreMs = Math.max(worstCoreMs, coreMs);
    lines.push(row(`worst: ${shape.name}`, body.length, validateMs, coreMs));
  }
  lines.push(
    `   typical validation ${fmt(typicalValidate * 1000, 1)} µs; worst-case validation ${fmt(worstValidateMs, 1)} ms, worst-case core ${fmt(worstCoreMs, 1)} ms (${worstName})`,
    `   target: no signed body up to the largest the platform delivers takes more than ${CORE_BUDGET_MS} ms in the core: ${worstCoreMs <= CORE_BUDGET_MS ? 'met' : 'NOT met'}`,
  );
  return { lines, worstValidateMs, worstCoreMs };
}
