/**
 * The metrics port. The core describes what a request or a batch counts (functions/core/shared/operational-metrics.ts); the
 * adapter (functions/adapters/powertools-metrics.ts) writes it with Powertools Metrics as EMF: a JSON log line that
 * CloudWatch Logs turns into metrics as it ingests the function's log group. No PutMetricData call, so no per-request
 * API call, latency or permission; the cost is the log line and the custom metrics themselves.
 *
 * Every distinct combination of metric name and dimension values is a custom metric billed per month, so dimensions
 * are low-cardinality by construction: outcomes, event types, failure codes and reasons, normalised by the callers to
 * a bounded vocabulary; never event ids, customer ids or anything else per event (those go in as properties, which
 * the adapter writes as metadata: searchable in Logs Insights, not metrics).
 */

/** The namespace every metric of the receiver is written to (the stack passes it as POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'VoucherifyWebhooks';

/**
 * The dimension every metric carries: which deployment wrote it (the stack name, given to the functions as
 * POWERTOOLS_SERVICE_NAME), so two stacks never mix. Powertools writes it under this name.
 */
export const SERVICE_DIMENSION = 'service';

export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds';

export interface MetricValue {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly value: number;
}

/** Metrics that share the same dimension sets (names of members of {@link MetricRecord.dimensions}). */
export interface MetricDirective {
  /**
   * Each set is one aggregation of the metrics, on top of the service dimension every metric has; `[]` is the metric
   * by service alone (the total).
   */
  readonly dimensionSets: readonly (readonly string[])[];
  readonly metrics: readonly MetricValue[];
}

/** What one request or batch counts: dimension values, the metrics and their aggregations, searchable properties. */
export interface MetricRecord {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly directives: readonly MetricDirective[];
  /** Context for Logs Insights (request id, event id): never dimensions, so they cost nothing as metrics. */
  readonly properties?: Readonly<Record<string, string | number | undefined>>;
}

/** A metric record the adapter cannot write as described (a dimension set naming a missing value): a caller's bug. */
export class InvalidMetricError extends Error {
  override name = 'InvalidMetricError';
}

/** Where the functions record metrics. */
export interface Metrics {
  record(record: MetricRecord): void;
}

/** Records nothing (tests that do not look at metrics, tools that are not Lambda functions). */
export const noMetrics: Metrics = { record() {} };
