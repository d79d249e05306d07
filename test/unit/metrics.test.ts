/**
 * The EMF builder (pure), the metrics each ingest outcome and each alerts batch write, and that the functions carry
 * request and event context on every log line.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { staticSecrets } from '../../functions/adapters/secrets';
import { makeAlertsHandler } from '../../functions/alerts/make-handler';
import type { Outcome } from '../../functions/core/answers';
import { StorageUnavailableError } from '../../functions/core/errors';
import { DEFAULT_INGEST_CONFIG, makeIngest } from '../../functions/core/ingest';
import { withFields } from '../../functions/core/logger';
import {
  buildEmf,
  emfMetrics,
  InvalidMetricError,
  METRICS_NAMESPACE,
  type MetricRecord,
  type Metrics,
  readMetricsSettings,
  SERVICE_DIMENSION,
} from '../../functions/core/metrics';
import {
  eventTypeDimension,
  failureCodeDimension,
  ingestMetrics,
  METRIC,
} from '../../functions/core/operational-metrics';
import type { Logger } from '../../functions/core/ports';
import { MemoryLedger, RecordingPublisher } from '../helpers/alert-fakes';
import { loadFixture, setPath, signedRequest, TEST_SECRET } from '../helpers/fixtures';
import { MemoryEventStore } from '../helpers/memory-store';
import { insertOf, storedRecord } from '../helpers/stream-records';

const NOW = Date.parse('2026-11-22T10:00:00.000Z');

type Emf = {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
} & Record<string, unknown>;

/** Metrics through the real EMF writer, collected as parsed lines. */
function collectingMetrics(): { metrics: Metrics; lines: Emf[] } {
  const lines: Emf[] = [];
  const metrics = emfMetrics({ service: 'TestStack', write: (line) => lines.push(JSON.parse(line)), now: () => NOW });
  return { metrics, lines };
}

/** name -> the dimension sets it is aggregated by, for one EMF line. */
function metricsOf(line: Emf): Record<string, string[][]> {
  const out: Record<string, string[][]> = {};
  for (const directive of line._aws.CloudWatchMetrics)
    for (const metric of directive.Metrics) out[metric.Name] = directive.Dimensions;
  return out;
}

describe('buildEmf', () => {
  test('writes the EMF envelope: timestamp, namespace, dimension sets, metric units, values and properties at the root', () => {
    const record: MetricRecord = {
      dimensions: { Outcome: 'accepted' },
      directives: [
        { dimensionSets: [['Outcome'], []], metrics: [{ name: 'Events', unit: 'Count', value: 1 }] },
        { dimensionSets: [[]], metrics: [{ name: 'IngestLatency', unit: 'Milliseconds', value: 12.5 }] },
      ],
      properties: { requestId: 'req-1', eventId: undefined },
    };

    const emf = buildEmf('NS', record, NOW);

    expect(emf).toEqual({
      _aws: {
        Timestamp: NOW,
        CloudWatchMetrics: [
          { Namespace: 'NS', Dimensions: [['Outcome'], []], Metrics: [{ Name: 'Events', Unit: 'Count' }] },
          { Namespace: 'NS', Dimensions: [[]], Metrics: [{ Name: 'IngestLatency', Unit: 'Milliseconds' }] },
        ],
      },
      Outcome: 'accepted',
      Events: 1,
      IngestLatency: 12.5,
      requestId: 'req-1',
    });
    expect(Object.hasOwn(emf, 'eventId')).toBe(false);
  });

  const metric = (name = 'M', value = 1) => ({ name, unit: 'Count' as const, value });
  test.each<[string, MetricRecord, string]>([
    [
      'a dimension set naming a dimension without a value',
      { dimensions: {}, directives: [{ dimensionSets: [['Outcome']], metrics: [metric()] }] },
      'dimension Outcome has no value',
    ],
    [
      'an empty dimension value',
      { dimensions: { Outcome: '' }, directives: [{ dimensionSets: [[]], metrics: [metric()] }] },
      'dimension Outcome must be a string',
    ],
    [
      'the same metric twice',
      {
        dimensions: {},
        directives: [
          { dimensionSets: [[]], metrics: [metric('A')] },
          { dimensionSets: [[]], metrics: [metric('A')] },
        ],
      },
      'metric A is given twice',
    ],
    [
      'a value that is not a finite number',
      { dimensions: {}, directives: [{ dimensionSets: [[]], metrics: [metric('A', Number.NaN)] }] },
      'metric A is not a finite number',
    ],
    [
      'a property that would overwrite a metric',
      { dimensions: {}, directives: [{ dimensionSets: [[]], metrics: [metric('A')] }], properties: { A: 'x' } },
      'property A collides',
    ],
    [
      'more than 30 dimensions in a set',
      {
        dimensions: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`D${i}`, 'v'])),
        directives: [{ dimensionSets: [Array.from({ length: 31 }, (_, i) => `D${i}`)], metrics: [metric()] }],
      },
      'more than 30 dimensions',
    ],
  ])('refuses %s', (_name, record, message) => {
    expect(() => buildEmf('NS', record, NOW)).toThrow(InvalidMetricError);
    expect(() => buildEmf('NS', record, NOW)).toThrow(message);
  });

  test('refuses an empty namespace and more than 100 metrics on a line', () => {
    const one: MetricRecord = { dimensions: {}, directives: [{ dimensionSets: [[]], metrics: [metric()] }] };
    expect(() => buildEmf('', one, NOW)).toThrow(InvalidMetricError);
    const many: MetricRecord = {
      dimensions: {},
      directives: [{ dimensionSets: [[]], metrics: Array.from({ length: 101 }, (_, i) => metric(`M${i}`)) }],
    };
    expect(() => buildEmf('NS', many, NOW)).toThrow('at most 100 metrics');
  });
});

