/**
 * `npm run fuzz`: the fuzz suite of test/integration/fuzz.test.ts at full size. Starts its own in-memory DynamoDB Local,
 * loads the deployed ingest handler on a fresh events table, runs the wrong-type sweep (every path of every fixture,
 * every other JSON kind), the worst shapes at the size limit (huge arrays of invalid items, wide objects, deep nesting,
 * huge strings; each timed) and then `--runs` random cases (20,000 by default), and prints the counts per outcome and
 * per kind of input, each worst shape's answer time, the slowest answers, the table reconciliation and the process's
 * memory before and after. Exits 1 if any property failed, the slowest answer took longer than `--max-answer-ms`, or
 * the heap grew by more than `--max-heap-growth-mb`.
 *
 *   npm run fuzz                          # sweep + 20,000 random cases
 *   npm run fuzz -- --runs 2000 --seed 42 # replay a seed printed by a failed run
 *   npm run fuzz -- --no-sweep
 */
import { parseArgs } from 'node:util';
import { localDynamoDbClient } from '../local/runtime/aws-env';
import { type DynamoDbLocal, startDynamoDbLocal } from '../local/runtime/dynamodb-local';
import { ensureEventsTable } from '../local/runtime/events-table';
import { loadIngestHandler } from '../local/runtime/handler';
import { type LocalS3, localS3Env, startLocalS3 } from '../local/runtime/s3-local';
import { TEST_SECRET } from './fixtures';
import { formatSummary, runFuzz } from './fuzz/run';

const USAGE = `Usage: npm run fuzz [-- --runs N] [--seed N] [--no-sweep] [--max-heap-growth-mb N] [--max-answer-ms N]`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '20000' },
      seed: { type: 'string' },
      'no-sweep': { type: 'boolean' },
      'max-heap-growth-mb': { type: 'string', default: '64' },
      'max-answer-ms': { type: 'string', default: '2000' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const runs = Number(values.runs);
  const maxHeapGrowthMb = Number(values['max-heap-growth-mb']);
  const maxAnswerMs = Number(values['max-answer-ms']);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (
    !Number.isInteger(runs) ||
    runs < 1 ||
    !Number.isFinite(maxHeapGrowthMb) ||
    !Number.isFinite(maxAnswerMs) ||
    (seed !== undefined && !Number.isInteger(seed))
  ) {
    console.error(USAGE);
    return 2;
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Only 5xx would log at error level, and a 5xx fails the run anyway.
  process.env.LOG_LEVEL = 'error';
  const gc = (globalThis as { gc?: () => void }).gc;
  // The handler writes its log lines and metrics to stdout; this script's own output goes through `print`.
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  const print = (line = '') => stdoutWrite(`${line}\n`);

  let dynamodb: DynamoDbLocal | undefined;
  let s3: LocalS3 | undefined;
  try {
    // s3rver first: the handler reads BODY_BUCKET at load, and big authentic bodies go there.
    s3 = await startLocalS3();
    Object.assign(process.env, localS3Env(s3));
    dynamodb = await startDynamoDbLocal();
    const client = localDynamoDbClient(dynamodb.endpoint);
    const table = `fuzz-${Date.now().toString(36)}`;
    await ensureEventsTable(client, table);
    const handler = loadIngestHandler({
      dynamodbEndpoint: dynamodb.endpoint,
      tableName: table,
      webhookSecret: TEST_SECRET,
    });
    print(`npm run fuzz: the deployed ingest handler on DynamoDB Local (${dynamodb.endpoint}, table ${table})`);
    print(
      `wrong-type sweep: ${values['no-sweep'] ? 'off' : 'on'}; random cases: ${runs}; gc: ${gc ? 'yes' : 'no (run with node --expose-gc for exact memory figures)'}`,
    );
    const started = Date.now();
    process.stdout.write = (() => true) as typeof process.stdout.write;
    const summary = await runFuzz({
      target: { handler, client, table },
      numRuns: runs,
      sweep: !values['no-sweep'],
      worstShapes: true,
      printedFields: 'all',
      ...(seed === undefined ? {} : { seed }),
      ...(gc ? { gc } : {}),
      progressEvery: 2_000,
      onProgress: (done, counts) =>
        process.stderr.write(
          `  ${done} cases, ${((Date.now() - started) / 1000).toFixed(0)} s, ${[...counts.outcomes.values()].reduce((a, b) => a + b, 0)} answers\n`,
        ),
    }).finally(() => {
      process.stdout.write = stdoutWrite;
    });
    client.destroy();
    print();
    print(formatSummary(summary));
    const heapGrowth = summary.memory.heapEndMb - summary.memory.heapStartMb;
    print(`heap growth ${heapGrowth.toFixed(1)} MB (bound ${maxHeapGrowthMb} MB)`);
    if (heapGrowth > maxHeapGrowthMb) {
      print(`FAILED: the heap grew by more than ${maxHeapGrowthMb} MB`);
      return 1;
    }
    const slowestMs = summary.slowest[0]?.elapsedMs ?? 0;
    print(`slowest answer ${slowestMs.toFixed(0)} ms (bound ${maxAnswerMs} ms, handler + DynamoDB Local)`);
    if (slowestMs > maxAnswerMs) {
      print(`FAILED: an answer took more than ${maxAnswerMs} ms`);
      return 1;
    }
    return summary.failures.length === 0 ? 0 : 1;
  } finally {
    await dynamodb?.stop();
    await s3?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`npm run fuzz failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
