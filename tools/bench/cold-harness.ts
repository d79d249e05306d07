/**
 * Runs in a fresh `node` process per cold start (bundled by the benchmark, never imported): loads one Lambda bundle,
 * answers two requests the way the Lambda runtime would call the handler, and prints one result line.
 * Input (BENCH_COLD_INPUT, JSON): the bundle's path and two API Gateway events.
 */
import { coldMarks } from './cold-marks';

export const COLD_RESULT_PREFIX = 'BENCH_COLD_RESULT ';

/** What one cold start measured, in milliseconds (performance.now(): 0 is the start of this process). */
export interface ColdResult {
  /** From process start to the line before the bundle is required (node's own boot). */
  readonly bootMs: number;
  /** require() of the bundle: parse, compile and run its top-level code (the Lambda INIT phase). */
  readonly loadMs: number;
  /** Part of `loadMs` spent creating the validators. */
  readonly validatorsMs: number;
  /** The first invocation: lazy SDK set-up, first connection, one PutItem. */
  readonly firstMs: number;
  /**
   * CPU time (user + system) of the load and the first invocation together: on a shared machine the wall times above
   * include moments other processes held the core, this does not (waiting on DynamoDB Local is not counted either).
   */
  readonly loadAndFirstCpuMs: number;
  /** A second invocation, for contrast: a warm request. */
  readonly secondMs: number;
  readonly statusCodes: readonly number[];
  readonly rssMb: number;
}

interface HarnessInput {
  readonly bundle: string;
  readonly events: readonly unknown[];
}

type Handler = (event: unknown, context: { awsRequestId: string }) => Promise<{ statusCode?: number }>;

async function main(): Promise<void> {
  const input = JSON.parse(process.env.BENCH_COLD_INPUT ?? '{}') as HarnessInput;
  coldMarks();
  const cpuStarted = process.cpuUsage();
  const loadStarted = performance.now();
  const { handler } = require(input.bundle) as { handler: Handler };
  const loaded = performance.now();
  const first = await handler(input.events[0], { awsRequestId: 'cold-1' });
  const answered = performance.now();
  const cpu = process.cpuUsage(cpuStarted);
  const second = await handler(input.events[1], { awsRequestId: 'cold-2' });
  const done = performance.now();
  const result: ColdResult = {
    bootMs: loadStarted,
    loadMs: loaded - loadStarted,
    validatorsMs: coldMarks().validatorsMs,
    firstMs: answered - loaded,
    loadAndFirstCpuMs: (cpu.user + cpu.system) / 1000,
    secondMs: done - answered,
    statusCodes: [first.statusCode ?? 0, second.statusCode ?? 0],
    rssMb: process.memoryUsage().rss / 2 ** 20,
  };
  process.stdout.write(`${COLD_RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

// Only the bundled harness, started with its input, runs; importing this file for its types does nothing.
if (process.env.BENCH_COLD_INPUT) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`cold harness failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
