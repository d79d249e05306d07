/**
 * `npm run bench`: how fast the receiver is, measured against what cannot be avoided, in one run on the same payloads
 * (the two seed events in full, compact envelopes). See docs/performance.md for the method and the decisions taken.
 *
 *  1-4. CPU per event without I/O: the parse-and-verify floor, the product's core, ajv anchors, and their ratios.
 *  4b.  Worst-case validation beside the typical one: the fuzz suite's worst shapes at the size limit, through
 *       validateEvent and through the whole core (`npm run bench -- --only worst-case` runs this section alone).
 *  4c.  What refusing an unsigned body costs, by shape, against a flat one (tools/bench/refusal-cost.ts;
 *       `npm run bench -- --only refusal-cost`).
 *  5.   Cold start of the minified Lambda bundle in a fresh node process against DynamoDB Local, bundle sizes and
 *       composition.
 *  6.   End to end through the local HTTP server into DynamoDB Local, beside raw PutItem at the same concurrency.
 *
 * Ratios are taken within this run; absolute times depend on this machine and whatever else runs on it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_INGEST_CONFIG } from '../functions/core/ingest/ingest';
import { localDynamoDbClient } from '../local/runtime/aws-env';
import { type DynamoDbLocal, startDynamoDbLocal } from '../local/runtime/dynamodb-local';
import { ensureEventsTable } from '../local/runtime/events-table';
import {
  type Bundle,
  bundle,
  composition,
  entryExists,
  FUNCTION_ENTRIES,
  instrumentedIngestOptions,
  runtimeAjvOptions,
} from './bench/bundles';
import { type ColdRun, runColdStarts } from './bench/cold-start';
import {
  drivePutItem,
  driveReceiver,
  freshPayloads,
  processCpuMs,
  recordsOf,
  startE2EServer,
  type Throughput,
} from './bench/e2e';
import { cpuMicros, fmt, median } from './bench/measure';
import { runMicro } from './bench/micro';
import { BENCH_SECRET, seedPayloads } from './bench/payloads';
import { refusalCostSection } from './bench/refusal-cost';
import { runWorstCase } from './bench/worst-case';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from './secrets-manager-stand-in';

/** How long each section runs. `--quick` checks that every section runs; its figures are not worth quoting. */
interface Plan {
  readonly micro: { rounds: number; batchMs: number; warmupMs: number; perCallRounds: number };
  readonly worstCaseRounds: number;
  readonly coldRuns: number;
  readonly e2e: {
    /** Rounds per concurrency, alternating receiver and PutItem. */
    readonly rounds: number;
    /** Requests per measured round, and per warm-up, at each concurrency. */
    readonly steps: readonly { concurrency: number; requests: number; warmup: number }[];
    /** Requests each side gets at 32 concurrent before anything is measured. */
    readonly warmup: number;
  };
}

const FULL: Plan = {
  micro: { rounds: 15, batchMs: 15, warmupMs: 150, perCallRounds: 3 },
  worstCaseRounds: 5,
  coldRuns: 9,
  e2e: {
    rounds: 3,
    steps: [
      { concurrency: 1, requests: 300, warmup: 60 },
      { concurrency: 32, requests: 1_500, warmup: 300 },
    ],
    warmup: 1_500,
  },
};

const QUICK: Plan = {
  micro: { rounds: 2, batchMs: 2, warmupMs: 5, perCallRounds: 1 },
  worstCaseRounds: 1,
  coldRuns: 1,
  e2e: {
    rounds: 1,
    steps: [
      { concurrency: 1, requests: 10, warmup: 2 },
      { concurrency: 32, requests: 64, warmup: 32 },
    ],
    warmup: 32,
  },
};

/** The sections `--only` can pick, in the order a full run takes them. */
const SECTIONS = ['micro', 'worst-case', 'refusal-cost', 'cold-start', 'e2e'] as const;
type Section = (typeof SECTIONS)[number];

const TABLE_NAME = 'bench-events';
/** End to end: receiver throughput ÷ bare PutItem throughput, at every concurrency. */
const E2E_TARGET = 0.8;
/** The secret the cold-start runs read through GetSecretValue (from the stand-in; a fake account id). */
const BENCH_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-webhook-secret-AbCdEf';

const out = (line = '') => console.log(line);

