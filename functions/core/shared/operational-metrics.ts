import type { Outcome } from '../ingest/answers';
import type { MetricRecord } from './metrics';

/**
 * The receiver's metrics: names, dimensions, and which ones each ingest outcome and each alerts batch writes. The
 * stack's dashboard and alarms read the same constants, so a renamed metric cannot leave an alarm watching nothing.
 */
export const METRIC = {
  /** New and repeated deliveries of authentic events, by outcome (accepted / duplicate / quarantined) and type. */
  events: 'Events',
  /** Stored events that report a failed redemption or rollback, by type and Voucherify's failure code. */
  failures: 'Failures',
  /** Requests refused for their signature, by reason (missing / malformed / invalid). */
  signatureFailures: 'SignatureFailures',
  /**
   * Requests refused by the source allow-list, by whether they were signed (`Signed` = yes / no). A signed refusal
   * means Voucherify is sending from an address the list does not have.
   */
  sourceRefused: 'SourceRefused',
  /**
   * Requests the function answered 413: larger than maxBodyBytes and not proven to come from Voucherify. The platform's
   * own 413s (a request Lambda cannot be handed) never reach the function; the dashboard counts those from the API's
   * access log ({@link ACCESS_LOG_413_METRIC}).
   */
  payloadTooLarge: 'PayloadTooLarge',
  /** Requests answered 5xx by the ingest core itself (storage or secrets unavailable, not configured, a bug). */
  ingestErrors: 'IngestErrors',
  /** Time from receiving a request to answering it, inside the function. */
  ingestLatency: 'IngestLatency',
  /** Alerts accepted by the topic. */
  alertsPublished: 'AlertsPublished',
  /** Stream records whose alert could not be published (reported back for retry). */
  alertsFailed: 'AlertsFailed',
  /** Stream records skipped because their event was already alerted. */
  alertsDuplicate: 'AlertsDuplicate',
  /** Rollback failures linked to a case already open: no alert of their own (one case, one alert). */
  caseEventsLinked: 'CaseEventsLinked',
  /** New cases past the burst limit, told in their window's digest instead of an alert of their own. */
  casesDigested: 'CasesDigested',
  /** Unresolved cases (open or acknowledged), counted by the scheduled function each run. */
  openCases: 'OpenCases',
  /** Age of the oldest unresolved case, in seconds (0 when none), from the same run. */
  oldestOpenCaseAge: 'OldestOpenCaseAgeSeconds',
  /** Digests and reminders sent by the scheduled function. */
  caseDigestsSent: 'CaseDigestsSent',
  caseRemindersSent: 'CaseRemindersSent',
} as const;

/**
 * Every 413 the API answered, the function's and the platform's alike, counted by a metric filter on the API's access
 * log (status 413): the platform refuses a request Lambda cannot be handed before any function runs, so only the
 * access log sees it.
 */
export const ACCESS_LOG_413_METRIC = 'ApiPayloadTooLarge';

export const DIMENSION = {
  outcome: 'Outcome',
  eventType: 'EventType',
  failureCode: 'FailureCode',
  reason: 'Reason',
  signed: 'Signed',
} as const;

/** The outcomes {@link METRIC.events} is written for. */
export const EVENT_OUTCOMES = ['accepted', 'duplicate', 'quarantined'] as const;

/** The outcomes {@link METRIC.ingestErrors} is written for: each is answered 5xx so Voucherify retries. */
export const ERROR_OUTCOMES = [
  'receiver_not_configured',
  'secrets_unavailable',
  'storage_unavailable',
  'internal_error',
] as const;

/** A dimension value for a type: Voucherify's own vocabulary kept, anything else folded so it cannot multiply metrics. */
export function eventTypeDimension(type: unknown): string {
  if (typeof type !== 'string' || type === '') return 'none';
  return type.length <= 64 && /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/.test(type) ? type : 'other';
}

/** A dimension value for a failure code (Voucherify's are snake_case words): anything unusual becomes `other`. */
export function failureCodeDimension(code: unknown): string {
  return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : 'other';
}

