/**
 * The adapters on Powertools: the EMF lines Powertools Metrics writes for the domain's records (captured from stdout,
 * parsed as CloudWatch would read them) and the JSON lines Powertools Logger writes through the core's logging port,
 * with the keys operators' queries use. Also the core and the alerts handler writing through them end to end.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import {
  createPowertoolsLogger,
  powertoolsLogger,
  serviceName,
  withLambdaContext,
} from '../../functions/adapters/powertools-logger';
import {
  createPowertoolsMetrics,
  metricsNamespace,
  powertoolsMetrics,
} from '../../functions/adapters/powertools-metrics';
import { staticSecrets } from '../../functions/adapters/secrets';
import { makeAlertsHandler } from '../../functions/alerts/make-handler';
import { DEFAULT_INGEST_CONFIG, makeIngest } from '../../functions/core/ingest/ingest';
import { StorageUnavailableError } from '../../functions/core/shared/errors';
import { silentLogger } from '../../functions/core/shared/logger';
import {
  InvalidMetricError,
  METRICS_NAMESPACE,
  type Metrics,
  SERVICE_DIMENSION,
} from '../../functions/core/shared/metrics';
import { ingestMetrics, METRIC } from '../../functions/core/shared/operational-metrics';
import { loadFixture, setPath, signedRequest, TEST_SECRET } from '../../tools/fixtures';
import { MemoryLedger, RecordingPublisher } from '../helpers/alert-fakes';
import { captureOutput, jsonLines } from '../helpers/capture-output';
import { MemoryEventStore } from '../helpers/memory-store';
import { insertOf, storedRecord } from '../helpers/stream-records';

type Emf = {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
} & Record<string, unknown>;

const SERVICE = 'TestStack';

/** The EMF lines among captured stdout lines. */
const emfLines = (lines: readonly string[]) => jsonLines(lines).filter((line) => '_aws' in line) as Emf[];

/** metric name -> the dimension sets of each line that carries it, in line order. */
function aggregations(lines: readonly Emf[]): Record<string, string[][][]> {
  const out: Record<string, string[][][]> = {};
  for (const line of lines)
    for (const directive of line._aws.CloudWatchMetrics)
      for (const metric of directive.Metrics) out[metric.Name] = [...(out[metric.Name] ?? []), directive.Dimensions];
  return out;
}

function freshMetrics(): Metrics {
  return powertoolsMetrics(createPowertoolsMetrics({ namespace: METRICS_NAMESPACE, service: SERVICE }));
}

