/**
 * `npm run storm`: a duplicate storm. 2,000 deliveries of 300 distinct events (cloned from the fixtures with their own
 * ids; a third rollback failures), shuffled, each event delivered 1 to 15 times, 32 in flight. Then it checks that the
 * table holds each event once, that each rollback failure has one case (holding its one event), and that a queue
 * subscribed to the alert topic got exactly one individual alert per case the alerts function told by its own alert
 * (at most the burst limit per window; the others wait for their window's digest, sent by the scheduled function), and
 * measures raw DynamoDB Local PutItem at the same concurrency for comparison.
 *
 * By default it starts everything itself, as `npm start` does (in memory): DynamoDB Local, the events table, the
 * deployed ingest handler behind the local HTTP server, fauxqs with the alert topic, and the stream poller feeding the
 * deployed alerts handler. With --url it sends to a receiver that is already running instead, and can count only what
 * it is told where to find (see USAGE).
 *
 * Exits 0 when items == distinct events, cases == distinct rollback failures, alerts == cases alerted one by one (none
 * twice) and no answer was a 5xx; 1 when one of
 * those fails; 2 when one could not be checked (--url without the endpoints to check it).
 */

import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { BatchGetItemCommand, DeleteTableCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { localDir, readState } from '../cli/local-state';
import { DynamoDbCaseStore } from '../functions/adapters/dynamodb-case-store';
import { EVENTS_TABLE } from '../functions/adapters/table';
import { caseKeyOf } from '../functions/core/alerts/cases';
import { DEFAULT_INGEST_CONFIG } from '../functions/core/ingest/ingest';
import { SIGNATURE_HEADER, sign } from '../functions/core/ingest/signature';
import { buildEventRecord, type EventRecord } from '../functions/core/shared/event-record';
import { localSnsClient, localSqsClient, parseAlertNotification, subscribeQueue } from '../local/runtime/alerts';
import { localDynamoDbClient } from '../local/runtime/aws-env';
import { ensureEventsTable } from '../local/runtime/events-table';
import { startLocalReceiver } from '../local/runtime/receiver';
import { drivePutItem, type Throughput } from './bench/e2e';
import { percentile } from './bench/measure';
import { cloneEvent, isRollbackFailure, type StormEvent, type StormPlan, stormPlan } from './storm/plan';

const USAGE = `Usage: npm run storm [-- options]

Sends a duplicate storm to the receiver and checks nothing was stored or alerted twice.
  --deliveries N      deliveries in all (2000)
  --events N          distinct events (300; a third rollback failures)
  --max-per-event N   most deliveries of one event (15)
  --concurrency N     deliveries in flight (32)
  --seed N            the shuffle's seed (random; printed)
  --drain-timeout S   longest wait for the alerts after the last answer (120)

Against a receiver that is already running (nothing is started):
  --url URL           its webhook URL (for a running \`npm start\`, its secret and table are read from .local)
  --secret S          the webhook secret (else VOUCHERIFY_WEBHOOK_SECRET)
  --endpoint URL      its DynamoDB Local endpoint and --table NAME: count the items (and measure raw PutItem there)
  --sns-endpoint URL  its fauxqs endpoint and --topic-arn ARN: subscribe a queue before sending and count the alerts
  Without them the items or alerts are not counted and the exit code is 2. The counting options speak to local
  stand-ins with dummy credentials; against a deployed stack only the answers, latency and throughput are measured.`;

const MB = 1024 * 1024;

interface Settings {
  readonly deliveries: number;
  readonly events: number;
  readonly maxPerEvent: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly drainTimeoutMs: number;
  readonly url?: string;
  readonly secret?: string;
  readonly endpoint?: string;
  readonly table?: string;
  readonly snsEndpoint?: string;
  readonly topicArn?: string;
}

function readSettings(): Settings | undefined {
  const { values } = parseArgs({
    options: {
      deliveries: { type: 'string', default: '2000' },
      events: { type: 'string', default: '300' },
      'max-per-event': { type: 'string', default: '15' },
      concurrency: { type: 'string', default: '32' },
      seed: { type: 'string' },
      'drain-timeout': { type: 'string', default: '120' },
      url: { type: 'string' },
      secret: { type: 'string' },
      endpoint: { type: 'string' },
      table: { type: 'string' },
      'sns-endpoint': { type: 'string' },
      'topic-arn': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const int = (name: string, text: string | undefined) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got "${text}"`);
    return value;
  };
  return {
    deliveries: int('deliveries', values.deliveries),
    events: int('events', values.events),
    maxPerEvent: int('max-per-event', values['max-per-event']),
    concurrency: int('concurrency', values.concurrency),
    seed: values.seed === undefined ? randomBytes(4).readUInt32BE() : int('seed', values.seed),
    drainTimeoutMs: int('drain-timeout', values['drain-timeout']) * 1000,
    ...(values.url ? { url: values.url } : {}),
    ...(values.secret ? { secret: values.secret } : {}),
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
    ...(values.table ? { table: values.table } : {}),
    ...(values['sns-endpoint'] ? { snsEndpoint: values['sns-endpoint'] } : {}),
    ...(values['topic-arn'] ? { topicArn: values['topic-arn'] } : {}),
  };
}

/** What the storm talks to: a receiver URL, and where (if anywhere) it can count items and alerts. */
interface Target {
  readonly url: string;
  readonly secret: string;
  /** `fresh`: a table only this run wrote to; `local`: DynamoDB Local on this machine (raw PutItem can be measured). */
  readonly dynamodb?: {
    readonly client: DynamoDBClient;
    readonly table: string;
    readonly fresh: boolean;
    readonly local: boolean;
  };
  readonly alerts?: { readonly sqs: SQSClient; readonly queueUrl: string };
  /** Records the stream poller gave up (only when the storm runs the poller itself). */
  readonly givenUp: string[];
  stop(): Promise<void>;
}

/** Starts the local stand-ins and the deployed handlers, as `npm start` does, in memory. */
async function startEverything(tag: string): Promise<Target> {
  const table = `storm-${tag}`;
  const secret = `storm-${randomBytes(16).toString('hex')}`;
  const givenUp: string[] = [];
  const receiver = await startLocalReceiver({
    tableName: table,
    webhookSecret: secret,
    topicName: `storm-alerts-${tag}`,
    queueName: `storm-${tag}`,
    onGiveUp: (records) => {
      givenUp.push(...records.map((r) => r.dynamodb?.Keys?.[EVENTS_TABLE.partitionKey]?.S ?? '?'));
    },
    log: (line) => process.stderr.write(`[alerts poller] ${line}\n`),
  });
  return {
    url: receiver.url,
    secret,
    dynamodb: { client: receiver.dynamodb, table, fresh: true, local: true },
    alerts: { sqs: receiver.sqs, queueUrl: receiver.queueUrl },
    givenUp,
    stop: receiver.stop,
  };
}

/** A receiver that is already running, and what the options say about where to count. */
async function connectTo(settings: Settings & { url: string }, tag: string): Promise<Target> {
  const state = readState(localDir());
  const local = state && state.url === settings.url ? state : undefined;
  const secret = settings.secret ?? local?.secret ?? (process.env.VOUCHERIFY_WEBHOOK_SECRET?.trim() || undefined);
  if (!secret) throw new Error('no webhook secret to sign with: pass --secret or set VOUCHERIFY_WEBHOOK_SECRET');
  const endpoint = settings.endpoint ?? local?.endpoint;
  const table = settings.table ?? local?.table;
  const stops: (() => void)[] = [];
  let dynamodb: Target['dynamodb'];
  if (endpoint && table) {
    const client = localDynamoDbClient(endpoint);
    stops.push(() => client.destroy());
    dynamodb = {
      client,
      table,
      fresh: false,
      local: /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(endpoint),
    };
  }
  let alerts: Target['alerts'];
  if (settings.snsEndpoint && settings.topicArn) {
    const sns = localSnsClient(settings.snsEndpoint);
    const sqs = localSqsClient(settings.snsEndpoint);
    stops.push(() => {
      sns.destroy();
      sqs.destroy();
    });
    const { queueUrl } = await subscribeQueue(sns, sqs, settings.topicArn, `storm-${tag}`);
    alerts = { sqs, queueUrl };
  }
  return {
    url: settings.url,
    secret,
    ...(dynamodb ? { dynamodb } : {}),
    ...(alerts ? { alerts } : {}),
    givenUp: [],
    stop: async () => {
      for (const step of stops) step();
    },
  };
}

interface StormResult {
  readonly sent: number;
  readonly answers: ReadonlyMap<string, number>;
  readonly latenciesMs: readonly number[];
  readonly elapsedMs: number;
}

/** POSTs the deliveries, `concurrency` at a time over keep-alive connections; counts answers by status. */
async function storm(target: Target, plan: StormPlan, concurrency: number): Promise<StormResult> {
  const url = new URL(target.url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const signatures = plan.events.map((event) => sign(event.body, target.secret));
  const answers = new Map<string, number>();
  const latenciesMs: number[] = [];
  const count = (key: string) => answers.set(key, (answers.get(key) ?? 0) + 1);

  const post = (event: StormEvent, signature: string) =>
    new Promise<string>((resolve) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': String(event.body.length),
            [SIGNATURE_HEADER]: signature,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.once('end', () => {
            let label = '';
            try {
              const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { status?: unknown; code?: unknown };
              label = String(body.status ?? body.code ?? '');
            } catch {
              label = '(not JSON)';
            }
            resolve(`${res.statusCode} ${label}`);
          });
        },
      );
      req.once('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code ?? error.message}`));
      req.end(event.body);
    });

  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < plan.deliveries.length) {
      const index = plan.deliveries[next++] as number;
      const sentAt = performance.now();
      count(await post(plan.events[index] as StormEvent, signatures[index] as string));
      latenciesMs.push(performance.now() - sentAt);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return { sent: plan.deliveries.length, answers, latenciesMs, elapsedMs: performance.now() - started };
}