async function main(): Promise<void> {
  // The SDK's Node 20 end-of-support notice says nothing about the measurements; keep the output readable.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({ options: { only: { type: 'string' }, quick: { type: 'boolean' } } });
  const only = values.only;
  if (only !== undefined && !(SECTIONS as readonly string[]).includes(only))
    throw new Error(`--only takes one of: ${SECTIONS.join(', ')}`);
  const runs = (section: Section) => only === undefined || only === section;
  const plan = values.quick ? QUICK : FULL;
  const started = performance.now();
  const payloads = seedPayloads();
  out(`npm run bench${values.quick ? ' --quick' : ''}, ${new Date().toISOString()}, commit ${gitCommit()}`);
  out(`node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${loadLine()}`);
  out(`payloads: ${payloads.map((p) => `${p.name} (${p.body.length} B compact)`).join(', ')}`);
  if (values.quick) out('--quick: every section runs briefly, to show that it runs; its figures are not measurements.');
  out();
  let micro: Awaited<ReturnType<typeof runMicro>> | undefined;
  if (runs('micro')) {
    out(
      `1-3. CPU time per event, no I/O: median of ${plan.micro.rounds} interleaved rounds (process CPU, µs per event)`,
    );
    micro = await runMicro(payloads, plan.micro);
    out(`   ${loadLine()}`);
    out();
  }
  if (runs('worst-case')) {
    worstCaseSection(await runWorstCase(payloads, { rounds: plan.worstCaseRounds }), plan.worstCaseRounds);
    out();
  }
  if (runs('refusal-cost')) {
    await refusalCostSection(out);
    out(`   ${loadLine()}`);
    out();
  }

  if (runs('cold-start') || runs('e2e')) {
    const workDir = mkdtempSync(join(tmpdir(), 'voucherify-bench-'));
    let dynamodb: DynamoDbLocal | undefined;
    let secrets: SecretsManagerStandIn | undefined;
    // Stopped by a signal sent to this process alone (not a terminal's Ctrl-C, which reaches the children too): do not
    // leave Java running.
    const stopOnSignal = (signal: NodeJS.Signals) => {
      void Promise.allSettled([dynamodb?.stop(), secrets?.stop()]).finally(() => {
        rmSync(workDir, { recursive: true, force: true });
        process.kill(process.pid, signal);
      });
    };
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
    try {
      const bundles = await buildBundles(workDir);
      dynamodb = await startDynamoDbLocal();
      const client = localDynamoDbClient(dynamodb.endpoint);
      await ensureEventsTable(client, TABLE_NAME);
      if (runs('cold-start')) {
        secrets = await startSecretsManagerStandIn(BENCH_SECRET_ARN, BENCH_SECRET);
        // DynamoDB Local's JIT is cold too: without this the first variant's first run measures Java warming up.
        await drivePutItem(client, TABLE_NAME, recordsOf(freshPayloads(200, `${process.pid}_cold_warmup`)), 8);
        await coldStartSection(bundles, dynamodb.endpoint, secrets, plan.coldRuns);
        out();
      }
      if (runs('e2e')) {
        await endToEndSection(bundles.e2eServer.file, dynamodb, client, plan.e2e);
        out();
      }
      client.destroy();
    } finally {
      await Promise.allSettled([dynamodb?.stop(), secrets?.stop()]);
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  if (micro)
    out(
      `core per event (2b, mean of seeds) ${fmt(micro.coreMicros)} µs; deployed handler per event (2d) ${fmt(micro.handlerMicros)} µs of CPU: npm run cost turns these into dollars.`,
    );
  out(`bench took ${fmt((performance.now() - started) / 1000, 1)} s; ${loadLine()}`);
}

/** The load average now: every figure of a shared machine is read beside it. */
function loadLine(): string {
  return `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

function worstCaseSection(result: { lines: readonly string[] }, rounds: number): void {
  out(
    `4b. Worst-case validation beside the typical one: the fuzz worst shapes at maxBodyBytes (${DEFAULT_INGEST_CONFIG.maxBodyBytes} B) and at 5.4 MB, signed; median of ${rounds} runs, wall ms`,
  );
  for (const line of result.lines) out(line);
}

/** The commit measured, marked when the working tree differs from it (other engineers work in the same tree). */
function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown';
  }
}

interface Bundles {
  readonly ingest: Bundle;
  readonly ingestTimed: Bundle;
  readonly runtimeAjv: Bundle;
  /** Only the AWS calls of ingest's first request, through the same clients (tools/bench/sdk-only-handler.ts). */
  readonly sdkOnly: Bundle;
  readonly alerts?: Bundle;
  readonly harness: Bundle;
  readonly e2eServer: Bundle;
}

async function buildBundles(dir: string): Promise<Bundles> {
  const alertsEntry = FUNCTION_ENTRIES.alerts;
  return {
    ingest: await bundle(FUNCTION_ENTRIES.ingest, join(dir, 'ingest', 'index.js')),
    ingestTimed: await bundle(
      FUNCTION_ENTRIES.ingest,
      join(dir, 'ingest-timed', 'index.js'),
      instrumentedIngestOptions(),
    ),
    runtimeAjv: await bundle(FUNCTION_ENTRIES.ingest, join(dir, 'runtime', 'index.js'), runtimeAjvOptions()),
    sdkOnly: await bundle('tools/bench/sdk-only-handler.ts', join(dir, 'sdk-only', 'index.js')),
    ...(entryExists(alertsEntry) ? { alerts: await bundle(alertsEntry, join(dir, 'alerts', 'index.js')) } : {}),
    harness: await bundle('tools/bench/cold-harness.ts', join(dir, 'harness.js')),
    e2eServer: await bundle('tools/bench/e2e-server.ts', join(dir, 'e2e-server.js')),
  };
}

/** Published figures the cold start is read beside (not measured here: no AWS account on this machine). */
const COLD_START_ANCHORS = [
  'a Node.js 24 hello world INIT on Lambda, arm64: about 114 ms',
  "LLRT's cold DynamoDB put: about 64 ms p50",
] as const;
/** Target for (receiver's load + 1st request) ÷ (the SDK-only variant's). */
const COLD_START_TARGET = 1.2;

async function coldStartSection(
  bundles: Bundles,
  endpoint: string,
  secrets: SecretsManagerStandIn,
  runs: number,
): Promise<void> {
  const production = 'ahead-of-time validators (the production bundle)';
  const withSourceMaps = '  same, NODE_OPTIONS=--enable-source-maps (stack setting)';
  const sdkOnly = 'SDK only: GetSecretValue + conditional PutItem';
  const variants = [
    { label: production, bundle: bundles.ingestTimed.file, nodeOptions: '' },
    {
      label: withSourceMaps,
      bundle: bundles.ingestTimed.file,
      nodeOptions: '--enable-source-maps',
    },
    { label: 'ajv compiles the schemas at load (runtime variant)', bundle: bundles.runtimeAjv.file, nodeOptions: '' },
    { label: sdkOnly, bundle: bundles.sdkOnly.file, nodeOptions: '', kind: 'sdk-only' as const },
  ];
  out(
    `5. Cold start: a fresh node per run loads the minified bundle and answers 2 requests (secret read through GetSecretValue from a stand-in, items into DynamoDB Local); median of ${runs} interleaved runs`,
  );
  const results = await runColdStarts(variants, {
    harness: bundles.harness.file,
    runs,
    dynamodbEndpoint: endpoint,
    tableName: TABLE_NAME,
    secretsManager: { endpoint: secrets.endpoint, secretArn: secrets.secretArn },
  });
  const columns = [
    'load (INIT)',
    'validators',
    '1st request',
    'load + 1st',
    '  ...its CPU',
    '2nd request',
    'node boot',
    'process',
    'RSS',
  ];
  out(`   ${'variant'.padEnd(58)}${columns.map((c) => c.padStart(12)).join('')}`);
  const med = (runs: readonly ColdRun[], pick: (run: ColdRun) => number) => median(runs.map(pick));
  for (const variant of variants) {
    const runs = results.get(variant.label) ?? [];
    const ms = (value: number) => `${fmt(value)} ms`.padStart(12);
    out(
      `   ${variant.label.padEnd(58)}${[
        ms(med(runs, (r) => r.loadMs)),
        ms(med(runs, (r) => r.validatorsMs)),
        ms(med(runs, (r) => r.firstMs)),
        ms(med(runs, (r) => r.loadMs + r.firstMs)),
        ms(med(runs, (r) => r.loadAndFirstCpuMs)),
        ms(med(runs, (r) => r.secondMs)),
        ms(med(runs, (r) => r.bootMs)),
        ms(med(runs, (r) => r.processMs)),
        `${fmt(
          med(runs, (r) => r.rssMb),
          0,
        )} MB`.padStart(12),
      ].join('')}`,
    );
  }
  // Run by run (the two were started one after the other), then the median: load on the machine hits both alike.
  const sdkRuns = results.get(sdkOnly) ?? [];
  const ratioOf = (label: string, pick: (run: ColdRun) => number) =>
    median((results.get(label) ?? []).map((r, i) => pick(r) / (sdkRuns[i] ? pick(sdkRuns[i]) : Number.NaN)));
  const coldRatio = ratioOf(production, (r) => r.loadMs + r.firstMs);
  const coldCpuRatio = ratioOf(production, (r) => r.loadAndFirstCpuMs);
  out(
    `   receiver ÷ SDK only, load + 1st request (median of per-run ratios): ${fmt(coldRatio)} wall, ${fmt(coldCpuRatio)} CPU  target ≤ ${COLD_START_TARGET}: ${coldRatio <= COLD_START_TARGET ? 'met' : 'NOT met'}; ${loadLine()}`,
  );
  // What a deployed cold start pays: the stack turns source maps on for readable stack traces.
  const deployedRatio = ratioOf(withSourceMaps, (r) => r.loadMs + r.firstMs);
  out(
    `   the same with the stack's --enable-source-maps on the receiver only (as deployed): ${fmt(deployedRatio)} wall, ${fmt(ratioOf(withSourceMaps, (r) => r.loadAndFirstCpuMs))} CPU`,
  );
  out(`   anchors, published, not measured here: ${COLD_START_ANCHORS.join('; ')}`);
  const aot = median((results.get(variants[0]?.label ?? '') ?? []).map((r) => r.validatorsMs));
  out(`   target: validator creation at cold start ≤ 5 ms: ${aot <= 5 ? 'met' : 'NOT met'} (${fmt(aot)} ms)`);
  out(
    '   "validators" = evaluating the generated module (and, for the runtime variant, loading ajv and compiling); the',
  );
  out('   timed bundle is the production one plus two timing statements around that module.');

  out(
    '   bundle sizes (minified as the stack builds them; source map beside it, not loaded unless source maps are on):',
  );
  const size = (b: Bundle) => `${fmt(b.bytes, 0)} B (map ${fmt(b.mapBytes, 0)} B)`;
  out(`     ingest ${size(bundles.ingest)}; runtime-ajv variant ${size(bundles.runtimeAjv)}`);
  out(
    `     alerts ${bundles.alerts ? size(bundles.alerts) : `not built: ${FUNCTION_ENTRIES.alerts} does not exist yet`}`,
  );
  out('   what the ingest bundle holds (esbuild metafile, bytes in the minified output):');
  const parts = composition(bundles.ingest);
  const shown = parts.slice(0, 10);
  const rest = parts.slice(10).reduce((sum, p) => sum + p.bytes, 0);
  const share = (bytes: number) => `${((bytes / bundles.ingest.bytes) * 100).toFixed(0)}%`;
  for (const part of shown)
    out(`     ${part.group.padEnd(48)}${fmt(part.bytes, 0).padStart(9)} B ${share(part.bytes).padStart(4)}`);
  out(
    `     ${`${parts.length - shown.length} more`.padEnd(48)}${fmt(rest, 0).padStart(9)} B ${share(rest).padStart(4)}`,
  );
}

async function endToEndSection(
  serverBundle: string,
  dynamodb: DynamoDbLocal,
  client: ReturnType<typeof localDynamoDbClient>,
  plan: Plan['e2e'],
): Promise<void> {
  out(
    `6. End to end, local: HTTP POST -> local server (local/runtime/server.ts, own process) -> ingest handler -> DynamoDB Local,`,
  );
  out(
    `   beside the same conditional PutItem straight to DynamoDB Local (the ceiling); after ${plan.warmup} requests each to warm up, median of ${plan.rounds} rounds, order alternating`,
  );
  const server = await startE2EServer(serverBundle, dynamodb.endpoint, TABLE_NAME);
  try {
    const url = `${server.origin}${DEFAULT_INGEST_CONFIG.webhookPath}`;
    const head = ['req/s', 'p50', 'p99'].map((h) => h.padStart(9)).join('');
    out(
      `   ${'concurrency'.padEnd(13)}${'receiver:'.padEnd(10)}${head}   ${'PutItem:'.padEnd(10)}${head}   receiver ÷ PutItem`,
    );
    let tag = 0;
    const fresh = (count: number) => freshPayloads(count, `${process.pid}_${tag++}`);
    const pids = { server: server.pid, dynamodb: dynamodb.pid };
    const cpuLines: string[] = [];
    // Both the receiver's JIT and DynamoDB Local's (Java) take a few thousand requests to settle: without this the
    // first rounds measure warm-up, not throughput.
    await drivePutItem(client, TABLE_NAME, recordsOf(fresh(plan.warmup)), 32);
    await driveReceiver(url, fresh(plan.warmup), 32);
    for (const step of plan.steps) {
      await driveReceiver(url, fresh(step.warmup), step.concurrency);
      await drivePutItem(client, TABLE_NAME, recordsOf(fresh(step.warmup)), step.concurrency);
      const receiver: Throughput[] = [];
      const putItem: Throughput[] = [];
      const receiverCpu = new CpuTally();
      const putItemCpu = new CpuTally();
      for (let round = 0; round < plan.rounds; round++) {
        // Payloads and items are made before the CPU tally starts: it should hold only the requests.
        const payloads = fresh(step.requests);
        const records = recordsOf(fresh(step.requests));
        const runReceiver = async () =>
          receiver.push(await receiverCpu.during(pids, () => driveReceiver(url, payloads, step.concurrency)));
        const runPutItem = async () =>
          putItem.push(
            await putItemCpu.during(pids, () => drivePutItem(client, TABLE_NAME, records, step.concurrency)),
          );
        // Alternate which goes first, so drift during a round (warm-up, outside load) does not favour one side.
        for (const run of round % 2 === 0 ? [runReceiver, runPutItem] : [runPutItem, runReceiver]) await run();
      }
      cpuLines.push(
        `   ${String(step.concurrency).padEnd(13)}receiver: ${receiverCpu.describe(['server', 'dynamodb', 'client'])}; PutItem: ${putItemCpu.describe(['dynamodb', 'client'])}`,
      );
      const cells = (runs: Throughput[]) =>
        [
          fmt(median(runs.map((r) => r.perSecond)), 0),
          `${fmt(median(runs.map((r) => r.p50Ms)))}ms`,
          `${fmt(median(runs.map((r) => r.p99Ms)))}ms`,
        ]
          .map((c) => c.padStart(9))
          .join('');
      // The ratio of the medians shown, with each round's own ratio beside it: 3 rounds on a shared machine vary.
      const ratio = median(receiver.map((r) => r.perSecond)) / median(putItem.map((r) => r.perSecond));
      const roundRatios = receiver.map((r, i) => fmt(r.perSecond / (putItem[i] as Throughput).perSecond)).join(', ');
      const target = `  target ≥ ${E2E_TARGET}: ${ratio >= E2E_TARGET ? 'met' : 'NOT met'}`;
      out(
        `   ${String(step.concurrency).padEnd(13)}${''.padEnd(10)}${cells(receiver)}   ${''.padEnd(10)}${cells(putItem)}   ${fmt(ratio).padStart(9)} [${roundRatios}]${target}`,
      );
    }
    out(
      "   CPU per request, ms (user + system, from /proc; 2 cores shared by all of it and by other engineers' runs):",
    );
    for (const line of cpuLines) out(line);
  } finally {
    await server.stop();
  }
}

/** CPU used per request by each process taking part in the end-to-end runs, summed over rounds. */
class CpuTally {
  private readonly totals = { server: 0, dynamodb: 0, client: 0 };
  private requests = 0;
  private complete = true;

  async during(pids: { server: number; dynamodb: number }, run: () => Promise<Throughput>): Promise<Throughput> {
    const before = { server: processCpuMs(pids.server), dynamodb: processCpuMs(pids.dynamodb), client: cpuMicros() };
    const result = await run();
    const server = processCpuMs(pids.server);
    const dynamodb = processCpuMs(pids.dynamodb);
    if (
      before.server === undefined ||
      before.dynamodb === undefined ||
      server === undefined ||
      dynamodb === undefined
    ) {
      this.complete = false;
    } else {
      this.totals.server += server - before.server;
      this.totals.dynamodb += dynamodb - before.dynamodb;
    }
    this.totals.client += (cpuMicros() - before.client) / 1000;
    this.requests += result.requests;
    return result;
  }

  describe(parts: readonly ('server' | 'dynamodb' | 'client')[]): string {
    if (!this.complete) return 'n/a (no /proc)';
    const labels = { server: 'receiver process', dynamodb: 'DynamoDB Local', client: 'this process' };
    const values = parts.map((part) => this.totals[part] / this.requests);
    const sum = values.reduce((a, b) => a + b, 0);
    return `${parts.map((part, i) => `${labels[part]} ${fmt(values[i] as number)}`).join(' + ')} = ${fmt(sum)}`;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
