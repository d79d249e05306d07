/**
 * What operating the receiver relies on in the template: the events table's indexes (the CLI's queries), the metrics
 * the functions write (namespace, dimensions), the dashboard and the alarms. One synth shared by the file; resources
 * are found by type and by the references between them, never by logical id.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { EVENTS_INDEX_LIST } from '../../functions/adapters/table';
import { METRICS_NAMESPACE, SERVICE_DIMENSION } from '../../functions/core/shared/metrics';
import { DIMENSION, ingestMetrics, METRIC } from '../../functions/core/shared/operational-metrics';
import { eventsTableCreateInput } from '../../local/runtime/events-table';
import {
  alertsFunction,
  eventsTable,
  ingestEnvironment,
  ingestFunction,
  onlyResource,
  referencedId,
  resourceById,
  STACK_NAME,
  templateFromContext,
} from '../helpers/infra';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON; tests read them as such.
type Json = any;

let template: Template;
beforeAll(() => {
  template = templateFromContext();
});

interface IndexJson {
  IndexName: string;
  KeySchema: { AttributeName: string; KeyType: string }[];
  Projection: { ProjectionType: string; NonKeyAttributes?: string[] };
}

const byName = (a: { IndexName?: string }, b: { IndexName?: string }) =>
  String(a.IndexName).localeCompare(String(b.IndexName));

describe('events table indexes', () => {
  let indexes: IndexJson[];
  beforeAll(() => {
    indexes = [...(eventsTable(template).properties.GlobalSecondaryIndexes as IndexJson[])].sort(byName);
  });

  it('are exactly the exported list, with the keys it names', () => {
    expect(indexes.map((index) => index.IndexName)).toEqual(EVENTS_INDEX_LIST.map((index) => index.name).sort());
    for (const spec of EVENTS_INDEX_LIST) {
      expect(indexes.find((index) => index.IndexName === spec.name)?.KeySchema).toEqual([
        { AttributeName: spec.partitionKey, KeyType: 'HASH' },
        { AttributeName: spec.sortKey, KeyType: 'RANGE' },
      ]);
    }
  });

  it('project only the small listed attributes (INCLUDE), never the body, issues or failure message', () => {
    for (const index of indexes) {
      expect(index.Projection.ProjectionType).toBe('INCLUDE');
      const included = index.Projection.NonKeyAttributes ?? [];
      expect(included.length).toBeGreaterThan(0);
      for (const heavy of ['body', 'issues', 'failureMessage', 'bodyEncoding']) expect(included).not.toContain(heavy);
    }
  });

  it('are what local mode and the tests create (the CreateTable input), attribute for attribute', () => {
    const local = [...(eventsTableCreateInput('x').GlobalSecondaryIndexes ?? [])].sort(byName);
    expect(indexes.map(normalise)).toEqual(local.map((index) => normalise(index as IndexJson)));
  });

  it('declare every key attribute as a string', () => {
    const definitions = eventsTable(template).properties.AttributeDefinitions as {
      AttributeName: string;
      AttributeType: string;
    }[];
    const keys = new Set(EVENTS_INDEX_LIST.flatMap((index) => [index.partitionKey, index.sortKey]));
    for (const key of keys) expect(definitions).toContainEqual({ AttributeName: key, AttributeType: 'S' });
  });
});

function normalise(index: IndexJson) {
  return {
    IndexName: index.IndexName,
    KeySchema: index.KeySchema,
    ProjectionType: index.Projection.ProjectionType,
    NonKeyAttributes: [...(index.Projection.NonKeyAttributes ?? [])].sort(),
  };
}

/** The alert topic's logical id (the one the alerts function publishes to). */
const alertTopicId = (template: Template) =>
  resourceById(
    template,
    referencedId(alertsFunction(template).properties.Environment.Variables.TOPIC_ARN),
    'AWS::SNS::Topic',
  ).id;

/** Every alarm, with its properties. */
function alarms(template: Template): Json[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
}

/** The metric stats an alarm reads (a single metric, or the metrics of its expression). */
function statsOf(alarm: Json): { Namespace: string; MetricName: string; Dimensions: Json[] }[] {
  if (alarm.MetricName)
    return [{ Namespace: alarm.Namespace, MetricName: alarm.MetricName, Dimensions: alarm.Dimensions }];
  return (alarm.Metrics as Json[]).filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric);
}

/** The silence alarm: the one alarm that fires when a count falls below its threshold. */
function silenceAlarmOf(template: Template): Json | undefined {
  const found = alarms(template).filter((alarm) => alarm.ComparisonOperator === 'LessThanThreshold');
  if (found.length > 1) throw new Error(`expected at most one silence alarm, found ${found.length}`);
  return found[0];
}

/** The one alarm that reads `metricName` in `namespace` (besides the silence alarm, which reads the events too). */
function alarmOn(template: Template, namespace: string, metricName: string): Json {
  const found = alarms(template).filter(
    (alarm) =>
      alarm.ComparisonOperator !== 'LessThanThreshold' &&
      statsOf(alarm).some((stat) => stat.Namespace === namespace && stat.MetricName === metricName),
  );
  if (found.length !== 1) throw new Error(`expected one alarm on ${namespace} ${metricName}, found ${found.length}`);
  return found[0];
}