/** Items in the table: all of them (consistent scan count) and those of this run's events (consistent reads). */
async function countItems(
  dynamodb: NonNullable<Target['dynamodb']>,
  eventIds: readonly string[],
): Promise<{ total: number; ofThisRun: number }> {
  let total = 0;
  let start: Record<string, never> | undefined;
  do {
    // Events only: the cases and burst counters of the alerts function share the table (key prefix `case`).
    const page = await dynamodb.client.send(
      new ScanCommand({
        TableName: dynamodb.table,
        Select: 'COUNT',
        ConsistentRead: true,
        ExclusiveStartKey: start,
        FilterExpression: 'NOT begins_with(#pk, :case)',
        ExpressionAttributeNames: { '#pk': EVENTS_TABLE.partitionKey },
        ExpressionAttributeValues: { ':case': { S: 'case' } },
      }),
    );
    total += page.Count ?? 0;
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  let ofThisRun = 0;
  for (let i = 0; i < eventIds.length; i += 100) {
    let keys = eventIds.slice(i, i + 100).map((id) => ({ [EVENTS_TABLE.partitionKey]: { S: id } }));
    for (let round = 0; keys.length > 0 && round < 10; round += 1) {
      const result = await dynamodb.client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [dynamodb.table]: { Keys: keys, ConsistentRead: true, ProjectionExpression: EVENTS_TABLE.partitionKey },
          },
        }),
      );
      ofThisRun += result.Responses?.[dynamodb.table]?.length ?? 0;
      keys = (result.UnprocessedKeys?.[dynamodb.table]?.Keys ?? []) as typeof keys;
    }
  }
  return { total, ofThisRun };
}