describe('emfMetrics', () => {
  test('writes one JSON line per record in the namespace, with the service dimension added to every set', () => {
    const { metrics, lines } = collectingMetrics();
    metrics.record({
      dimensions: { Reason: 'invalid' },
      directives: [{ dimensionSets: [[], ['Reason']], metrics: [{ name: 'X', unit: 'Count', value: 1 }] }],
    });
    expect(lines).toHaveLength(1);
    const [line] = lines as [Emf];
    expect(line._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [[SERVICE_DIMENSION], [SERVICE_DIMENSION, 'Reason']],
      Metrics: [{ Name: 'X', Unit: 'Count' }],
    });
    expect(line[SERVICE_DIMENSION]).toBe('TestStack');
  });

  test('settings: namespace and service from the environment, defaults otherwise, METRICS_DISABLED switches off', () => {
    expect(readMetricsSettings({})).toEqual({
      namespace: METRICS_NAMESPACE,
      service: 'voucherify-webhooks',
      enabled: true,
    });
    expect(readMetricsSettings({ METRICS_NAMESPACE: 'Other', SERVICE_NAME: 'Prod', METRICS_DISABLED: 'true' })).toEqual(
      { namespace: 'Other', service: 'Prod', enabled: false },
    );
  });
});

describe('ingestMetrics', () => {
  const details = {
    latencyMs: 7,
    requestId: 'req-1',
    eventId: 'evrf_1',
    eventType: 'redemption.failed',
    sendoutId: 'whs_1',
    failureCode: 'voucher_expired',
  };

  test.each<[Outcome['kind'], Outcome, Record<string, string[][]>]>([
    [
      'accepted',
      { kind: 'accepted', eventId: 'evrf_1' },
      {
        [METRIC.ingestLatency]: [[]],
        [METRIC.events]: [['Outcome'], ['Outcome', 'EventType']],
        [METRIC.failures]: [['EventType', 'FailureCode']],
      },
    ],
    [
      'quarantined',
      { kind: 'quarantined', eventId: 'evrf_1', issues: [] },
      {
        [METRIC.ingestLatency]: [[]],
        [METRIC.events]: [['Outcome'], ['Outcome', 'EventType']],
        [METRIC.failures]: [['EventType', 'FailureCode']],
      },
    ],
    [
      'duplicate',
      { kind: 'duplicate', eventId: 'evrf_1' },
      { [METRIC.ingestLatency]: [[]], [METRIC.events]: [['Outcome'], ['Outcome', 'EventType']] },
    ],
    [
      'signature_invalid',
      { kind: 'signature_invalid' },
      { [METRIC.ingestLatency]: [[]], [METRIC.signatureFailures]: [[], ['Reason']] },
    ],
    [
      'storage_unavailable',
      { kind: 'storage_unavailable' },
      { [METRIC.ingestLatency]: [[]], [METRIC.ingestErrors]: [[], ['Outcome']] },
    ],
    ['not_found', { kind: 'not_found', path: '/x' }, { [METRIC.ingestLatency]: [[]] }],
  ])('%s writes exactly its metrics, each aggregated as listed', (_kind, outcome, expected) => {
    const record = ingestMetrics(outcome, details);
    const byName: Record<string, string[][]> = {};
    for (const directive of record.directives)
      for (const metric of directive.metrics) byName[metric.name] = directive.dimensionSets.map((set) => [...set]);
    expect(byName).toEqual(expected);
  });

  test('dimension values are the outcome, type, failure code and reason; ids are properties only', () => {
    const accepted = ingestMetrics({ kind: 'accepted', eventId: 'evrf_1' }, details);
    expect(accepted.dimensions).toEqual({
      Outcome: 'accepted',
      EventType: 'redemption.failed',
      FailureCode: 'voucher_expired',
    });
    expect(accepted.properties).toEqual({
      requestId: 'req-1',
      eventId: 'evrf_1',
      eventType: 'redemption.failed',
      sendoutId: 'whs_1',
    });
    expect(ingestMetrics({ kind: 'signature_missing' }, { latencyMs: 1 }).dimensions).toEqual({
      Outcome: 'signature_missing',
      Reason: 'missing',
    });
  });

  test.each([
    [true, 'yes'],
    [false, 'no'],
  ])('a request refused by the source allow-list (signed: %s) counts SourceRefused with Signed=%s', (signed, value) => {
    const record = ingestMetrics({ kind: 'source_not_allowed', sourceIp: '203.0.113.9', signed }, { latencyMs: 1 });
    expect(record.dimensions).toEqual({ Outcome: 'source_not_allowed', Signed: value });
    expect(record.directives).toContainEqual({
      dimensionSets: [['Signed']],
      metrics: [{ name: METRIC.sourceRefused, unit: 'Count', value: 1 }],
    });
  });

  test('an event without a failure code counts no failure', () => {
    const record = ingestMetrics({ kind: 'accepted', eventId: 'e' }, { ...details, failureCode: undefined });
    expect(record.directives.flatMap((d) => d.metrics.map((m) => m.name))).not.toContain(METRIC.failures);
  });

  test.each([
    ['redemption.rollback.failed', 'redemption.rollback.failed'],
    [undefined, 'none'],
    ['Weird Type', 'other'],
    [`a.${'b'.repeat(70)}`, 'other'],
    [42, 'none'],
  ])('event type %j is the dimension value %j (bounded vocabulary)', (type, expected) => {
    expect(eventTypeDimension(type)).toBe(expected);
  });

  test.each([
    ['already_rolled_back', 'already_rolled_back'],
    ['with space', 'other'],
    ['x'.repeat(65), 'other'],
  ])('failure code %j is the dimension value %j', (code, expected) => {
    expect(failureCodeDimension(code)).toBe(expected);
  });
});

