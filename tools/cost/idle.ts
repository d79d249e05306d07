/**
 * The fixed monthly cost of a deployment that receives nothing: what its template creates that AWS bills by the month
 * (KMS keys, alarms, dashboards, secrets) rather than by the request. Read from a synthesized template, so an alarm,
 * key or secret added to the stack is counted without touching this file.
 *
 * Not counted because an idle deployment does not pay them: API Gateway, Lambda, SNS, SQS and DynamoDB on-demand
 * requests; custom (EMF) metrics, billed only for hours in which they are published; log storage, which grows with
 * traffic. The table's storage and point-in-time recovery grow with the events kept (`npm run cost`, per million).
 */
import { CLOUDWATCH, KMS, SECRETS_MANAGER } from './pricing';

/** The part of a CloudFormation template this reads. */
export interface TemplateResources {
  readonly Resources?: Readonly<
    Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>
  >;
}

export interface IdleLine {
  /** What is billed, with the count: "10 alarms (17 alarm metrics)". */
  readonly label: string;
  readonly count: number;
  /** Dollars per month now. */
  readonly perMonth: number;
  /** Dollars per month once every KMS key has had the rotations that are billed (from the key's third year). */
  readonly perMonthLater: number;
}

interface AlarmProperties {
  readonly Period?: number;
  readonly Metrics?: readonly { readonly MetricStat?: { readonly Period?: number } }[];
}

/** How many metrics an alarm is billed for, and at which resolution. */
function alarmMetrics(properties: AlarmProperties): { metrics: number; highResolution: boolean } {
  if (properties.Metrics) {
    const stats = properties.Metrics.filter((metric) => metric.MetricStat !== undefined);
    return {
      metrics: stats.length,
      highResolution: stats.some((metric) => (metric.MetricStat?.Period ?? 60) < 60),
    };
  }
  return { metrics: 1, highResolution: (properties.Period ?? 60) < 60 };
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** The lines of an idle month's bill for the resources a template creates. */
export function idleMonthlyCost(template: TemplateResources): IdleLine[] {
  const resources = Object.values(template.Resources ?? {});
  const ofType = (type: string) => resources.filter((resource) => resource.Type === type);

  const keys = ofType('AWS::KMS::Key');
  const rotated = keys.filter((key) => key.Properties?.EnableKeyRotation === true).length;
  const alarms = ofType('AWS::CloudWatch::Alarm').map((alarm) => alarmMetrics(alarm.Properties as AlarmProperties));
  const standardMetrics = alarms.filter((a) => !a.highResolution).reduce((sum, a) => sum + a.metrics, 0);
  const highMetrics = alarms.filter((a) => a.highResolution).reduce((sum, a) => sum + a.metrics, 0);
  const alarmCost =
    standardMetrics * CLOUDWATCH.perStandardAlarmMetricMonth +
    highMetrics * CLOUDWATCH.perHighResolutionAlarmMetricMonth;
  const composites = ofType('AWS::CloudWatch::CompositeAlarm').length;
  const dashboards = ofType('AWS::CloudWatch::Dashboard').length;
  const secrets = ofType('AWS::SecretsManager::Secret').length;

  const lines: IdleLine[] = [
    {
      label: `${plural(keys.length, 'KMS key')} (customer managed${rotated > 0 ? `, ${rotated} rotated yearly` : ''})`,
      count: keys.length,
      perMonth: keys.length * KMS.perKeyMonth,
      perMonthLater: keys.length * KMS.perKeyMonth + rotated * KMS.maxBilledRotations * KMS.perRotationMonth,
    },
    {
      label: `${plural(alarms.length, 'alarm')} (${plural(standardMetrics + highMetrics, 'alarm metric')})`,
      count: alarms.length,
      perMonth: alarmCost,
      perMonthLater: alarmCost,
    },
    {
      label: plural(composites, 'composite alarm'),
      count: composites,
      perMonth: composites * CLOUDWATCH.perCompositeAlarmMonth,
      perMonthLater: composites * CLOUDWATCH.perCompositeAlarmMonth,
    },
    {
      label: plural(dashboards, 'dashboard'),
      count: dashboards,
      perMonth: dashboards * CLOUDWATCH.perDashboardMonth,
      perMonthLater: dashboards * CLOUDWATCH.perDashboardMonth,
    },
    {
      label: plural(secrets, 'Secrets Manager secret'),
      count: secrets,
      perMonth: secrets * SECRETS_MANAGER.perSecretMonth,
      perMonthLater: secrets * SECRETS_MANAGER.perSecretMonth,
    },
  ];
  return lines.filter((line) => line.count > 0);
}

/** The month's total, now and from the KMS keys' third year. */
export function idleTotal(lines: readonly IdleLine[]): { perMonth: number; perMonthLater: number } {
  return {
    perMonth: lines.reduce((sum, line) => sum + line.perMonth, 0),
    perMonthLater: lines.reduce((sum, line) => sum + line.perMonthLater, 0),
  };
}
