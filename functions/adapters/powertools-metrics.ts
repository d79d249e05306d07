import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import {
  InvalidMetricError,
  METRICS_NAMESPACE,
  type MetricRecord,
  type Metrics,
  type MetricUnit as Unit,
} from '../core/shared/metrics';

const UNITS: Record<Unit, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  Milliseconds: MetricUnit.Milliseconds,
  Seconds: MetricUnit.Seconds,
};

/** The namespace a function writes its metrics to: POWERTOOLS_METRICS_NAMESPACE (the stack sets it), else ours. */
export function metricsNamespace(env: Readonly<Record<string, string | undefined>>): string {
  return env.POWERTOOLS_METRICS_NAMESPACE?.trim() || METRICS_NAMESPACE;
}

/**
 * A Powertools Metrics instance for one function. Powertools adds the `service` dimension to every dimension set, and
 * writes nothing when POWERTOOLS_METRICS_DISABLED is true (or POWERTOOLS_DEV is, unless that says otherwise).
 */
export function createPowertoolsMetrics(options: { readonly namespace: string; readonly service: string }) {
  return new PowertoolsMetrics({ namespace: options.namespace, serviceName: options.service });
}

/**
 * The dimension sets of a directive in groups that share no dimension. Powertools warns (on stderr, in every
 * invocation) when one line carries two sets with a common key, although the values are the same; sets that overlap,
 * such as `[Outcome]` and `[Outcome, EventType]`, go on separate lines instead. Each metric is still written once per
 * aggregation, so CloudWatch counts the same.
 */
function disjointGroups(sets: readonly (readonly string[])[]): (readonly string[])[][] {
  const groups: (readonly string[])[][] = [];
  for (const set of sets) {
    const group = groups.find((sets) => sets.every((other) => !other.some((name) => set.includes(name))));
    if (group) group.push(set);
    else groups.push([set]);
  }
  return groups;
}

/**
 * The core's metrics port on Powertools Metrics. Powertools gives one EMF line one group of dimension sets, shared by
 * all its metrics; a record whose metrics are aggregated differently (a directive each, and overlapping sets apart)
 * becomes one line per group, each with the record's properties as metadata (searchable in Logs Insights, never
 * dimensions).
 *
 * A directive naming a dimension the record has no value for is a bug in the domain mapping: it throws before
 * anything is written, instead of Powertools' warning and a metric aggregated on fewer dimensions than the alarms read.
 */
export function powertoolsMetrics(metrics: PowertoolsMetrics): Metrics {
  return {
    record(record: MetricRecord) {
      for (const directive of record.directives)
        for (const set of directive.dimensionSets)
          for (const name of set)
            if (!record.dimensions[name]) throw new InvalidMetricError(`dimension ${name} has no value`);
      for (const directive of record.directives) {
        for (const group of disjointGroups(directive.dimensionSets)) {
          for (const set of group)
            metrics.addDimensions(Object.fromEntries(set.map((name) => [name, record.dimensions[name] as string])));
          for (const metric of directive.metrics) metrics.addMetric(metric.name, UNITS[metric.unit], metric.value);
          for (const [key, value] of Object.entries(record.properties ?? {}))
            if (value !== undefined) metrics.addMetadata(key, String(value));
          metrics.publishStoredMetrics();
        }
      }
    },
  };
}
