/**
 * `npm run cost`: what one million events cost on AWS, this design beside a naive one on the same events, and the
 * figures behind the choices of memory size, compression, index projections and table class.
 *
 * Measured here: DynamoDB item sizes of the two seed events (as the adapter writes them), the ingest handler's CPU per
 * event (SDK included, network stubbed) and its log line. Imported from the code: memory, retention and log retention
 * (lib/config.ts DEFAULT_SETTINGS), the indexes (functions/adapters/table.ts EVENTS_INDEX_LIST). Everything else is a stated assumption
 * (ASSUMPTIONS below, some overridable: --rollback-share=0.5 --memory=256 --cold-share=0.05 --retention-days=90
 * --table-class=standard-ia).
 * Prices: tools/cost/pricing.ts. docs/performance.md explains the model and the decisions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { App } from 'aws-cdk-lib';
import { caseToItem } from '../functions/adapters/dynamodb-case-store';
import { EVENTS_INDEX_LIST, EVENTS_INDEXES, EVENTS_TABLE } from '../functions/adapters/table';
import { DEFAULT_CASE_SETTINGS } from '../functions/core/alerts/case-settings';
import { caseFactsOf, decideOnFailure } from '../functions/core/alerts/cases';
import { buildAlertMessage } from '../functions/core/alerts/message';
import { SWEEP_RUNS_PER_MONTH } from '../functions/core/alerts/sweep';
import { BODY_DICTIONARY_V1, encodeBody } from '../functions/core/shared/body-codec';
import { DEFAULT_SETTINGS } from '../lib/config';
import { VoucherifyWebhooksStack } from '../lib/voucherify-webhooks-stack';
import { consistentReadUnits, ITEM_STORAGE_OVERHEAD_BYTES, itemBytes, writeUnits } from './bench/item-size';
import { cpuMicros, fmt, median } from './bench/measure';
import { apiGatewayEventOf, type Payload, seedPayloads } from './bench/payloads';
import { itemOf } from './bench/steps';
import { stubbedIngestHandler } from './bench/stubbed-handler';
import { idleMonthlyCost, idleTotal, type TemplateResources } from './cost/idle';
import {
  API_GATEWAY,
  CLOUDWATCH_LOGS,
  DYNAMODB,
  IDLE_PRICES_AS_OF,
  LAMBDA,
  PRICES_AS_OF,
  PRICES_REGION,
  SECRETS_MANAGER,
  SNS,
  type TableClassPrices,
} from './cost/pricing';

const EVENTS = 1_000_000;

/** Everything the model assumes rather than measures. Each is printed with the result. */
const ASSUMPTIONS = {
  /** Share of events that are rollback failures (the rest: redemption failures). Overridable. */
  rollbackShare: 1 / 3,
  /** The stack runs every function on arm64 (lib/constructs/node-function.ts). */
  architecture: 'arm64',
  /** Lambda gives one full vCPU at 1,769 MB and CPU in proportion below that (Lambda developer guide). */
  fullVcpuMb: 1_769,
  /** How much slower a Lambda Graviton vCPU runs this single-threaded JavaScript than the bench machine's core. */
  lambdaCpuSlowdown: 1.5,
  /** PutItem round trip from Lambda to DynamoDB in the same region, p50 (single-digit milliseconds). */
  dynamodbRoundTripMs: 6,
  /** Share of ingest invocations that are cold starts. At 1M/month (0.4/s) an environment mostly stays warm. */
  coldShare: 0.01,
  /**
   * CPU of a cold start on the bench machine: loading the bundle (~70-140 ms in `npm run bench` section 5) plus the
   * first request's lazy SDK set-up (~85 ms). Scaled like invocation CPU.
   */
  coldStartCpuMs: 200,
  /** Lambda's START/END/REPORT lines per invocation, and the API's JSON access-log line. */
  platformLogBytes: 300,
  accessLogBytes: 350,
  /** Days the log groups keep lines: the stack's default (lib/config.ts). */
  logRetentionDays: DEFAULT_SETTINGS.logRetentionDays,
  /** Alerts function: memory, billed time per alert (GetItem, SNS Publish, UpdateItem), one invocation per alert. */
  alertsMemoryMb: 512,
  alertsBilledMs: 40,
  /** Bytes the alerts function adds to the event's item (alertedAt + alertMessageId). */
  alertMarkerBytes: 90,
  /**
   * Cases, per rollback failure that opens one (the worst case: every failure its own rollback). Consistent GetItems
   * of the case: before opening it, before recording how it is told, before marking the alert. Whole-item PutItems
   * over the version read: open, the notice (alert or digest), the alert marker. One UpdateItem of the burst window's
   * counter item (< 1 KB). Each put also rewrites the case's entry in the `cases` index.
   */
  caseGets: 3,
  casePuts: 3,
  caseWindowUpdates: 1,
  /** The scheduled case function: one run a minute, ~60 ms billed at 256 MB, a few small queries (open cases few). */
  sweepBilledMs: 60,
  sweepMemoryMb: 256,
  /** Read units per run: 3 index queries (eventually consistent, 0.5 RRU each when small) + a BatchGetItem of 24 windows. */
  sweepReadUnitsPerRun: 3 * 0.5 + 24,
  /** Duplicate deliveries are not modelled (each costs a conditional PutItem of the same size). */
  duplicateShare: 0,
} as const;

