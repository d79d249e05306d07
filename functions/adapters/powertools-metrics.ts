import { Console } from 'node:console';
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

/** Powertools' warning when a dimension set names a key another set of the same line already has. */
const OVERLAP_WARNING = /^EMF key ".+" is defined as both a dimension set and dimension set; /;

/**
 * Where Powertools Metrics sends its warnings (its `logger` option): stderr, as it would by default, except the
 * warning about a dimension set overlapping another of the same line. {@link powertoolsMetrics} puts overlapping sets
 * (`[Outcome]` and `[Outcome, EventType]`) on one line on purpose, with every value taken from one map, so nothing is
 * ever overwritten with a different value; one line instead of two costs less CPU and fewer bytes logged per event.
 */
function metricsWarnings() {
  // A Console of its own on the process streams, as Powertools makes for itself in Lambda (not the global console,
  // which a test runner or the local mode may have replaced).
  const out = new Console({ stdout: process.stdout, stderr: process.stderr });
  return {
    warn(...args: unknown[]) {
      if (args.length === 1 && typeof args[0] === 'string' && OVERLAP_WARNING.test(args[0])) return;
      out.warn(...args);
    },
    error: (...args: unknown[]) => out.error(...args),
    info: (...args: unknown[]) => out.info(...args),
    debug: (...args: unknown[]) => out.debug(...args),
    trace: (...args: unknown[]) => out.trace(...args),
  };
}

/**
 * A Powertools Metrics instance for one function. Powertools adds the `service` dimension to every dimension set, and
 * writes nothing when POWERTOOLS_METRICS_DISABLED is true (or POWERTOOLS_DEV is, unless that says otherwise).
 */
export function createPowertoolsMetrics(options: { readonly namespace: string; readonly service: string }) {
  return new PowertoolsMetrics({
    namespace: options.namespace,
    serviceName: options.service,
    logger: metricsWarnings(),
  });
}

/**
 * The core's metrics port on Powertools Metrics. Powertools gives one EMF line one group of dimension sets, shared by
 * all its metrics, so each directive of a record becomes one line. The record's properties (request and event ids,
 * searchable in Logs Insights, never dimensions) go on the first line only: the other lines of the record sit next to
 * it in the same log stream, and repeating them cost CPU and log bytes on every line.
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
      let first = true;
      for (const directive of record.directives) {
        for (const set of directive.dimensionSets)
          metrics.addDimensions(Object.fromEntries(set.map((name) => [name, record.dimensions[name] as string])));
        for (const metric of directive.metrics) metrics.addMetric(metric.name, UNITS[metric.unit], metric.value);
        if (first)
          for (const [key, value] of Object.entries(record.properties ?? {}))
            if (value !== undefined) metrics.addMetadata(key, String(value));
        first = false;
        metrics.publishStoredMetrics();
      }
    },
  };
}
