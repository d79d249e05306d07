/**
 * Runs the fuzz suite: optionally the deterministic wrong-type sweep, then `numRuns` random cases from fast-check, each
 * checked by the oracle against the real handler and table; then checks that the table holds exactly the events the
 * answers said were stored, and measures the process's memory across the run.
 */
import fc from 'fast-check';
import { fuzzCase, LARGEST_AUTHENTIC_BODY_BYTES, worstShapes, wrongTypeSweep } from './arbitraries';
import type { FuzzCase } from './cases';
import { type CaseResult, checkCase, type FuzzTarget, PropertyViolationError, tableKeys } from './oracle';
import { checkPrinted, printedFieldSweep } from './printed';

export interface FuzzRunOptions {
  readonly target: FuzzTarget;
  /** Random cases after the sweep. */
  readonly numRuns: number;
  /** Run the wrong-type sweep (every path of every seed, every other JSON kind) first. */
  readonly sweep?: boolean;
  /** Then the worst shapes (tools/fuzz/arbitraries.ts `worstShapes`), each timed and reported by name. */
  readonly worstShapes?: boolean;
  /** Then control characters in every printed field (tools/fuzz/printed.ts): `all` for every text in every field. */
  readonly printedFields?: boolean | 'all';
  readonly seed?: number;
  /** Called every `progressEvery` cases. */
  readonly onProgress?: (done: number, summary: Counts) => void;
  readonly progressEvery?: number;
  /** A full garbage collection (node --expose-gc), so memory figures are live data, not garbage. */
  readonly gc?: () => void;
}

