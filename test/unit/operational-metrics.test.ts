/**
 * The domain half of the metrics: which metrics each ingest outcome and each alerts batch write, on which bounded
 * dimensions, and the log context helper. What Powertools makes of them on stdout is test/unit/powertools.test.ts.
 */
import type { Outcome } from '../../functions/core/ingest/answers';
import { withFields } from '../../functions/core/shared/logger';
import {
  alertsBatchMetrics,
  eventTypeDimension,
  failureCodeDimension,
  ingestMetrics,
  METRIC,
} from '../../functions/core/shared/operational-metrics';
import type { Logger } from '../../functions/core/shared/ports';

describe('ingestMetrics', () => {
  const details = {
    latencyMs: 7,
    requestId: 'req-1',
    eventId: 'evrf_1',
    eventType: 'redemption.failed',
    sendoutId: 'whs_1',
    failureCode: 'voucher_expired',
  };

  it.each<[Outcome['kind'], Outcome, Record<string, string[][]>]>([
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

  it('dimension values are the outcome, type, failure code and reason; ids are properties only', () => {
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

  it.each([
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

  it('an event without a failure code counts no failure', () => {
    const record = ingestMetrics({ kind: 'accepted', eventId: 'e' }, { ...details, failureCode: undefined });
    expect(record.directives.flatMap((d) => d.metrics.map((m) => m.name))).not.toContain(METRIC.failures);
  });

  it.each([
    ['redemption.rollback.failed', 'redemption.rollback.failed'],
    [undefined, 'none'],
    ['Weird Type', 'other'],
    [`a.${'b'.repeat(70)}`, 'other'],
    [42, 'none'],
  ])('event type %j is the dimension value %j (bounded vocabulary)', (type, expected) => {
    expect(eventTypeDimension(type)).toBe(expected);
  });

  it.each([
    ['already_rolled_back', 'already_rolled_back'],
    ['with space', 'other'],
    ['x'.repeat(65), 'other'],
  ])('failure code %j is the dimension value %j', (code, expected) => {
    expect(failureCodeDimension(code)).toBe(expected);
  });
});

describe('alertsBatchMetrics', () => {
  it('counts published, failed and duplicate records on the service alone, zeros included', () => {
    // Prepare
    const counts = { published: 2, failed: 0, duplicate: 1 };

    // Act
    const record = alertsBatchMetrics(counts, 'inv-1');

    // Assess
    expect(record.dimensions).toEqual({});
    expect(record.directives).toEqual([
      {
        dimensionSets: [[]],
        metrics: [
          { name: METRIC.alertsPublished, unit: 'Count', value: 2 },
          { name: METRIC.alertsFailed, unit: 'Count', value: 0 },
          { name: METRIC.alertsDuplicate, unit: 'Count', value: 1 },
          { name: METRIC.caseEventsLinked, unit: 'Count', value: 0 },
          { name: METRIC.casesDigested, unit: 'Count', value: 0 },
        ],
      },
    ]);
    expect(record.properties).toEqual({ requestId: 'inv-1' });
  });
});

describe('withFields', () => {
  it('adds fields to every line; fields given to the line win', () => {
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