const dimensionsOf = (stat: { Dimensions: Json[] }) =>
  Object.fromEntries((stat.Dimensions ?? []).map((d: Json) => [d.Name, d.Value]));

describe('metrics the functions write', () => {
  it('both functions are told the service (the stack name) and the namespace the alarms read, as Powertools reads them', () => {
    for (const env of [ingestEnvironment(template), alertsFunction(template).properties.Environment.Variables]) {
      expect(env.POWERTOOLS_SERVICE_NAME).toBe(STACK_NAME);
      expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe(METRICS_NAMESPACE);
    }
  });

  it('the quarantine alarm reads exactly the aggregation the ingest core writes for a quarantined event', () => {
    const written = ingestMetrics({ kind: 'quarantined', eventId: 'e', issues: [] }, { latencyMs: 1 });
    const directive = written.directives.find((d) => d.metrics.some((m) => m.name === METRIC.events));
    const alarm = alarmOn(template, METRICS_NAMESPACE, METRIC.events);
    const [stat] = statsOf(alarm);
    const dims = dimensionsOf(stat!);
    expect(dims).toEqual({ [SERVICE_DIMENSION]: STACK_NAME, [DIMENSION.outcome]: 'quarantined' });
    // The EMF record is aggregated by [Service, Outcome] (Service is added by the writer).
    expect(directive?.dimensionSets.map((set) => [...set])).toContainEqual([DIMENSION.outcome]);
    expect(written.dimensions[DIMENSION.outcome]).toBe('quarantined');
  });
});

describe('alarms', () => {
  it('a signed request refused by the source allow-list: one is enough, on exactly what the core writes', () => {
    const written = ingestMetrics(
      { kind: 'source_not_allowed', sourceIp: '203.0.113.9', signed: true },
      { latencyMs: 1 },
    );
    const alarm = alarmOn(template, METRICS_NAMESPACE, METRIC.sourceRefused);
    expect(dimensionsOf(statsOf(alarm)[0]!)).toEqual({ [SERVICE_DIMENSION]: STACK_NAME, [DIMENSION.signed]: 'yes' });
    expect(written.dimensions[DIMENSION.signed]).toBe('yes');
    expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  it('quarantined events: one or more in 5 minutes', () => {
    expect(alarmOn(template, METRICS_NAMESPACE, METRIC.events)).toMatchObject({
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('signature failures: a burst of 10 in 5 minutes, all reasons together', () => {
    const alarm = alarmOn(template, METRICS_NAMESPACE, METRIC.signatureFailures);
    expect(alarm).toMatchObject({ Statistic: 'Sum', Period: 300, Threshold: 10 });
    expect(dimensionsOf(statsOf(alarm)[0]!)).toEqual({ [SERVICE_DIMENSION]: STACK_NAME });
  });

  it('API 5xx: any, on this API', () => {
    const api = onlyResource(template, 'AWS::ApiGatewayV2::Api');
    const alarm = alarmOn(template, 'AWS/ApiGateway', '5xx');
    expect(alarm).toMatchObject({ Statistic: 'Sum', Threshold: 1 });
    expect(dimensionsOf(statsOf(alarm)[0]!)).toEqual({ ApiId: { Ref: api.id } });
  });

  it("ingest errors: the ingest function's Lambda errors plus the core's own 5xx answers", () => {
    const alarm = alarmOn(template, METRICS_NAMESPACE, METRIC.ingestErrors);
    const lambda = statsOf(alarm).find((stat) => stat.Namespace === 'AWS/Lambda');
    expect(lambda?.MetricName).toBe('Errors');
    expect(dimensionsOf(lambda!)).toEqual({ FunctionName: { Ref: ingestFunction(template).id } });
    expect(alarm.Threshold).toBe(1);
  });

  it('ingest throttles: Lambda throttles of the ingest function plus throttled PutItems on the events table', () => {
    const alarm = alarmOn(template, 'AWS/Lambda', 'Throttles');
    const lambda = statsOf(alarm).find((stat) => stat.MetricName === 'Throttles');
    expect(dimensionsOf(lambda!)).toEqual({ FunctionName: { Ref: ingestFunction(template).id } });
    const dynamo = statsOf(alarm).find((stat) => stat.Namespace === 'AWS/DynamoDB');
    expect(dynamo?.MetricName).toBe('ThrottledRequests');
    expect(dimensionsOf(dynamo!)).toEqual({ Operation: 'PutItem', TableName: { Ref: eventsTable(template).id } });
  });

  it('every alarm in the stack notifies the alert topic when it fires and when it clears', () => {
    const topic = alertTopicId(template);
    const all = alarms(template);
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const alarm of all) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.OKActions).toEqual([{ Ref: topic }]);
    }
  });

  it('every alarm of this construct names its runbook section in docs/operating.md', () => {
    const own = alarms(template).filter((alarm) => String(alarm.AlarmDescription).includes('docs/operating.md'));
    expect(own).toHaveLength(7);
    for (const alarm of own) expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/operating\.md, "[^"]+"\./);
  });
});

describe('silence alarm', () => {
  it('by default: fewer than 1 authentic delivery in each of 24 hourly periods, and no data is silence', () => {
    const alarm = silenceAlarmOf(template);
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 24,
      DatapointsToAlarm: 24,
      TreatMissingData: 'breaching',
    });
    expect(alarm.AlarmDescription).toContain('Runbook: docs/operating.md, "Silence: no deliveries".');
    const periods = (alarm.Metrics as Json[]).filter((m) => m.MetricStat).map((m) => m.MetricStat.Period);
    expect(periods).toEqual([3600, 3600, 3600]);
  });

  it('adds up exactly the outcomes the ingest core writes for an authentic delivery, gaps filled with 0', () => {
    const outcomes = (['accepted', 'duplicate', 'quarantined'] as const).map(
      (kind) => ingestMetrics({ kind, eventId: 'e', issues: [] }, { latencyMs: 1 }).dimensions[DIMENSION.outcome],
    );
    const alarm = silenceAlarmOf(template);
    const stats = statsOf(alarm);
    expect(stats.map((stat) => stat.MetricName)).toEqual([METRIC.events, METRIC.events, METRIC.events]);
    expect(stats.map((stat) => dimensionsOf(stat)[DIMENSION.outcome]).sort()).toEqual([...outcomes].sort());
    for (const stat of stats) expect(dimensionsOf(stat)[SERVICE_DIMENSION]).toBe(STACK_NAME);
    const expression = (alarm.Metrics as Json[]).find((m) => m.Expression);
    expect(expression.ReturnData ?? true).toBe(true);
    const ids = (alarm.Metrics as Json[]).filter((m) => m.MetricStat).map((m) => m.Id);
    for (const id of ids) expect(expression.Expression).toContain(`FILL(${id}, 0)`);
    expect(expression.Expression.split('+')).toHaveLength(3);
  });

  it('silenceAlarmHours sets the window in hours; 0 removes the alarm', () => {
    expect(silenceAlarmOf(templateFromContext({ silenceAlarmHours: '168' }))).toMatchObject({
      EvaluationPeriods: 168,
      DatapointsToAlarm: 168,
    });
    expect(silenceAlarmOf(templateFromContext({ silenceAlarmHours: 0 }))).toBeUndefined();
  });

  it('refuses windows CloudWatch would refuse (over 7 days) and parts of hours', () => {
    expect(() => templateFromContext({ silenceAlarmHours: 169 })).toThrow(/silenceAlarmHours must be a whole number/);
    expect(() => templateFromContext({ silenceAlarmHours: '1.5' })).toThrow(/silenceAlarmHours/);
    expect(() => templateFromContext({ silenceAlarmHours: -1 })).toThrow(/silenceAlarmHours/);
  });
});