export interface Counts {
  readonly cases: number;
  readonly outcomes: ReadonlyMap<string, number>;
  readonly byCategory: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export interface MemoryFigures {
  readonly heapStartMb: number;
  readonly heapEndMb: number;
  readonly heapPeakMb: number;
  readonly rssStartMb: number;
  readonly rssEndMb: number;
  readonly rssPeakMb: number;
  /** Whether a garbage collection ran before each reading (node --expose-gc). */
  readonly collected: boolean;
}

/** How long one answer took (the handler, DynamoDB Local included), and for what. */
export interface TimedAnswer {
  readonly name: string;
  readonly outcome: string;
  readonly elapsedMs: number;
}

export interface FuzzSummary extends Counts {
  readonly sweepCases: number;
  /** Cases of the printed-field sweep; every stored event of every kind is rendered by the printers either way. */
  readonly printedFieldCases: number;
  /** Stored events rendered by every printer with no raw control character in the output. */
  readonly printedChecked: number;
  readonly worstShapeCases: number;
  /** Each worst shape's answer, in the order they ran. */
  readonly worstShapes: readonly TimedAnswer[];
  /** The slowest answers of the whole run (sweep, worst shapes, random), slowest first. */
  readonly slowest: readonly TimedAnswer[];
  readonly randomCases: number;
  readonly seed: number;
  readonly elapsedMs: number;
  /** Events the answers said were stored, and items the table holds. */
  readonly created: number;
  readonly tableItems: number;
  readonly memory: MemoryFigures;
  /** Every property violation, unhandled rejection or exception; empty when the run passed. */
  readonly failures: readonly string[];
}

const MB = 1024 * 1024;
/** How many of the slowest answers the summary keeps. */
const SLOWEST_KEPT = 5;
/** Cases before the memory baseline is taken: the SDK's connections, the JIT and the fixture caches warm up first. */
const WARMUP_CASES = 200;

export async function runFuzz(options: FuzzRunOptions): Promise<FuzzSummary> {
  const started = performance.now();
  const seed = options.seed ?? Date.now() ^ (Math.random() * 0x7fffffff);
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const outcomes = new Map<string, number>();
  const byCategory = new Map<string, Map<string, number>>();
  const created = new Set<string>();
  const failures: string[] = [];
  let cases = 0;
  // Per execution, not per recorded case: a failing case that fast-check re-runs while shrinking gets new ids too.
  let executions = 0;

  const reading = () => {
    options.gc?.();
    const { heapUsed, rss } = process.memoryUsage();
    return { heap: heapUsed / MB, rss: rss / MB };
  };
  let baseline = reading();
  let peak = { heap: baseline.heap, rss: baseline.rss };
  const counts = (): Counts => ({ cases, outcomes, byCategory });

  const record = (result: CaseResult) => {
    cases += 1;
    outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
    const row = byCategory.get(result.category) ?? new Map<string, number>();
    byCategory.set(result.category, row);
    row.set(result.outcome, (row.get(result.outcome) ?? 0) + 1);
    if (result.created !== undefined) created.add(result.created);
    if (cases === WARMUP_CASES) baseline = reading();
    if (cases % 100 === 0) {
      const { heapUsed, rss } = process.memoryUsage();
      peak = { heap: Math.max(peak.heap, heapUsed / MB), rss: Math.max(peak.rss, rss / MB) };
    }
    if (options.onProgress && cases % (options.progressEvery ?? 1_000) === 0) options.onProgress(cases, counts());
  };
  const slowest: TimedAnswer[] = [];
  const time = (name: string, result: CaseResult): TimedAnswer => {
    const timed = { name, outcome: result.outcome, elapsedMs: result.elapsedMs };
    if (slowest.length < SLOWEST_KEPT || timed.elapsedMs > (slowest[slowest.length - 1]?.elapsedMs ?? 0)) {
      slowest.push(timed);
      slowest.sort((a, b) => b.elapsedMs - a.elapsedMs);
      slowest.length = Math.min(slowest.length, SLOWEST_KEPT);
    }
    return timed;
  };
  let printedChecked = 0;
  const run = async (c: FuzzCase, name?: string): Promise<TimedAnswer> => {
    const result = await checkCase(options.target, c, `${runId}_${executions++}`);
    record(result);
    // The invariant of the printers: whatever was stored, nothing raw reaches the terminal.
    if (result.created !== undefined) {
      try {
        await checkPrinted(options.target, result.created);
      } catch (error) {
        throw new PropertyViolationError(error instanceof Error ? error.message : String(error));
      }
      printedChecked += 1;
    }
    return time(name ?? result.category, result);
  };
  const timedShapes: TimedAnswer[] = [];

  const onUnhandled = (error: unknown) =>
    failures.push(`unhandled: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  let sweepCases = 0;
  let printedFieldCases = 0;
  try {
    if (options.sweep) {
      for (const c of wrongTypeSweep()) {
        try {
          await run(c);
        } catch (error) {
          if (!(error instanceof PropertyViolationError)) throw error;
          failures.push(`sweep: ${error.message}\n  case: ${fc.stringify(c)}`);
          if (failures.length >= 5) break;
        }
        sweepCases += 1;
      }
    }
    if (options.worstShapes) {
      // At maxBodyBytes, then big authentic bodies: the shapes that are cheap to send at about the largest body the
      // platform delivers (every one of them is stored whole, in its item or beside it).
      const big = new Set(['order items all null, at the size limit', 'a date-time of as many "t" as fit']);
      const bigShapes = worstShapes(LARGEST_AUTHENTIC_BODY_BYTES)
        .filter((shape) => big.has(shape.name))
        .map((shape) => ({ ...shape, name: `${shape.name} (5.4 MB)` }));
      for (const shape of [...worstShapes(), ...bigShapes]) {
        try {
          timedShapes.push(await run(shape.fuzzCase, shape.name));
        } catch (error) {
          if (!(error instanceof PropertyViolationError)) throw error;
          failures.push(`worst shape "${shape.name}": ${error.message}`);
        }
      }
    }
    if (options.printedFields) {
      for (const c of printedFieldSweep({ all: options.printedFields === 'all' })) {
        try {
          await run(c, 'control characters in a printed field');
        } catch (error) {
          if (!(error instanceof PropertyViolationError)) throw error;
          failures.push(`printed fields: ${error.message}`);
          if (failures.length >= 5) break;
        }
        printedFieldCases += 1;
      }
    }
    const details = await fc.check(
      fc.asyncProperty(fuzzCase, async (c) => {
        await run(c);
      }),
      { numRuns: options.numRuns, seed },
    );
    if (details.failed) {
      const cause =
        details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      failures.push(`${cause}\n${fc.defaultReportMessage(details) ?? 'fast-check reported a failure'}`);
    }
  } finally {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
  }

  const stored = await tableKeys(options.target);
  const unexpected = [...stored].filter((key) => !created.has(key));
  const missing = [...created].filter((key) => !stored.has(key));
  // After a failure the table also holds what the failing case and its shrinks stored: only a clean run reconciles.
  if (failures.length === 0) {
    if (unexpected.length > 0)
      failures.push(
        `the table holds ${unexpected.length} item(s) no answer reported as stored: ${unexpected.slice(0, 5).join(', ')}`,
      );
    if (missing.length > 0)
      failures.push(`${missing.length} stored event(s) are missing: ${missing.slice(0, 5).join(', ')}`);
  }

  const end = reading();
  return {
    ...counts(),
    sweepCases,
    worstShapeCases: timedShapes.length,
    worstShapes: timedShapes,
    slowest,
    printedFieldCases,
    printedChecked,
    randomCases: cases - sweepCases - timedShapes.length - printedFieldCases,
    seed,
    elapsedMs: performance.now() - started,
    created: created.size,
    tableItems: stored.size,
    memory: {
      heapStartMb: baseline.heap,
      heapEndMb: end.heap,
      heapPeakMb: Math.max(peak.heap, end.heap),
      rssStartMb: baseline.rss,
      rssEndMb: end.rss,
      rssPeakMb: Math.max(peak.rss, end.rss),
      collected: options.gc !== undefined,
    },
    failures,
  };
}

const pad = (text: string, width: number) => text.padEnd(width);

/** The summary as the fuzz script prints it. */
export function formatSummary(summary: FuzzSummary): string {
  const lines: string[] = [];
  const seconds = summary.elapsedMs / 1000;
  lines.push(
    `${summary.cases} cases (${summary.sweepCases} sweep + ${summary.worstShapeCases} worst shapes + ${summary.printedFieldCases} printed-field + ${summary.randomCases} random, seed ${summary.seed}) in ${seconds.toFixed(1)} s (${(summary.cases / seconds).toFixed(0)}/s)`,
    `printed: ${summary.printedChecked} stored events rendered by list, show, stats, replay, --json and the smoke table; no raw control character may reach the output`,
  );
  const timed = (t: TimedAnswer) => `  ${t.elapsedMs.toFixed(0).padStart(6)} ms  ${pad(t.outcome, 18)}${t.name}`;
  if (summary.worstShapes.length > 0) {
    lines.push('', 'worst shapes (answer time of the handler, DynamoDB Local included):');
    for (const t of summary.worstShapes) lines.push(timed(t));
  }
  const top = summary.slowest[0];
  if (top) {
    lines.push(
      '',
      `slowest answer: ${top.elapsedMs.toFixed(0)} ms (${top.outcome}, ${top.name}); the slowest ${summary.slowest.length}:`,
    );
    for (const t of summary.slowest) lines.push(timed(t));
  }
  lines.push('', 'outcomes:');
  for (const [outcome, count] of [...summary.outcomes].sort((a, b) => b[1] - a[1]))
    lines.push(`  ${pad(outcome, 32)}${String(count).padStart(7)}`);
  lines.push('', 'by kind of input:');
  for (const [category, row] of [...summary.byCategory].sort((a, b) => a[0].localeCompare(b[0]))) {
    const total = [...row.values()].reduce((a, b) => a + b, 0);
    const parts = [...row].sort((a, b) => b[1] - a[1]).map(([outcome, count]) => `${outcome} ${count}`);
    lines.push(`  ${pad(category, 32)}${String(total).padStart(7)}   ${parts.join(', ')}`);
  }
  const m = summary.memory;
  lines.push(
    '',
    `stored: ${summary.created} events answered as stored, ${summary.tableItems} items in the table`,
    `memory${m.collected ? ' (after full GC)' : ''}: heap ${m.heapStartMb.toFixed(1)} -> ${m.heapEndMb.toFixed(1)} MB (peak ${m.heapPeakMb.toFixed(1)}), rss ${m.rssStartMb.toFixed(1)} -> ${m.rssEndMb.toFixed(1)} MB (peak ${m.rssPeakMb.toFixed(1)}), baseline after ${WARMUP_CASES} cases`,
  );
  lines.push(summary.failures.length === 0 ? 'all properties held' : `FAILED:\n${summary.failures.join('\n')}`);
  return lines.join('\n');
}