describe('makeIngest with metrics', () => {
  function setup(metrics: Metrics) {
    const store = new MemoryEventStore();
    const logs: Record<string, unknown>[] = [];
    const ingest = makeIngest({
      secrets: staticSecrets(TEST_SECRET),
      store,
      logger: { log: (level, message, fields) => logs.push({ level, message, ...fields }) },
      config: DEFAULT_INGEST_CONFIG,
      now: () => NOW,
      metrics,
    });
    return { ingest, store, logs };
  }

  test('an accepted failure writes one EMF line: Events{accepted, type}, Failures{type, code}, latency', async () => {
    const { metrics, lines } = collectingMetrics();
    const { ingest } = setup(metrics);

    await ingest({ ...signedRequest(loadFixture('redemption.failed')), requestId: 'req-7' });

    expect(lines).toHaveLength(1);
    const [line] = lines as [Emf];
    expect(Object.keys(metricsOf(line)).sort()).toEqual([METRIC.events, METRIC.failures, METRIC.ingestLatency].sort());
    expect(line).toMatchObject({
      Outcome: 'accepted',
      EventType: 'redemption.failed',
      [METRIC.events]: 1,
      [METRIC.failures]: 1,
      requestId: 'req-7',
      eventId: expect.stringMatching(/^ev/),
    });
    expect(typeof line.FailureCode).toBe('string');
  });

  test('a bad signature writes SignatureFailures with its reason and stores nothing', async () => {
    const { metrics, lines } = collectingMetrics();
    const { ingest, store } = setup(metrics);

    await ingest(signedRequest(loadFixture('redemption.failed'), { secret: 'wrong' }));

    expect(store.records.size).toBe(0);
    expect(lines[0]).toMatchObject({ Reason: 'invalid', [METRIC.signatureFailures]: 1 });
  });

  test('a storage failure writes IngestErrors{storage_unavailable}', async () => {
    const { metrics, lines } = collectingMetrics();
    const { ingest, store } = setup(metrics);
    store.failWith = new StorageUnavailableError('down');

    const result = await ingest(signedRequest(loadFixture('redemption.failed')));

    expect(result.statusCode).toBe(503);
    expect(lines[0]).toMatchObject({ Outcome: 'storage_unavailable', [METRIC.ingestErrors]: 1 });
  });

  test('a failing metrics sink does not change the answer; the problem is logged', async () => {
    const { ingest, store, logs } = setup({
      record() {
        throw new InvalidMetricError('bug');
      },
    });

    const result = await ingest(signedRequest(loadFixture('redemption.failed')));

    expect(result.statusCode).toBe(202);
    expect(store.records.size).toBe(1);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', message: 'metrics not recorded' }));
  });

  test('the outcome log line carries request id, event id, type, send-out id and latency, and no payload', async () => {
    const { ingest, logs } = setup(collectingMetrics().metrics);
    const envelope = loadFixture('redemption.rollback.failed');

    await ingest({ ...signedRequest(envelope), requestId: 'req-9' });

    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      requestId: 'req-9',
      eventId: envelope.event.id,
      eventType: envelope.type,
      sendoutId: envelope.id,
      latencyMs: 0,
    });
    const line = JSON.stringify(logs[0]);
    const customer = (envelope.data.customer as { name?: string; email?: string } | null) ?? {};
    for (const personal of [customer.name, customer.email]) if (personal) expect(line).not.toContain(personal);
  });
});

