/**
 * CloudWatch metrics in the embedded metric format (EMF): a JSON log line that CloudWatch Logs turns into metrics as it
 * ingests the function's log group. No PutMetricData call, so no per-request API call, latency or permission; the cost
 * is the log line and the custom metrics themselves. `buildEmf` is pure; `emfMetrics` adds the sink (stdout).
 *
 * Every distinct combination of metric name and dimension values is a custom metric billed per month, so dimensions
 * are low-cardinality by construction: outcomes, event types, failure codes and reasons, normalised by the callers to
 * a bounded vocabulary; never event ids, customer ids or anything else per event (those go in as plain properties,
 * searchable in Logs Insights).
 */

/** The namespace every metric of the receiver is written to. */
export const METRICS_NAMESPACE = 'VoucherifyWebhooks';

/** The dimension every metric carries: which deployment wrote it (the stack name), so two stacks never mix. */
export const SERVICE_DIMENSION = 'Service';

export type MetricUnit = 'Count' | 'Milliseconds';

export interface MetricValue {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly value: number;
}

/** Metrics that share the same dimension sets (names of members of {@link MetricRecord.dimensions}). */
export interface MetricDirective {
  /** Each set is one aggregation of the metrics; `[]` is the metric without dimensions (the total). */
  readonly dimensionSets: readonly (readonly string[])[];
  readonly metrics: readonly MetricValue[];
}

/** What one EMF line says: dimension values, the metrics and their aggregations, and extra searchable properties. */
export interface MetricRecord {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly directives: readonly MetricDirective[];
  /** Context for Logs Insights (request id, event id): never dimensions, so they cost nothing as metrics. */
  readonly properties?: Readonly<Record<string, string | number | undefined>>;
}

/** A metric record that EMF would reject or silently drop: a bug in the caller, so it is loud. */
export class InvalidMetricError extends Error {
  override name = 'InvalidMetricError';
}

/** EMF's limits (CloudWatch drops a line that breaks them, without an error anywhere). */
const MAX_DIMENSIONS_PER_SET = 30;
const MAX_METRICS_PER_LINE = 100;
const MAX_NAME_LENGTH = 255;
const MAX_DIMENSION_VALUE_LENGTH = 1024;

/** The EMF document for one record, as the object to serialise onto one log line. */
export function buildEmf(namespace: string, record: MetricRecord, timestampMs: number): Record<string, unknown> {
  if (namespace.length === 0 || namespace.length > MAX_NAME_LENGTH)
    throw new InvalidMetricError(`namespace must be 1-${MAX_NAME_LENGTH} characters`);
  if (!Number.isFinite(timestampMs)) throw new InvalidMetricError('timestamp must be a finite number');

  const root: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record.dimensions)) {
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_DIMENSION_VALUE_LENGTH)
      throw new InvalidMetricError(`dimension ${name} must be a string of 1-${MAX_DIMENSION_VALUE_LENGTH} characters`);
    root[name] = value;
  }

  const metricNames = new Set<string>();
  const directives = record.directives.map((directive) => {
    for (const set of directive.dimensionSets) {
      if (set.length > MAX_DIMENSIONS_PER_SET)
        throw new InvalidMetricError(`a dimension set has more than ${MAX_DIMENSIONS_PER_SET} dimensions`);
      for (const name of set)
        if (!(name in record.dimensions)) throw new InvalidMetricError(`dimension ${name} has no value`);
    }
    for (const metric of directive.metrics) {
      if (metric.name.length === 0 || metric.name.length > MAX_NAME_LENGTH)
        throw new InvalidMetricError(`metric name must be 1-${MAX_NAME_LENGTH} characters`);
      if (metricNames.has(metric.name) || metric.name in record.dimensions)
        throw new InvalidMetricError(`metric ${metric.name} is given twice`);
      if (!Number.isFinite(metric.value)) throw new InvalidMetricError(`metric ${metric.name} is not a finite number`);
      metricNames.add(metric.name);
      root[metric.name] = metric.value;
    }
    return {
      Namespace: namespace,
      Dimensions: directive.dimensionSets.map((set) => [...set]),
      Metrics: directive.metrics.map((metric) => ({ Name: metric.name, Unit: metric.unit })),
    };
  });
  if (metricNames.size > MAX_METRICS_PER_LINE)
    throw new InvalidMetricError(`one line may carry at most ${MAX_METRICS_PER_LINE} metrics`);

  for (const [name, value] of Object.entries(record.properties ?? {})) {
    if (value === undefined) continue;
    if (name === '_aws' || name in root) throw new InvalidMetricError(`property ${name} collides with a metric`);
    root[name] = value;
  }
  return { _aws: { Timestamp: Math.round(timestampMs), CloudWatchMetrics: directives }, ...root };
}

/** Where the functions record metrics. */
export interface Metrics {
  record(record: MetricRecord): void;
}

/** Records nothing (tests that do not look at metrics, tools that are not Lambda functions). */
export const noMetrics: Metrics = { record() {} };

export interface EmfMetricsOptions {
  readonly namespace?: string;
  /** The value of the {@link SERVICE_DIMENSION} dimension every metric gets. */
  readonly service: string;
  /** Where each line goes; stdout by default, which Lambda sends to the function's log group. */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

/**
 * Metrics written as EMF lines. Adds the service dimension to every dimension set, so callers describe only what
 * varies. A record that EMF would reject throws (it is a bug), and nothing is written.
 */
export function emfMetrics(options: EmfMetricsOptions): Metrics {
  const namespace = options.namespace ?? METRICS_NAMESPACE;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  return {
    record(record) {
      const withService: MetricRecord = {
        ...record,
        dimensions: { ...record.dimensions, [SERVICE_DIMENSION]: options.service },
        directives: record.directives.map((directive) => ({
          ...directive,
          dimensionSets: directive.dimensionSets.map((set) => [SERVICE_DIMENSION, ...set]),
        })),
      };
      write(JSON.stringify(buildEmf(namespace, withService, now())));
    },
  };
}

/** The metrics settings of a function, from its environment (the stack sets SERVICE_NAME to the stack name). */
export interface MetricsSettings {
  readonly namespace: string;
  readonly service: string;
  /** `METRICS_DISABLED=true` keeps EMF lines out of the output (local runs that want quiet logs). */
  readonly enabled: boolean;
}

export function readMetricsSettings(env: Readonly<Record<string, string | undefined>>): MetricsSettings {
  return {
    namespace: env.METRICS_NAMESPACE?.trim() || METRICS_NAMESPACE,
    service: env.SERVICE_NAME?.trim() || 'voucherify-webhooks',
    enabled: !/^(1|true|yes)$/i.test(env.METRICS_DISABLED?.trim() ?? ''),
  };
}

/** The metrics a function records with its settings: EMF on stdout, or nothing when disabled. */
export function metricsFromSettings(settings: MetricsSettings): Metrics {
  return settings.enabled ? emfMetrics({ namespace: settings.namespace, service: settings.service }) : noMetrics;
}