/** What the ingest core knows about a request when it has answered (the fields of its log line). */
export interface IngestMetricDetails {
  readonly latencyMs: number;
  readonly requestId?: string;
  readonly eventId?: unknown;
  readonly eventType?: unknown;
  readonly sendoutId?: unknown;
  readonly failureCode?: unknown;
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** The one EMF record an ingest request writes: its latency always, plus what its outcome counts as. */
export function ingestMetrics(outcome: Outcome, details: IngestMetricDetails): MetricRecord {
  const dimensions: Record<string, string> = { [DIMENSION.outcome]: outcome.kind };
  const directives: MetricRecord['directives'][number][] = [
    { dimensionSets: [[]], metrics: [{ name: METRIC.ingestLatency, unit: 'Milliseconds', value: details.latencyMs }] },
  ];
  const kind = outcome.kind;
  if ((EVENT_OUTCOMES as readonly string[]).includes(kind)) {
    dimensions[DIMENSION.eventType] = eventTypeDimension(details.eventType);
    directives.push({
      dimensionSets: [[DIMENSION.outcome], [DIMENSION.outcome, DIMENSION.eventType]],
      metrics: [{ name: METRIC.events, unit: 'Count', value: 1 }],
    });
    // A duplicate is the same failure delivered again: counted once, when it is first stored.
    if (kind !== 'duplicate' && details.failureCode !== undefined) {
      dimensions[DIMENSION.failureCode] = failureCodeDimension(details.failureCode);
      directives.push({
        dimensionSets: [[DIMENSION.eventType, DIMENSION.failureCode]],
        metrics: [{ name: METRIC.failures, unit: 'Count', value: 1 }],
      });
    }
  } else if (kind === 'signature_missing' || kind === 'signature_malformed' || kind === 'signature_invalid') {
    dimensions[DIMENSION.reason] = kind.slice('signature_'.length);
    directives.push({
      dimensionSets: [[], [DIMENSION.reason]],
      metrics: [{ name: METRIC.signatureFailures, unit: 'Count', value: 1 }],
    });
  } else if (outcome.kind === 'source_not_allowed') {
    dimensions[DIMENSION.signed] = outcome.signed ? 'yes' : 'no';
    directives.push({
      dimensionSets: [[DIMENSION.signed]],
      metrics: [{ name: METRIC.sourceRefused, unit: 'Count', value: 1 }],
    });
  } else if (outcome.kind === 'payload_too_large') {
    directives.push({ dimensionSets: [[]], metrics: [{ name: METRIC.payloadTooLarge, unit: 'Count', value: 1 }] });
  } else if ((ERROR_OUTCOMES as readonly string[]).includes(kind)) {
    directives.push({
      dimensionSets: [[], [DIMENSION.outcome]],
      metrics: [{ name: METRIC.ingestErrors, unit: 'Count', value: 1 }],
    });
  }
  return {
    dimensions,
    directives,
    properties: {
      requestId: details.requestId,
      eventId: text(details.eventId),
      eventType: text(details.eventType),
      sendoutId: text(details.sendoutId),
    },
  };
}

/** How one alerts batch went (the handler's counts). */
export interface AlertsBatchCounts {
  readonly published: number;
  readonly failed: number;
  readonly duplicate: number;
  readonly linked?: number;
  readonly digested?: number;
}

/** The EMF record an alerts batch writes: zeros included, so the graphs and alarms always have data. */
export function alertsBatchMetrics(counts: AlertsBatchCounts, requestId?: string): MetricRecord {
  return {
    dimensions: {},
    directives: [
      {
        dimensionSets: [[]],
        metrics: [
          { name: METRIC.alertsPublished, unit: 'Count', value: counts.published },
          { name: METRIC.alertsFailed, unit: 'Count', value: counts.failed },
          { name: METRIC.alertsDuplicate, unit: 'Count', value: counts.duplicate },
          { name: METRIC.caseEventsLinked, unit: 'Count', value: counts.linked ?? 0 },
          { name: METRIC.casesDigested, unit: 'Count', value: counts.digested ?? 0 },
        ],
      },
    ],
    properties: { requestId },
  };
}

/** What one run of the scheduled case function found and sent. */
export interface CaseSweepCounts {
  readonly openCases: number;
  readonly oldestOpenCaseAgeSeconds: number;
  readonly digestsSent: number;
  readonly remindersSent: number;
}

/** The EMF record of one scheduled run: the open-case gauge the dashboard and the age alarm read. */
export function caseSweepMetrics(counts: CaseSweepCounts, requestId?: string): MetricRecord {
  return {
    dimensions: {},
    directives: [
      {
        dimensionSets: [[]],
        metrics: [
          { name: METRIC.openCases, unit: 'Count', value: counts.openCases },
          { name: METRIC.oldestOpenCaseAge, unit: 'Seconds', value: counts.oldestOpenCaseAgeSeconds },
          { name: METRIC.caseDigestsSent, unit: 'Count', value: counts.digestsSent },
          { name: METRIC.caseRemindersSent, unit: 'Count', value: counts.remindersSent },
        ],
      },
    ],
    properties: { requestId },
  };
}