describe('dashboard', () => {
  let body: string;
  beforeAll(() => {
    const dashboard = onlyResource(template, 'AWS::CloudWatch::Dashboard');
    // The body is a Fn::Join of JSON text and references: its text parts, with references as their logical ids.
    const parts = dashboard.properties.DashboardBody['Fn::Join'][1] as Json[];
    body = parts.map((part) => (typeof part === 'string' ? part : `<${referencedId(part)}>`)).join('');
  });

  it('is named after the stack and linked from an output', () => {
    const dashboard = onlyResource(template, 'AWS::CloudWatch::Dashboard');
    expect(dashboard.properties.DashboardName).toBe(STACK_NAME);
    const output = JSON.stringify(template.findOutputs('DashboardUrl'));
    expect(output).toContain(`"#dashboards:name=",{"Ref":"${dashboard.id}"}`);
  });

  it('graphs every metric the functions write, in their namespace, for this service', () => {
    for (const name of Object.values(METRIC)) expect(body).toMatch(new RegExp(`\\b${name}\\b`));
    expect(body).toContain(`"${METRICS_NAMESPACE}"`);
    expect(body).toContain(`"${SERVICE_DIMENSION}","${STACK_NAME}"`);
  });

  it('graphs API 4xx, 5xx and latency of the webhook API', () => {
    const api = onlyResource(template, 'AWS::ApiGatewayV2::Api');
    for (const metric of ['"4xx"', '"5xx"', '"Latency"', '"IntegrationLatency"', '"Count"'])
      expect(body).toContain(`"AWS/ApiGateway",${metric},"ApiId","<${api.id}>"`);
  });

  it("graphs the alerts DLQ's depth", () => {
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0] as Json;
    const dlq = referencedId(mapping.Properties.DestinationConfig.OnFailure.Destination);
    expect(body).toContain(`"AWS/SQS","ApproximateNumberOfMessagesVisible","QueueName","<${dlq}>"`);
  });

  it('shows every alarm of the stack in its alarm widget', () => {
    const ids = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    for (const id of ids) expect(body).toContain(`<${id}>`);
  });

  it('reads the ingest log group for the latest non-accepted outcomes', () => {
    const logGroup = referencedId(ingestFunction(template).properties.LoggingConfig.LogGroup);
    expect(body).toContain(`SOURCE '<${logGroup}>'`);
  });
});