describe('alerts handler metrics and log context', () => {
  function rollback(n: number): DynamoDBRecord {
    const envelope = loadFixture('redemption.rollback.failed');
    setPath(envelope, 'event.id', `evrrf_m_${n}`);
    return insertOf(storedRecord(envelope));
  }

  function setup() {
    const { metrics, lines } = collectingMetrics();
    const publisher = new RecordingPublisher();
    const ledger = new MemoryLedger();
    const logs: Record<string, unknown>[] = [];
    const logger: Logger = { log: (level, message, fields) => logs.push({ level, message, ...fields }) };
    const handle = makeAlertsHandler({ publisher, ledger, logger, now: () => NOW, metrics });
    return { handle, publisher, ledger, logs, lines };
  }

  test('one EMF line per batch: published, failed and duplicate counts, zeros included', async () => {
    const { handle, ledger, lines } = setup();
    await ledger.markAlerted('evrrf_m_1', { at: 'earlier', messageId: 'm0' });

    await handle({ Records: [rollback(1), rollback(2)] }, { awsRequestId: 'inv-1' });

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      [METRIC.alertsPublished]: 1,
      [METRIC.alertsFailed]: 0,
      [METRIC.alertsDuplicate]: 1,
      requestId: 'inv-1',
    });
    expect(metricsOf(lines[0] as Emf)[METRIC.alertsPublished]).toEqual([[SERVICE_DIMENSION]]);
  });

  test('records that could not be published are counted as failed', async () => {
    const { handle, publisher, lines } = setup();
    publisher.failNext = 1;

    const result = await handle({ Records: [rollback(1), rollback(2)] });

    expect(result.batchItemFailures).toHaveLength(2);
    expect(lines[0]).toMatchObject({ [METRIC.alertsPublished]: 0, [METRIC.alertsFailed]: 2 });
  });

  test('every line of an invocation carries its request id; record lines carry event id, type and send-out id', async () => {
    const { handle, logs } = setup();
    const record = rollback(3);

    await handle({ Records: [record] }, { awsRequestId: 'inv-2' });

    expect(logs.length).toBeGreaterThanOrEqual(2);
    for (const line of logs) expect(line.requestId).toBe('inv-2');
    const published = logs.find((line) => line.message === 'alert published');
    expect(published).toMatchObject({
      eventId: 'evrrf_m_3',
      eventType: 'redemption.rollback.failed',
      sendoutId: record.dynamodb?.NewImage?.sendoutId?.S,
    });
  });
});

describe('withFields', () => {
  test('adds fields to every line; fields given to the line win', () => {
    const lines: Record<string, unknown>[] = [];
    const base: Logger = { log: (level, message, fields) => lines.push({ level, message, ...fields }) };
    const logger = withFields(base, { requestId: 'r', eventId: 'a' });
    logger.log('info', 'one');
    logger.log('warn', 'two', { eventId: 'b' });
    expect(lines).toEqual([
      { level: 'info', message: 'one', requestId: 'r', eventId: 'a' },
      { level: 'warn', message: 'two', requestId: 'r', eventId: 'b' },
    ]);
  });
});