type Item = Record<string, AttributeValue>;
type Projection = 'KEYS_ONLY' | 'INCLUDE' | 'ALL';

interface IndexSpec {
  readonly name: string;
  readonly keys: readonly string[];
  readonly projection: Projection;
  readonly include: readonly string[];
}

interface Settings {
  readonly memoryMb: number;
  readonly retentionDays: number;
  readonly rollbackShare: number;
  readonly coldShare: number;
  readonly memorySource: string;
  readonly indexes: readonly IndexSpec[];
  readonly indexSource: string;
  /** This design's table class (the naive design keeps the default, Standard). */
  readonly tableClass: 'standard' | 'standardIa';
}

/** One line of the bill: dollars per million events for this design and for the naive one. */
interface Line {
  readonly label: string;
  readonly ours: number;
  readonly naive: number;
  readonly note?: string;
  /** Lines that are the same in both designs whatever they store (alert delivery), for the ratio without them. */
  readonly delivery?: boolean;
}

function argument(name: string): number | undefined {
  const raw = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number, got "${raw}"`);
  return value;
}

/** The global secondary indexes the stack and the local mode create (functions/adapters/table.ts), in the model's shape. */
function configuredIndexes(): IndexSpec[] {
  return EVENTS_INDEX_LIST.map((index) => ({
    name: index.name,
    keys: [index.partitionKey, index.sortKey],
    projection: index.projection.type,
    include: index.projection.nonKeyAttributes,
  }));
}

/** The index entry DynamoDB keeps for an item (table key + index keys + projected attributes), or none (sparse). */
function indexEntry(item: Item, index: IndexSpec): Item | undefined {
  if (!index.keys.every((key) => item[key] !== undefined)) return undefined;
  if (index.projection === 'ALL') return item;
  const names = new Set([EVENTS_TABLE.partitionKey, ...index.keys, ...index.include]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => names.has(name)));
}

/** The naive design's item: the same attributes, the body as the raw JSON text. */
function naiveItem(ours: Item, payload: Payload): Item {
  const { bodyEncoding: _encoding, ...rest } = ours;
  return { ...rest, body: { S: payload.body.toString('utf8') } };
}

/**
 * CPU µs per event of the deployed handler module (API Gateway event to answer, core, SDK marshalling and signing, the
 * HTTP exchange with a stub DynamoDB in another process, log and metric lines), and the bytes it logs per event.
 */
async function measureHandler(payloads: readonly Payload[]): Promise<{ cpuMicros: number; logBytes: number }> {
  const stubbed = await stubbedIngestHandler();
  try {
    const events = payloads.map(apiGatewayEventOf);
    const calls = 300;
    const run = () =>
      stubbed.quietly(async () => {
        for (let i = 0; i < calls; i++) for (const event of events) await stubbed.handler(event);
      });
    await run();
    const batches: number[] = [];
    const logBefore = stubbed.stdoutBytes();
    for (let batch = 0; batch < 5; batch++) {
      const start = cpuMicros();
      await run();
      batches.push((cpuMicros() - start) / (calls * events.length));
    }
    return {
      cpuMicros: median(batches),
      logBytes: (stubbed.stdoutBytes() - logBefore) / (5 * calls * events.length),
    };
  } finally {
    stubbed.stop();
  }
}

/** Billed milliseconds of a warm ingest invocation at a memory size: CPU scaled to Lambda's share, plus the write. */
function warmBilledMs(handlerCpuMicros: number, memoryMb: number): number {
  const cpuMs =
    (handlerCpuMicros / 1000) * ASSUMPTIONS.lambdaCpuSlowdown * Math.max(1, ASSUMPTIONS.fullVcpuMb / memoryMb);
  return Math.ceil(cpuMs + ASSUMPTIONS.dynamodbRoundTripMs);
}

function coldStartMs(memoryMb: number): number {
  return ASSUMPTIONS.coldStartCpuMs * ASSUMPTIONS.lambdaCpuSlowdown * Math.max(1, ASSUMPTIONS.fullVcpuMb / memoryMb);
}

/** Lambda ingest dollars per million events at a memory size: requests, warm duration, cold-start INIT. */
function lambdaCost(handlerCpuMicros: number, memoryMb: number, coldShare: number) {
  const gb = memoryMb / 1024;
  const perGbSecond = ASSUMPTIONS.architecture === 'arm64' ? LAMBDA.perGbSecondArm64 : LAMBDA.perGbSecondX86;
  const requests = (EVENTS / 1e6) * LAMBDA.perMillionRequests;
  const duration = EVENTS * (warmBilledMs(handlerCpuMicros, memoryMb) / 1000) * gb * perGbSecond;
  const init = LAMBDA.initIsBilled ? EVENTS * coldShare * (coldStartMs(memoryMb) / 1000) * gb * perGbSecond : 0;
  return { requests, duration, init };
}

const perMillion = (units: number, pricePerMillion: number) => (units / 1e6) * pricePerMillion;
const GB = 1024 ** 3;

interface StoredShape {
  /** Average bytes per event of the base item, and its write units. */
  readonly itemBytes: number;
  readonly writeUnits: number;
  /** Average index entries' bytes and write units per event, all indexes together. */
  readonly indexBytes: number;
  readonly indexWriteUnits: number;
  /** Alerts path per rollback: consistent GetItem read units and UpdateItem write units of the marked item. */
  readonly alertReadUnits: number;
  readonly alertWriteUnits: number;
}

/** Weighted per-event sizes and units over the event mix. */
function storedShape(
  items: readonly { item: Item; weight: number; rollback: boolean }[],
  indexes: readonly IndexSpec[],
): StoredShape {
  let bytes = 0;
  let units = 0;
  let indexBytes = 0;
  let indexUnits = 0;
  let alertReads = 0;
  let alertWrites = 0;
  let rollbackWeight = 0;
  for (const { item, weight, rollback } of items) {
    const size = itemBytes(item);
    bytes += weight * (size + ITEM_STORAGE_OVERHEAD_BYTES);
    units += weight * writeUnits(size);
    for (const index of indexes) {
      const entry = indexEntry(item, index);
      if (!entry) continue;
      const entrySize = itemBytes(entry);
      indexBytes += weight * (entrySize + ITEM_STORAGE_OVERHEAD_BYTES);
      indexUnits += weight * writeUnits(entrySize);
    }
    if (rollback) {
      rollbackWeight += weight;
      alertReads += weight * consistentReadUnits(size);
      // UpdateItem is billed on the larger of the item before and after: here, after (the marker is added).
      alertWrites += weight * writeUnits(size + ASSUMPTIONS.alertMarkerBytes);
    }
  }
  return {
    itemBytes: bytes,
    writeUnits: units,
    indexBytes,
    indexWriteUnits: indexUnits,
    alertReadUnits: rollbackWeight > 0 ? alertReads / rollbackWeight : 0,
    alertWriteUnits: rollbackWeight > 0 ? alertWrites / rollbackWeight : 0,
  };
}

function storageMonths(retentionDays: number): number {
  return retentionDays / (365.25 / 12);
}

async function main(): Promise<void> {
  // The SDK's Node 20 end-of-support notice says nothing about the costs; keep the output readable.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const payloads = seedPayloads();
  const [failed, rollback] = payloads as [Payload, Payload];
  const settings: Settings = {
    memoryMb: argument('memory') ?? DEFAULT_SETTINGS.memorySizeMb,
    retentionDays: argument('retention-days') ?? DEFAULT_SETTINGS.retentionDays,
    rollbackShare: argument('rollback-share') ?? ASSUMPTIONS.rollbackShare,
    coldShare: argument('cold-share') ?? ASSUMPTIONS.coldShare,
    memorySource: argument('memory') !== undefined ? '--memory' : "the stack's default, lib/config.ts",
    indexes: configuredIndexes(),
    indexSource: 'functions/adapters/table.ts EVENTS_INDEX_LIST',
    tableClass: process.argv.includes('--table-class=standard-ia') ? 'standardIa' : 'standard',
  };
  const ourTable: TableClassPrices = DYNAMODB[settings.tableClass];
  const handler = await measureHandler(payloads);

  const ourItems = [
    { payload: failed, item: itemOf(failed), weight: 1 - settings.rollbackShare, rollback: false },
    { payload: rollback, item: itemOf(rollback), weight: settings.rollbackShare, rollback: true },
  ];
  const naiveItems = ourItems.map((entry) => ({ ...entry, item: naiveItem(entry.item, entry.payload) }));
  const naiveIndexes = settings.indexes.map((index) => ({ ...index, projection: 'ALL' as const, include: [] }));
  const ours = storedShape(ourItems, settings.indexes);
  const naive = storedShape(naiveItems, naiveIndexes);

  const months = storageMonths(settings.retentionDays);
  const rollbacks = EVENTS * settings.rollbackShare;
  const lambda = lambdaCost(handler.cpuMicros, settings.memoryMb, settings.coldShare);
  const warmMs = warmBilledMs(handler.cpuMicros, settings.memoryMb);
  const logBytesPerEvent = handler.logBytes + ASSUMPTIONS.platformLogBytes + ASSUMPTIONS.accessLogBytes;
  const logGb = (EVENTS * logBytesPerEvent) / GB;
  const logs =
    logGb * (CLOUDWATCH_LOGS.ingestionPerGb + CLOUDWATCH_LOGS.storagePerGbMonth * (ASSUMPTIONS.logRetentionDays / 30));
  const alertsLambda =
    perMillion(rollbacks, LAMBDA.perMillionRequests) +
    rollbacks * (ASSUMPTIONS.alertsBilledMs / 1000) * (ASSUMPTIONS.alertsMemoryMb / 1024) * LAMBDA.perGbSecondArm64;
  const alertsDynamo = (shape: StoredShape, prices: TableClassPrices) =>
    perMillion(rollbacks * shape.alertReadUnits, prices.perMillionReadUnits) +
    perMillion(rollbacks * shape.alertWriteUnits, prices.perMillionWriteUnits);
  const storage = (shape: StoredShape) => ((EVENTS * (shape.itemBytes + shape.indexBytes)) / GB) * months;
  // The case item of the rollback fixture, as the alerts function writes it (facts, history, notice): its size sets
  // the units of each case read and write.
  const envelope = JSON.parse(rollback.body.toString('utf8')) as unknown;
  const facts = buildAlertMessage({
    record: { eventId: rollback.eventId, status: 'ACCEPTED', receivedAt: new Date().toISOString() },
    envelope,
    now: Date.now(),
  }).facts;
  const opened = decideOnFailure(undefined, {
    key: facts.rollback?.id ?? facts.eventId,
    eventId: facts.eventId,
    facts: caseFactsOf(facts),
    at: new Date().toISOString(),
  });
  const caseItem = caseToItem(
    opened.kind === 'open'
      ? {
          ...opened.next,
          notice: {
            opening: 1,
            via: 'alert',
            window: new Date().toISOString(),
            alertedAt: new Date().toISOString(),
            messageId: '0'.repeat(36),
          },
        }
      : (undefined as never),
  );
  const caseBytes = itemBytes(caseItem);
  const caseIndexEntry = indexEntry(caseItem, {
    name: EVENTS_INDEXES.cases.name,
    keys: [EVENTS_INDEXES.cases.partitionKey, EVENTS_INDEXES.cases.sortKey],
    projection: 'INCLUDE',
    include: EVENTS_INDEXES.cases.projection.nonKeyAttributes,
  });
  const caseIndexBytes = caseIndexEntry ? itemBytes(caseIndexEntry) : 0;
  const caseWriteUnits =
    ASSUMPTIONS.casePuts * (writeUnits(caseBytes) + writeUnits(caseIndexBytes)) + ASSUMPTIONS.caseWindowUpdates * 1;
  const caseReadUnits = ASSUMPTIONS.caseGets * consistentReadUnits(caseBytes);
  const casesDynamo =
    perMillion(rollbacks * caseWriteUnits, ourTable.perMillionWriteUnits) +
    perMillion(rollbacks * caseReadUnits, ourTable.perMillionReadUnits);
  const sweepMonthly =
    perMillion(SWEEP_RUNS_PER_MONTH, LAMBDA.perMillionRequests) +
    SWEEP_RUNS_PER_MONTH *
      (ASSUMPTIONS.sweepBilledMs / 1000) *
      (ASSUMPTIONS.sweepMemoryMb / 1024) *
      LAMBDA.perGbSecondArm64 +
    perMillion(SWEEP_RUNS_PER_MONTH * ASSUMPTIONS.sweepReadUnitsPerRun, ourTable.perMillionReadUnits);

  const lines: Line[] = [
    {
      label: 'API Gateway requests (HTTP API | naive: REST API)',
      ours: perMillion(EVENTS, API_GATEWAY.httpApiPerMillionRequests),
      naive: perMillion(EVENTS, API_GATEWAY.restApiPerMillionRequests),
    },
    { label: 'Lambda ingest requests', ours: lambda.requests, naive: lambda.requests },
    {
      label: `Lambda ingest duration (${warmMs} ms billed x ${settings.memoryMb} MB ${ASSUMPTIONS.architecture})`,
      ours: lambda.duration,
      naive: lambda.duration,
      note: 'naive kept equal: conservative',
    },
    {
      label: `Lambda ingest INIT (${fmt(settings.coldShare * 100, 1)}% cold, ${fmt(coldStartMs(settings.memoryMb), 0)} ms)`,
      ours: lambda.init,
      naive: lambda.init,
    },
    {
      label: `DynamoDB writes, table (WRU/event: ${fmt(ours.writeUnits)} | ${fmt(naive.writeUnits)})`,
      ours: perMillion(EVENTS * ours.writeUnits, ourTable.perMillionWriteUnits),
      naive: perMillion(EVENTS * naive.writeUnits, DYNAMODB.standard.perMillionWriteUnits),
    },
    {
      label: `DynamoDB writes, ${settings.indexes.length} indexes (WRU/event: ${fmt(ours.indexWriteUnits)} | ${fmt(naive.indexWriteUnits)})`,
      ours: perMillion(EVENTS * ours.indexWriteUnits, ourTable.perMillionWriteUnits),
      naive: perMillion(EVENTS * naive.indexWriteUnits, DYNAMODB.standard.perMillionWriteUnits),
    },
    {
      label: `DynamoDB storage, ${fmt(months, 1)} months (B/event: ${fmt(ours.itemBytes + ours.indexBytes, 0)} | ${fmt(naive.itemBytes + naive.indexBytes, 0)})`,
      ours: storage(ours) * ourTable.perGbMonth,
      naive: storage(naive) * DYNAMODB.standard.perGbMonth,
    },
    {
      label: `Point-in-time recovery, ${fmt(months, 1)} months`,
      ours: ((EVENTS * ours.itemBytes) / GB) * months * DYNAMODB.pitrPerGbMonth,
      naive: ((EVENTS * naive.itemBytes) / GB) * months * DYNAMODB.pitrPerGbMonth,
    },
    {
      label: `Alerts: Lambda, ${fmt(rollbacks, 0)} invocations x ${ASSUMPTIONS.alertsBilledMs} ms`,
      ours: alertsLambda,
      naive: alertsLambda,
    },
    {
      label: `Alerts: ledger GetItem + UpdateItem (WRU: ${fmt(ours.alertWriteUnits)} | ${fmt(naive.alertWriteUnits)})`,
      ours: alertsDynamo(ours, ourTable),
      naive: alertsDynamo(naive, DYNAMODB.standard),
    },
    {
      label:
        `Cases: ${ASSUMPTIONS.casePuts} puts + ${ASSUMPTIONS.caseGets} gets of a ${fmt(caseBytes, 0)} B case, ` +
        `${ASSUMPTIONS.caseWindowUpdates} counter update (WRU/rollback: ${fmt(caseWriteUnits)})`,
      ours: casesDynamo,
      naive: casesDynamo,
      note: 'worst case: every failure its own case',
    },
    {
      label: `Cases: scheduled function, ${fmt(SWEEP_RUNS_PER_MONTH, 0)} runs/month (fixed, not per event)`,
      ours: sweepMonthly,
      naive: sweepMonthly,
    },
    {
      label: `Alerts: SNS publishes (at most ${DEFAULT_CASE_SETTINGS.burstLimit} per ${DEFAULT_CASE_SETTINGS.burstWindowMinutes} min + digests; counted as one per rollback)`,
      ours: perMillion(rollbacks, SNS.perMillionPublishes),
      naive: perMillion(rollbacks, SNS.perMillionPublishes),
    },
    {
      label: `CloudWatch Logs (${fmt(logBytesPerEvent, 0)} B/event, ${ASSUMPTIONS.logRetentionDays} days)`,
      ours: logs,
      naive: logs,
    },
  ];
  const emailDelivery = (rollbacks / 1e5) * SNS.emailPer100kDeliveries;
  const sqsDelivery = perMillion(rollbacks, SNS.sqsPerMillionDeliveries);

  printHeader(settings, handler, months);
  printBill(lines, emailDelivery, sqsDelivery);
  printIdle();
  printChoices(settings, handler, payloads, months);
}

function printHeader(settings: Settings, handler: { cpuMicros: number; logBytes: number }, months: number): void {
  const out = console.log;
  out(
    `Cost of ${fmt(EVENTS, 0)} events on AWS, ${PRICES_REGION} list prices as of ${PRICES_AS_OF} (tools/cost/pricing.ts)`,
  );
  out('');
  out('Inputs');
  out(
    `  events: the two seeds, ${fmt(settings.rollbackShare * 100, 0)}% redemption.rollback.failed, the rest redemption.failed`,
  );
  out(`  ingest memory: ${settings.memoryMb} MB (${settings.memorySource}), ${ASSUMPTIONS.architecture}`);
  out(
    `  retention: ${settings.retentionDays} days = ${fmt(months, 1)} months of storage per event (TTL deletes are free)`,
  );
  out(`  indexes: ${settings.indexes.length} (${settings.indexSource})`);
  out(
    `  table class: ${settings.tableClass === 'standardIa' ? 'Standard-IA (--table-class=standard-ia)' : "Standard (the stack's; try --table-class=standard-ia)"}; point-in-time recovery on`,
  );
  for (const index of settings.indexes) {
    const include = index.projection === 'INCLUDE' ? ` (${index.include.join(', ')})` : '';
    out(`    ${index.name}: keys ${index.keys.join(', ')}; projection ${index.projection}${include}`);
  }
  out(
    `  measured: ingest handler CPU ${fmt(handler.cpuMicros, 0)} µs/event on this machine (SDK, HTTP to a stub DynamoDB); log + metric lines ${fmt(handler.logBytes, 0)} B`,
  );
  out(
    `  assumed: Lambda CPU ${ASSUMPTIONS.lambdaCpuSlowdown}x slower than this core, 1 vCPU at ${ASSUMPTIONS.fullVcpuMb} MB; PutItem round trip ${ASSUMPTIONS.dynamodbRoundTripMs} ms; cold starts ${fmt(settings.coldShare * 100, 1)}% with ${ASSUMPTIONS.coldStartCpuMs} ms CPU here`,
  );
  out(
    '  naive design: REST API, the body stored as raw JSON text (same lifted attributes), the same indexes with ALL projection',
  );
  out('');
}

/** The fixed monthly cost of the default stack with no traffic, counted from its synthesized template. */
function printIdle(): void {
  const out = console.log;
  const lines = idleMonthlyCost(defaultStackTemplate());
  const total = idleTotal(lines);
  const money = (value: number) => `$${value.toFixed(2)}`.padStart(10);
  out(
    `Fixed per month, with no traffic (the default stack's template; ${PRICES_REGION} list prices as of ${IDLE_PRICES_AS_OF}, tools/cost/pricing.ts)`,
  );
  for (const line of lines) out(`  ${line.label.padEnd(72)}${money(line.perMonth)}`);
  out(`  ${'total'.padEnd(72)}${money(total.perMonth)}`);
  if (total.perMonthLater !== total.perMonth)
    out(`  ${"from the KMS key's third year (two billed rotations)".padEnd(72)}${money(total.perMonthLater)}`);
  out(
    '  API Gateway, Lambda, SNS, SQS, DynamoDB requests and EMF metrics cost nothing while idle; stored events do (above)',
  );
  out('');
}