/**
 * The cases of this run's rollback failures (one per rollback, each failure its own rollback here): how many exist,
 * how many link more than the one event, and which events opened a case told by an alert of its own (the rest wait
 * for their window's digest: the burst limit). Waits for the alerts function to have decided every one.
 */
async function checkCases(
  dynamodb: NonNullable<Target['dynamodb']>,
  events: readonly StormEvent[],
  timeoutMs: number,
): Promise<{ cases: number; notOne: number; alerted: Set<string>; digested: number; undecided: number }> {
  const store = new DynamoDbCaseStore(dynamodb.client, dynamodb.table);
  const keys = events.map((e) => {
    const envelope = JSON.parse(e.body.toString('utf8')) as { data?: { redemption_rollback?: { id?: string } } };
    return { eventId: e.eventId, key: caseKeyOf({ eventId: e.eventId, rollback: envelope.data?.redemption_rollback }) };
  });
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const found = await Promise.all(keys.map(async (k) => ({ ...k, found: await store.get(k.key) })));
    const undecided = found.filter((f) => !f.found?.notice).length;
    if (undecided === 0 || performance.now() > deadline) {
      const alerted = new Set(found.filter((f) => f.found?.notice?.via === 'alert').map((f) => f.eventId));
      return {
        cases: found.filter((f) => f.found).length,
        notOne: found.filter((f) => f.found && f.found.eventCount !== 1).length,
        alerted,
        digested: found.filter((f) => f.found?.notice?.via === 'digest').length,
        undecided,
      };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Receives alerts until every expected one is in (then keeps listening until two long polls in a row bring nothing,
 * so a duplicate would be seen) or `timeoutMs` passes. Counts only this run's events.
 */
async function receiveAlerts(
  alerts: NonNullable<Target['alerts']>,
  expected: ReadonlySet<string>,
  timeoutMs: number,
  since: number,
): Promise<{ messages: number; distinct: number; drainMs: number; timedOut: boolean }> {
  const started = performance.now();
  let lastNewAt = since;
  const seen = new Map<string, number>();
  let messages = 0;
  let quietPolls = 0;
  for (;;) {
    const complete = [...expected].every((id) => seen.has(id));
    if (complete && quietPolls >= 2) break;
    if (performance.now() - started > timeoutMs) {
      return { messages, distinct: seen.size, drainMs: lastNewAt - since, timedOut: true };
    }
    const { Messages } = await alerts.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: alerts.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const mine = (Messages ?? [])
      .map((m) => parseAlertNotification(m.Body ?? '{}').facts.eventId)
      .filter((id) => expected.has(id));
    quietPolls = mine.length === 0 ? quietPolls + 1 : 0;
    if (mine.length > 0) lastNewAt = performance.now();
    for (const id of mine) {
      messages += 1;
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
  }
  // The time the last alert arrived, not the quiet polls after it.
  return { messages, distinct: seen.size, drainMs: lastNewAt - since, timedOut: false };
}

/** The same conditional PutItem the receiver makes, straight to DynamoDB Local, on items like the storm's. */
async function rawPutItem(
  client: DynamoDBClient,
  templates: readonly StormEvent[],
  count: number,
  concurrency: number,
  tag: string,
): Promise<Throughput> {
  // A table of its own (same indexes and stream as the events table), deleted afterwards: with --url this is
  // someone's running local mode.
  const table = `storm-putitem-${tag}`;
  await ensureEventsTable(client, table);
  const records = (label: string, n: number): EventRecord[] =>
    Array.from({ length: n }, (_, i) => {
      const template = templates[i % templates.length] as StormEvent;
      const event = cloneEvent(template.fixture, `${tag}_${label}_${i}`);
      return buildEventRecord({
        eventId: event.eventId,
        status: 'ACCEPTED',
        rawBody: event.body,
        parsed: JSON.parse(event.body.toString('utf8')),
        receivedAtMs: Date.now(),
        retentionDays: DEFAULT_INGEST_CONFIG.retentionDays,
      });
    });
  try {
    return await drivePutItem(client, table, records('put', count), concurrency);
  } finally {
    await client.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
  }
}

const fmt = (value: number, decimals = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });

async function main(): Promise<number> {
  let settings: Settings | undefined;
  try {
    settings = readSettings();
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (!settings) {
    console.log(USAGE);
    return 0;
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The handlers' per-request log and metric lines would drown the summary; only errors are logged.
  process.env.LOG_LEVEL = 'error';
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  const print = (line = '') => stdoutWrite(`${line}\n`);

  const tag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const plan = stormPlan({
    events: settings.events,
    deliveries: settings.deliveries,
    maxPerEvent: settings.maxPerEvent,
    seed: settings.seed,
    tag,
  });
  const rollbackIds = new Set(plan.events.filter(isRollbackFailure).map((e) => e.eventId));
  print(
    `npm run storm: ${plan.deliveries.length} deliveries of ${plan.events.length} distinct events ` +
      `(${rollbackIds.size} rollback failures), 1-${settings.maxPerEvent} each, shuffled (seed ${settings.seed}), ` +
      `${settings.concurrency} in flight`,
  );
  const url = settings.url;
  const target = url ? await connectTo({ ...settings, url }, tag) : await startEverything(tag);
  print(url ? `target: ${target.url} (already running)` : `target: ${target.url} (started by the storm, in memory)`);
  process.stdout.write = (() => true) as typeof process.stdout.write;

  try {
    const client = target.dynamodb?.client;
    const canMeasurePutItem = target.dynamodb?.local === true;
    // Warm DynamoDB Local's JIT before anything is timed, on a table of its own.
    if (client && canMeasurePutItem) await rawPutItem(client, plan.events, 300, settings.concurrency, `${tag}w`);

    const rssBefore = process.memoryUsage().rss / MB;
    const result = await storm(target, plan, settings.concurrency);
    const stormEnded = performance.now();
    const items = target.dynamodb
      ? await countItems(
          target.dynamodb,
          plan.events.map((e) => e.eventId),
        )
      : undefined;
    const cases = target.dynamodb
      ? await checkCases(target.dynamodb, plan.events.filter(isRollbackFailure), settings.drainTimeoutMs)
      : undefined;
    // One individual alert per case told by its own alert (the burst limit puts the others in a digest); a case
    // without a decision is expected to alert, so a lost one is noticed.
    const expectedAlerts = cases ? new Set([...cases.alerted]) : rollbackIds;
    const alerts = target.alerts
      ? await receiveAlerts(target.alerts, expectedAlerts, settings.drainTimeoutMs, stormEnded)
      : undefined;
    const putItem =
      client && canMeasurePutItem
        ? await rawPutItem(client, plan.events, settings.deliveries, settings.concurrency, tag)
        : undefined;

    const seconds = result.elapsedMs / 1000;
    const throughput = result.sent / seconds;
    const fiveXx = [...result.answers].filter(([key]) => /^5\d\d /.test(key)).reduce((sum, [, n]) => sum + n, 0);
    const errors = [...result.answers].filter(([key]) => key.startsWith('error')).reduce((sum, [, n]) => sum + n, 0);
    const lines: string[] = [];
    lines.push(`deliveries sent          ${fmt(result.sent)}`);
    lines.push('answers by status');
    for (const [key, n] of [...result.answers].sort((a, b) => b[1] - a[1])) lines.push(`  ${key.padEnd(22)} ${fmt(n)}`);
    lines.push(
      items
        ? `items in the table       ${fmt(items.total)}${target.dynamodb?.fresh ? '' : ` (of this run's events: ${fmt(items.ofThisRun)})`}`
        : 'items in the table       not counted (needs --endpoint and --table)',
    );
    lines.push(`distinct events          ${fmt(plan.events.length)}`);
    lines.push(
      alerts
        ? `alerts received          ${fmt(alerts.messages)} (distinct events ${fmt(alerts.distinct)}; last one ${fmt(alerts.drainMs / 1000, 1)} s after the last answer${alerts.timedOut ? ', TIMED OUT' : ''})`
        : 'alerts received          not counted (needs --sns-endpoint and --topic-arn)',
    );
    lines.push(`distinct rollback fails  ${fmt(rollbackIds.size)}`);
    lines.push(
      cases
        ? `cases                    ${fmt(cases.cases)} (alerted one by one ${fmt(cases.alerted.size)}, in a burst digest ${fmt(cases.digested)}, undecided ${fmt(cases.undecided)})`
        : 'cases                    not counted (needs --endpoint and --table)',
    );
    if (!url) lines.push(`stream records given up  ${fmt(target.givenUp.length)}`);
    lines.push(
      `latency                  p50 ${fmt(percentile(result.latenciesMs, 50), 1)} ms, p99 ${fmt(percentile(result.latenciesMs, 99), 1)} ms`,
    );
    lines.push(`throughput               ${fmt(throughput)} deliveries/s (${fmt(seconds, 2)} s)`);
    if (putItem) {
      lines.push(
        `raw PutItem              ${fmt(putItem.perSecond)} puts/s at ${settings.concurrency} in flight ` +
          `(${fmt(putItem.requests)} conditional puts of items like these; p50 ${fmt(putItem.p50Ms, 1)} ms, p99 ${fmt(putItem.p99Ms, 1)} ms)`,
      );
      lines.push(`storm ÷ raw PutItem      ${fmt(throughput / putItem.perSecond, 2)}`);
    } else lines.push('raw PutItem              not measured (needs a local --endpoint)');
    lines.push(`storm process rss        ${fmt(rssBefore)} -> ${fmt(process.memoryUsage().rss / MB)} MB`);

    const failures: string[] = [];
    const unchecked: string[] = [];
    if (fiveXx > 0) failures.push(`${fiveXx} answers were 5xx`);
    if (errors > 0) failures.push(`${errors} deliveries got no answer`);
    if (!items) unchecked.push('items');
    else {
      const stored = target.dynamodb?.fresh ? items.total : items.ofThisRun;
      if (stored !== plan.events.length) failures.push(`${stored} items for ${plan.events.length} distinct events`);
    }
    if (!cases) unchecked.push('cases');
    else {
      if (cases.cases !== rollbackIds.size)
        failures.push(`${cases.cases} cases for ${rollbackIds.size} rollback failures`);
      if (cases.notOne > 0) failures.push(`${cases.notOne} cases link other than their one event`);
      if (cases.undecided > 0) failures.push(`${cases.undecided} cases were neither alerted nor put in a digest`);
    }
    if (!alerts) unchecked.push('alerts');
    else if (alerts.messages !== expectedAlerts.size || alerts.distinct !== expectedAlerts.size)
      failures.push(
        `${alerts.messages} alerts (${alerts.distinct} distinct) for ${expectedAlerts.size} cases alerted one by one ` +
          '(at most one individual alert per rollback failure)',
      );
    if (target.givenUp.length > 0) failures.push(`the stream poller gave up ${target.givenUp.length} records`);

    print();
    for (const line of lines) print(line);
    print();
    if (failures.length > 0) {
      print(`FAILED: ${failures.join('; ')}`);
      return 1;
    }
    if (unchecked.length > 0) {
      print(`INCOMPLETE: no 5xx, but ${unchecked.join(' and ')} not checked`);
      return 2;
    }
    print(
      'OK: every event stored once, one case per rollback failure, at most one individual alert per rollback failure ' +
        '(the rest in the burst digest), no 5xx',
    );
    return 0;
  } finally {
    process.stdout.write = stdoutWrite;
    await target.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`npm run storm failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