describe('Powertools Metrics behind the metrics port', () => {
  it('writes an accepted failure as EMF: one line per directive, the service dimension in every set', async () => {
    // Prepare
    const metrics = freshMetrics();
    const record = ingestMetrics(
      { kind: 'accepted', eventId: 'evrf_1' },
      { latencyMs: 7, requestId: 'req-1', eventId: 'evrf_1', eventType: 'redemption.failed', failureCode: 'expired' },
    );

    // Act
    const { stdout, stderr } = await captureOutput(() => metrics.record(record));

    // Assess
    const lines = emfLines(stdout);
    // Latency; Events by outcome and by outcome and type (overlapping sets, one line); Failures.
    expect(lines).toHaveLength(3);
    // Powertools' overlap warning is the only one dropped (nothing is overwritten: one map gives every value).
    expect(stderr).toEqual([]);
    for (const line of lines) {
      expect(line._aws.CloudWatchMetrics).toHaveLength(1);
      expect(line._aws.CloudWatchMetrics[0]?.Namespace).toBe(METRICS_NAMESPACE);
      expect(line[SERVICE_DIMENSION]).toBe(SERVICE);
      expect(Math.abs(line._aws.Timestamp - Date.now())).toBeLessThan(60_000);
    }
    // The record's properties once, on its first line.
    expect(lines[0]).toMatchObject({ requestId: 'req-1', eventId: 'evrf_1', eventType: 'redemption.failed' });
    for (const line of lines.slice(1)) expect(line).not.toHaveProperty('requestId');
    expect(aggregations(lines)).toEqual({
      [METRIC.ingestLatency]: [[[SERVICE_DIMENSION]]],
      [METRIC.events]: [
        [
          [SERVICE_DIMENSION, 'Outcome'],
          [SERVICE_DIMENSION, 'Outcome', 'EventType'],
        ],
      ],
      [METRIC.failures]: [[[SERVICE_DIMENSION, 'EventType', 'FailureCode']]],
    });
    const merged = Object.assign({}, ...lines) as Record<string, unknown>;
    expect(merged).toMatchObject({
      Outcome: 'accepted',
      EventType: 'redemption.failed',
      FailureCode: 'expired',
      [METRIC.ingestLatency]: 7,
      [METRIC.events]: 1,
      [METRIC.failures]: 1,
    });
    const units = Object.fromEntries(
      lines.flatMap((line) => line._aws.CloudWatchMetrics[0]?.Metrics.map((m) => [m.Name, m.Unit]) ?? []),
    );
    expect(units).toEqual({
      [METRIC.ingestLatency]: 'Milliseconds',
      [METRIC.events]: 'Count',
      [METRIC.failures]: 'Count',
    });
  });

  it('aggregates a signature failure by service alone and by reason, on one line', async () => {
    // Prepare
    const metrics = freshMetrics();

    // Act
    const { stdout, stderr } = await captureOutput(() =>
      metrics.record(ingestMetrics({ kind: 'signature_invalid' }, { latencyMs: 1 })),
    );

    // Assess
    const lines = emfLines(stdout);
    expect(stderr).toEqual([]);
    const line = lines.find((l) => METRIC.signatureFailures in l);
    expect(line?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([[SERVICE_DIMENSION], [SERVICE_DIMENSION, 'Reason']]);
    expect(line).toMatchObject({ Reason: 'invalid', [METRIC.signatureFailures]: 1 });
  });

  it('refuses a record whose dimension set names a missing value, and writes nothing of it', async () => {
    // Prepare
    const metrics = freshMetrics();
    const broken = {
      dimensions: { Outcome: 'accepted' },
      directives: [
        { dimensionSets: [[]], metrics: [{ name: 'A', unit: 'Count' as const, value: 1 }] },
        { dimensionSets: [['EventType']], metrics: [{ name: 'B', unit: 'Count' as const, value: 1 }] },
      ],
    };

    // Act
    const { result, stdout } = await captureOutput(() => {
      try {
        metrics.record(broken);
        return undefined;
      } catch (error) {
        return error;
      }
    });

    // Assess
    expect(result).toBeInstanceOf(InvalidMetricError);
    expect(emfLines(stdout)).toEqual([]);
  });

  it("passes Powertools' other warnings to stderr: only the overlapping-set one is dropped", async () => {
    // Prepare
    const metrics = createPowertoolsMetrics({ namespace: METRICS_NAMESPACE, service: SERVICE });

    // Act: a dimension with an empty value, which Powertools refuses with a warning.
    const { stderr } = await captureOutput(() => {
      metrics.addDimensions({ Outcome: '' });
      metrics.addMetric('Probe', 'Count', 1);
      metrics.publishStoredMetrics();
    });

    // Assess
    expect(stderr.join('\n')).toContain("The dimension Outcome doesn't meet the requirements");
  });

  it('writes nothing when POWERTOOLS_METRICS_DISABLED is true', async () => {
    // Prepare
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    let metrics: Metrics;
    try {
      metrics = freshMetrics();
    } finally {
      delete process.env.POWERTOOLS_METRICS_DISABLED;
    }

    // Act
    const { stdout } = await captureOutput(() =>
      metrics.record(ingestMetrics({ kind: 'not_found', path: '/' }, { latencyMs: 1 })),
    );

    // Assess
    expect(emfLines(stdout)).toEqual([]);
  });

  it('reads the namespace and the service from the Powertools variables the stack sets, with defaults', () => {
    expect(metricsNamespace({ POWERTOOLS_METRICS_NAMESPACE: 'Other' })).toBe('Other');
    expect(metricsNamespace({})).toBe(METRICS_NAMESPACE);
    expect(serviceName({ POWERTOOLS_SERVICE_NAME: 'MyStack' })).toBe('MyStack');
    expect(serviceName({ POWERTOOLS_SERVICE_NAME: ' ' })).toBe('voucherify-webhooks');
  });
});

describe('Powertools Logger behind the logging port', () => {
  it('writes one JSON line with the Powertools keys, the function and the given fields', async () => {
    // Prepare: Lambda sets the initialization type; Powertools reports a cold start only for on-demand ones.
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    const instance = createPowertoolsLogger({ function: 'ingest', level: 'info', service: SERVICE });
    delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    const logger = powertoolsLogger(instance);
    const handler = withLambdaContext(instance, async (_event: unknown) => {
      logger.log('info', 'webhook accepted', { eventId: 'ev_1', latencyMs: 3 });
      logger.log('debug', 'below the threshold');
    });
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

    // Act
    const first = await captureOutput(() => handler({}, { awsRequestId: 'req-a', functionName: 'ingest-fn' }));
    const second = await captureOutput(() => handler({}, { awsRequestId: 'req-b' }));
    delete process.env._X_AMZN_TRACE_ID;

    // Assess
    const [line, ...others] = jsonLines(first.stdout);
    expect(others).toEqual([]);
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'webhook accepted',
      service: SERVICE,
      cold_start: true,
      function_name: 'ingest-fn',
      function_request_id: 'req-a',
      xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
      function: 'ingest',
      eventId: 'ev_1',
      latencyMs: 3,
    });
    expect(new Date(String(line?.timestamp)).toISOString()).toBe(line?.timestamp);
    expect(jsonLines(second.stdout)[0]).toMatchObject({ cold_start: false, function_request_id: 'req-b' });
  });

  it('sends warnings and errors to stderr, as console.warn and console.error do in Lambda', async () => {
    // Prepare
    const logger = powertoolsLogger(createPowertoolsLogger({ function: 'alerts', level: 'warn', service: SERVICE }));

    // Act
    const { stdout, stderr } = await captureOutput(() => {
      logger.log('info', 'alerts batch done');
      logger.log('warn', 'alert marker unreadable; publishing anyway');
      logger.log('error', 'alert not published');
    });

    // Assess
    expect(stdout).toEqual([]);
    expect(jsonLines(stderr).map((line) => [line.level, line.message])).toEqual([
      ['WARN', 'alert marker unreadable; publishing anyway'],
      ['ERROR', 'alert not published'],
    ]);
  });
});