/** The stack `cdk deploy` creates with no context, synthesized without bundling (the functions' code costs nothing). */
function defaultStackTemplate(): TemplateResources {
  const outdir = mkdtempSync(path.join(tmpdir(), 'voucherify-cost-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new VoucherifyWebhooksStack(app, 'VoucherifyWebhooks');
    return app.synth().getStackByName(stack.stackName).template as TemplateResources;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function printBill(lines: readonly Line[], emailDelivery: number, sqsDelivery: number): void {
  const out = console.log;
  const money = (value: number) => `$${value < 10 ? value.toFixed(3) : value.toFixed(2)}`.padStart(10);
  out(`${'per 1,000,000 events'.padEnd(74)}${'this design'.padStart(12)}${'naive'.padStart(12)}`);
  for (const line of lines) {
    out(
      `${line.label.padEnd(74)}${money(line.ours).padStart(12)}${money(line.naive).padStart(12)}${line.note ? `  (${line.note})` : ''}`,
    );
  }
  const sum = (pick: (line: Line) => number) => lines.reduce((total, line) => total + pick(line), 0);
  const ours = sum((l) => l.ours);
  const naive = sum((l) => l.naive);
  const rule = `${''.padEnd(74, '-')}${''.padStart(24, '-')}`;
  out(rule);
  const total = (label: string, extra: number) => {
    const o = ours + extra;
    const n = naive + extra;
    out(`${label.padEnd(74)}${money(o).padStart(12)}${money(n).padStart(12)}   naive ÷ this: ${fmt(n / o)}x`);
  };
  total('total, alerts delivered to an SQS queue (free delivery)', sqsDelivery);
  total(`total, alerts delivered by email ($${fmt(emailDelivery)} of deliveries, same in both)`, emailDelivery);
  const ingestOnly = lines.filter((l) => !l.label.startsWith('Alerts') && !l.label.startsWith('Cases'));
  const o = ingestOnly.reduce((t, l) => t + l.ours, 0);
  const n = ingestOnly.reduce((t, l) => t + l.naive, 0);
  out(
    `${'the ingest path alone (no alerts)'.padEnd(74)}${money(o).padStart(12)}${money(n).padStart(12)}   naive ÷ this: ${fmt(n / o)}x`,
  );
  out(
    `secret reads (cached 5 min): about $${((8_760 / 1e4) * SECRETS_MANAGER.per10kApiCalls).toFixed(2)} a month per warm ingest environment`,
  );
  out('target: at least 3x cheaper than the naive design (see the totals above and docs/performance.md)');
  out('');
}

function printChoices(
  settings: Settings,
  handler: { cpuMicros: number },
  payloads: readonly Payload[],
  months: number,
): void {
  const out = console.log;
  const weights = [1 - settings.rollbackShare, settings.rollbackShare];
  const storagePrice = DYNAMODB.standard.perGbMonth + DYNAMODB.pitrPerGbMonth;

  out(
    'Choice 1: ingest memory (Lambda cost per million events; CPU-bound work costs the same GB-s at any size below 1,769 MB)',
  );
  out(
    `  ${'MB'.padStart(6)}${'warm billed'.padStart(13)}${'cold start'.padStart(12)}${'requests+duration+INIT'.padStart(25)}`,
  );
  for (const memoryMb of [128, 256, 512, 1024, 1769]) {
    const cost = lambdaCost(handler.cpuMicros, memoryMb, settings.coldShare);
    const mark = memoryMb === settings.memoryMb ? '  <- configured' : '';
    out(
      `  ${String(memoryMb).padStart(6)}${`${warmBilledMs(handler.cpuMicros, memoryMb)} ms`.padStart(13)}${`~${fmt(coldStartMs(memoryMb), 0)} ms`.padStart(12)}${`$${(cost.requests + cost.duration + cost.init).toFixed(3)}`.padStart(25)}${mark}`,
    );
  }
  out('');

  out(
    `Choice 2: body encoding (mix-weighted; storage incl. PITR for ${fmt(months, 1)} months; writes on-demand Standard)`,
  );
  out(
    `  ${'encoding'.padEnd(34)}${'body B'.padStart(9)}${'item B'.padStart(9)}${'WRU'.padStart(7)}${'CPU µs'.padStart(9)}${'$ writes'.padStart(10)}${'$ storage'.padStart(11)}${'$ both'.padStart(9)}`,
  );
  const encodings: { label: string; encode: (raw: Buffer) => { bytes: Buffer; tag: string } }[] = [
    { label: 'raw bytes (identity)', encode: (raw) => ({ bytes: raw, tag: 'identity' }) },
    { label: 'deflate-raw level 6 (before)', encode: (raw) => ({ bytes: deflateRawSync(raw), tag: 'deflate-raw' }) },
    {
      label: 'deflate-raw+dict1 level 1',
      encode: (raw) => ({
        bytes: deflateRawSync(raw, { level: 1, dictionary: BODY_DICTIONARY_V1 }),
        tag: 'deflate-raw+dict1',
      }),
    },
    {
      label: 'deflate-raw+dict1 level 6 (now)',
      encode: (raw) => {
        const encoded = encodeBody(raw);
        return { bytes: encoded.bytes, tag: encoded.encoding };
      },
    },
  ];
  for (const encoding of encodings) {
    let body = 0;
    let item = 0;
    let units = 0;
    let cpu = 0;
    payloads.forEach((payload, i) => {
      const weight = weights[i] as number;
      const base = itemOf(payload);
      const encoded = encoding.encode(payload.body);
      const size = itemBytes({ ...base, body: { B: encoded.bytes }, bodyEncoding: { S: encoded.tag } });
      body += weight * encoded.bytes.length;
      item += weight * size;
      units += weight * writeUnits(size);
      cpu += weight * cpuPerCall(() => encoding.encode(payload.body));
    });
    const writes = perMillion(EVENTS * units, DYNAMODB.standard.perMillionWriteUnits);
    const stored = ((EVENTS * (item + ITEM_STORAGE_OVERHEAD_BYTES)) / GB) * months * storagePrice;
    out(
      `  ${encoding.label.padEnd(34)}${fmt(body, 0).padStart(9)}${fmt(item, 0).padStart(9)}${fmt(units).padStart(7)}${fmt(cpu).padStart(9)}${`$${writes.toFixed(2)}`.padStart(10)}${`$${stored.toFixed(2)}`.padStart(11)}${`$${(writes + stored).toFixed(2)}`.padStart(9)}`,
    );
  }
  // Unrounded: a few µs never cross a billed millisecond by themselves, but on average they move that many ms.
  const tenMicros =
    EVENTS *
    ((10e-6 * ASSUMPTIONS.lambdaCpuSlowdown * ASSUMPTIONS.fullVcpuMb) / settings.memoryMb) *
    (settings.memoryMb / 1024) *
    LAMBDA.perGbSecondArm64;
  out(
    `  CPU is the bench machine's; at Lambda prices 10 µs more per event costs $${tenMicros.toFixed(4)} per million events at ${settings.memoryMb} MB.`,
  );
  out('');

  out('Choice 3: what one more global secondary index costs per million events, by projection (mix-weighted)');
  const items = payloads.map((payload) => itemOf(payload));
  const candidates: IndexSpec[] = [
    { name: 'KEYS_ONLY', keys: ['type', 'receivedAt'], projection: 'KEYS_ONLY', include: [] },
    {
      name: 'INCLUDE small fields',
      keys: ['type', 'receivedAt'],
      projection: 'INCLUDE',
      include: ['status', 'eventAt', 'customerId', 'failureCode', 'redemptionId'],
    },
    { name: 'ALL (copies the body)', keys: ['type', 'receivedAt'], projection: 'ALL', include: [] },
  ];
  out(
    `  ${'projection (keys: type, receivedAt)'.padEnd(40)}${'entry B'.padStart(9)}${'WRU'.padStart(7)}${'$ writes'.padStart(10)}${'$ storage'.padStart(11)}${'$ both'.padStart(9)}`,
  );
  for (const index of candidates) {
    let bytes = 0;
    let units = 0;
    items.forEach((item, i) => {
      const entry = indexEntry(item, index);
      if (!entry) return;
      bytes += (weights[i] as number) * itemBytes(entry);
      units += (weights[i] as number) * writeUnits(itemBytes(entry));
    });
    const writes = perMillion(EVENTS * units, DYNAMODB.standard.perMillionWriteUnits);
    // Index storage is billed like table storage; PITR covers the base table only.
    const stored = ((EVENTS * (bytes + ITEM_STORAGE_OVERHEAD_BYTES)) / GB) * months * DYNAMODB.standard.perGbMonth;
    out(
      `  ${index.name.padEnd(40)}${fmt(bytes, 0).padStart(9)}${fmt(units).padStart(7)}${`$${writes.toFixed(2)}`.padStart(10)}${`$${stored.toFixed(2)}`.padStart(11)}${`$${(writes + stored).toFixed(2)}`.padStart(9)}`,
    );
  }
  out('');

  out("Where the bytes of this design's item go (mix-weighted; DynamoDB counts attribute names as data)");
  let names = 0;
  let body = 0;
  let values = 0;
  payloads.forEach((payload, i) => {
    const weight = weights[i] as number;
    const item = itemOf(payload);
    names += weight * Object.keys(item).reduce((sum, key) => sum + Buffer.byteLength(key), 0);
    body += weight * (item.body?.B?.byteLength ?? 0);
    values += weight * (itemBytes(item) - Object.keys(item).reduce((sum, key) => sum + Buffer.byteLength(key), 0));
  });
  values -= body;
  const whole = names + body + values;
  const part = (label: string, bytes: number) => `${label} ${fmt(bytes, 0)} B (${((bytes / whole) * 100).toFixed(0)}%)`;
  out(`  ${part('compressed body', body)}, ${part('attribute names', names)}, ${part('other values', values)}`);
  out('');

  out(
    'Choice 4: table class for this design (writes + storage + PITR per million events, configured indexes included)',
  );
  const ourShape = storedShape(
    payloads.map((payload, i) => ({ item: itemOf(payload), weight: weights[i] as number, rollback: i === 1 })),
    settings.indexes,
  );
  for (const [label, prices] of [
    ['Standard', DYNAMODB.standard],
    ['Standard-IA', DYNAMODB.standardIa],
  ] as const) {
    const writes = perMillion(EVENTS * (ourShape.writeUnits + ourShape.indexWriteUnits), prices.perMillionWriteUnits);
    const gbMonths = ((EVENTS * (ourShape.itemBytes + ourShape.indexBytes)) / GB) * months;
    const pitr = ((EVENTS * ourShape.itemBytes) / GB) * months * DYNAMODB.pitrPerGbMonth;
    const total = writes + gbMonths * prices.perGbMonth + pitr;
    out(
      `  ${label.padEnd(14)} writes $${writes.toFixed(2)}  storage $${(gbMonths * prices.perGbMonth).toFixed(2)}  PITR $${pitr.toFixed(2)}  total $${total.toFixed(2)}`,
    );
  }
}

/** CPU µs per call of `fn`, median of 5 batches after a warm-up. */
function cpuPerCall(fn: () => unknown): number {
  const calls = 400;
  for (let i = 0; i < calls; i++) fn();
  const batches: number[] = [];
  for (let batch = 0; batch < 5; batch++) {
    const start = cpuMicros();
    for (let i = 0; i < calls; i++) fn();
    batches.push((cpuMicros() - start) / calls);
  }
  return median(batches);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