describe('the core and the alerts handler writing through Powertools', () => {
  it('an accepted failure: the outcome log line and Events{accepted}, Failures and latency as EMF', async () => {
    // Prepare
    const store = new MemoryEventStore();
    const ingest = makeIngest({
      secrets: staticSecrets(TEST_SECRET),
      store,
      logger: powertoolsLogger(createPowertoolsLogger({ function: 'ingest', level: 'info', service: SERVICE })),
      config: DEFAULT_INGEST_CONFIG,
      metrics: freshMetrics(),
    });

    // Act
    const { result, stdout } = await captureOutput(() =>
      ingest({ ...signedRequest(loadFixture('redemption.failed')), requestId: 'req-7' }),
    );

    // Assess
    expect(result.statusCode).toBe(202);
    const log = jsonLines(stdout).find((line) => line.message === 'webhook accepted');
    expect(log).toMatchObject({ level: 'INFO', requestId: 'req-7', outcome: 'accepted', statusCode: 202 });
    const metrics = Object.assign({}, ...emfLines(stdout)) as Record<string, unknown>;
    expect(metrics).toMatchObject({
      Outcome: 'accepted',
      [METRIC.events]: 1,
      [METRIC.failures]: 1,
      requestId: 'req-7',
    });
  });

  it('a storage failure answers 503 and writes IngestErrors{storage_unavailable}', async () => {
    // Prepare
    const store = new MemoryEventStore();
    store.failWith = new StorageUnavailableError('down');
    const ingest = makeIngest({
      secrets: staticSecrets(TEST_SECRET),
      store,
      logger: silentLogger,
      config: DEFAULT_INGEST_CONFIG,
      metrics: freshMetrics(),
    });

    // Act
    const { result, stdout } = await captureOutput(() => ingest(signedRequest(loadFixture('redemption.failed'))));

    // Assess
    expect(result.statusCode).toBe(503);
    const line = emfLines(stdout).find((l) => METRIC.ingestErrors in l);
    expect(line?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([[SERVICE_DIMENSION], [SERVICE_DIMENSION, 'Outcome']]);
    expect(line).toMatchObject({ Outcome: 'storage_unavailable', [METRIC.ingestErrors]: 1 });
  });

  it('an alerts batch writes one EMF line: published, failed and duplicate, zeros included', async () => {
    // Prepare
    const rollback = (n: number): DynamoDBRecord => {
      const envelope = loadFixture('redemption.rollback.failed');
      setPath(envelope, 'event.id', `evrrf_p_${n}`);
      return insertOf(storedRecord(envelope));
    };
    const ledger = new MemoryLedger();
    await ledger.markAlerted('evrrf_p_1', { at: 'earlier', messageId: 'm0' });
    const handle = makeAlertsHandler({
      publisher: new RecordingPublisher(),
      ledger,
      logger: silentLogger,
      metrics: freshMetrics(),
    });

    // Act
    const { stdout } = await captureOutput(() =>
      handle({ Records: [rollback(1), rollback(2)] }, { awsRequestId: 'inv-1' }),
    );

    // Assess
    const lines = emfLines(stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      [METRIC.alertsPublished]: 1,
      [METRIC.alertsFailed]: 0,
      [METRIC.alertsDuplicate]: 1,
      [SERVICE_DIMENSION]: SERVICE,
      requestId: 'inv-1',
    });
    expect(lines[0]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([[SERVICE_DIMENSION]]);
  });
});
