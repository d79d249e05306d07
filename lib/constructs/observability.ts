import { Duration, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  type Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  LogQueryWidget,
  MathExpression,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { type ITable, Operation } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_DIMENSION } from '../../functions/core/shared/metrics';
import { ACCESS_LOG_413_METRIC, DIMENSION, METRIC } from '../../functions/core/shared/operational-metrics';
import { badThingAlarm, notifyingAlarm } from './alarm';

export interface ObservabilityProps {
  /** The ingest function: its EMF metrics, errors, throttles and duration. */
  readonly ingestFunction: LambdaFunction;
  /** The webhook API: requests, 4xx, 5xx and latency. */
  readonly httpApi: IHttpApi;
  /**
   * The API's access-log group: a metric filter counts every 413 in it (the platform's own, for a request Lambda
   * cannot be handed, never reach the function).
   * @default - no such count; the dashboard graphs only the function's own 413s
   */
  readonly accessLogs?: ILogGroup;
  /** The events table: write throttles (an index throttling its writes throttles the table's too). */
  readonly table: ITable;
  /** Where every alarm of this construct sends its ALARM and OK notifications (the alert topic). */
  readonly alarmTopic: ITopic;

  /**
   * The alerts function, to graph its EMF metrics, errors and iterator age.
   * @default - no alerts widgets
   */
  readonly alertsFunction?: LambdaFunction;
  /**
   * The scheduled case function, whose metrics (open cases, oldest open case's age) are graphed and alarmed on.
   * @default - no case widgets or alarm
   */
  readonly sweepFunction?: LambdaFunction;
  /**
   * Hours the oldest unresolved case may reach before its alarm fires; 0 creates no alarm. Only with `sweepFunction`.
   * @default 48
   */
  readonly openCaseAlarmHours?: number;
  /**
   * The alerts' dead-letter queue, to graph its depth (its alarm belongs to the alerts construct).
   * @default - no DLQ widget
   */
  readonly deadLetterQueue?: IQueue;
  /**
   * Alarms created elsewhere (the alerts construct's) to show beside these in the dashboard's alarm widget.
   * @default - none
   */
  readonly otherAlarms?: readonly IAlarm[];

  /**
   * The `service` dimension the functions write their metrics with, and the `service` key of their log lines (they are
   * told it in POWERTOOLS_SERVICE_NAME).
   * @default - the stack name, so two deployments in one account never mix their metrics or alarms
   */
  readonly service?: string;
  /**
   * Signature failures within 5 minutes that count as a burst (a scanner, or a webhook secret that no longer matches).
   * @default 10
   */
  readonly signatureFailureBurst?: number;
  /**
   * @default - the stack name
   */
  readonly dashboardName?: string;
  /**
   * Hours without any authentic delivery (accepted, duplicate or quarantined) before the silence alarm goes off; no
   * data counts as silence. 0 creates no silence alarm. At most 168 (CloudWatch evaluates an alarm over 7 days at most).
   * @default 24
   */
  readonly silenceAlarmHours?: number;
}

/** The period of every alarm and graph: short enough to page quickly, long enough to be one datapoint per burst. */
const PERIOD = Duration.minutes(5);

/**
 * What the people on call look at: one CloudWatch dashboard (events by outcome, type and failure code, signature
 * failures, ingest errors and latency, API 4xx/5xx and latency, table throttles, alerts and their DLQ) and five alarms
 * that notify the alert topic, each with a runbook entry in docs/operating.md:
 * - quarantined events (any): an authentic event failed the schema;
 * - signature failures (a burst): a scanner, or the webhook secret changed in Voucherify;
 * - API 5xx (any): Voucherify got an error and will retry;
 * - ingest errors (any): the function failed (crash, timeout) or answered 5xx itself (storage, secret);
 * - ingest throttles (any): Lambda concurrency or DynamoDB writes were throttled.
 *
 * The functions write their metrics as EMF log lines through Powertools Metrics (functions/adapters/powertools-metrics.ts);
 * this construct tells them the namespace and the `service` dimension value and reads the same names
 * (functions/core/shared/operational-metrics.ts).
 */
export class Observability extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: {
    readonly quarantinedEvents: Alarm;
    readonly signatureFailures: Alarm;
    readonly apiServerErrors: Alarm;
    readonly ingestErrors: Alarm;
    readonly ingestThrottles: Alarm;
    readonly signedSourceRefused: Alarm;
    /** No authentic delivery for `silenceAlarmHours` (absent when that is 0). */
    readonly silence?: Alarm;
    /** The oldest unresolved case is older than `openCaseAlarmHours` (absent when 0 or without the sweep function). */
    readonly oldestOpenCase?: Alarm;
  };
  /** The `service` dimension value of this deployment's metrics. */
  readonly service: string;
  /** Every 413 the API answered (from its access log), when `accessLogs` was given. */
  readonly payloadTooLarge?: IMetric;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const service = props.service ?? stack.stackName;
    this.service = service;
    // The functions write the metrics this construct reads: tell them the dimension value in the same place.
    for (const fn of [props.ingestFunction, props.alertsFunction, props.sweepFunction]) {
      fn?.addEnvironment('POWERTOOLS_SERVICE_NAME', service);
      fn?.addEnvironment('POWERTOOLS_METRICS_NAMESPACE', METRICS_NAMESPACE);
    }

    const own = (metricName: string, dimensions: Record<string, string> = {}, statistic: string = Stats.SUM) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { [SERVICE_DIMENSION]: service, ...dimensions },
        statistic,
        period: PERIOD,
      });
    /** Every series of a metric whatever the values of `dimensions` (graphs only: alarms cannot use SEARCH). */
    const search = (metricName: string, dimensions: readonly string[], label: string) =>
      new MathExpression({
        expression:
          `SEARCH('{${METRICS_NAMESPACE},${[SERVICE_DIMENSION, ...dimensions].join(',')}} ` +
          `MetricName="${metricName}" ${SERVICE_DIMENSION}="${service}"', 'Sum', ${PERIOD.toSeconds()})`,
        usingMetrics: {},
        label,
        period: PERIOD,
      });
    const sumOf = (label: string, metrics: Record<string, IMetric>) =>
      new MathExpression({
        expression: Object.keys(metrics)
          .map((name) => `FILL(${name}, 0)`)
          .join(' + '),
        usingMetrics: metrics,
        label,
        period: PERIOD,
      });

    const events = (outcome: string) => own(METRIC.events, { [DIMENSION.outcome]: outcome });
    const quarantined = events('quarantined');
    const signatureFailures = own(METRIC.signatureFailures);
    const ingestErrors = sumOf('Ingest errors (crashes, timeouts, own 5xx)', {
      lambdaErrors: props.ingestFunction.metricErrors({ period: PERIOD, statistic: Stats.SUM }),
      coreErrors: own(METRIC.ingestErrors),
    });
    const tableThrottles = props.table.metricThrottledRequestsForOperations({
      operations: [Operation.PUT_ITEM],
      period: PERIOD,
    });
    const ingestThrottles = sumOf('Ingest throttles (Lambda + DynamoDB PutItem)', {
      lambdaThrottles: props.ingestFunction.metricThrottles({ period: PERIOD, statistic: Stats.SUM }),
      tableThrottles,
    });
    const api5xx = props.httpApi.metricServerError({ period: PERIOD, statistic: Stats.SUM });

    // --- Alarms -------------------------------------------------------------------------------------------------
    const runbook = (section: string) => `Runbook: docs/operating.md, "${section}".`;
    const alarm = (name: string, metric: IMetric, threshold: number, description: string, section: string): Alarm =>
      badThingAlarm(this, name, {
        description: `${description} ${runbook(section)}`,
        metric,
        threshold,
        notify: props.alarmTopic,
      });
    const openCaseHours = props.openCaseAlarmHours ?? 48;
    if (!Number.isInteger(openCaseHours) || openCaseHours < 0 || openCaseHours > 168)
      throw new Error(`openCaseAlarmHours must be a whole number from 0 to 168; got ${openCaseHours}`);
    const silenceHours = props.silenceAlarmHours ?? 24;
    if (!Number.isInteger(silenceHours) || silenceHours < 0 || silenceHours > 168)
      throw new Error(`silenceAlarmHours must be a whole number from 0 to 168; got ${silenceHours}`);
    /**
     * The opposite of the others: it counts good things. Any authentic delivery (accepted, duplicate, quarantined:
     * each one proves Voucherify still sends and signs with our secret) in the last `hours` keeps it OK. Hourly
     * periods, all of them breaching to alarm, give the window exactly; FILL keeps an hour with only some outcomes from
     * reading as a gap, and an hour with no data at all is silence (BREACHING).
     */
    const silenceAlarm = (hours: number): Alarm => {
      const hour = Duration.hours(1);
      const deliveries = new MathExpression({
        expression: 'FILL(accepted, 0) + FILL(duplicate, 0) + FILL(quarantined, 0)',
        usingMetrics: {
          accepted: events('accepted').with({ period: hour }),
          duplicate: events('duplicate').with({ period: hour }),
          quarantined: events('quarantined').with({ period: hour }),
        },
        label: 'Authentic deliveries',
        period: hour,
      });
      return notifyingAlarm(
        this,
        'SilenceAlarm',
        {
          alarmDescription:
            `No authentic webhook delivery for ${hours} hours: Voucherify may have switched the webhook off (it does ` +
            'after 12 failed tries of one send-out), and rollback failures then reach nobody. ' +
            runbook('Silence: no deliveries'),
          metric: deliveries,
          threshold: 1,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: hours,
          datapointsToAlarm: hours,
          treatMissingData: TreatMissingData.BREACHING,
        },
        props.alarmTopic,
      );
    };
    const burst = props.signatureFailureBurst ?? 10;
    this.alarms = {
      quarantinedEvents: alarm(
        'QuarantinedEventsAlarm',
        quarantined,
        1,
        'An authentic Voucherify event failed the schema check and was stored as QUARANTINED (answered 2xx, not lost).',
        'Quarantined events',
      ),
      signatureFailures: alarm(
        'SignatureFailuresAlarm',
        signatureFailures,
        burst,
        `${burst} or more requests in 5 minutes were refused for their signature (401): a scanner, or the webhook ` +
          'secret in Voucherify no longer matches ours.',
        'Signature failures',
      ),
      apiServerErrors: alarm(
        'ApiServerErrorsAlarm',
        api5xx,
        1,
        'The webhook API answered 5xx: Voucherify will retry, and disables the webhook after 12 failed tries.',
        'API 5xx',
      ),
      ingestErrors: alarm(
        'IngestErrorsAlarm',
        ingestErrors,
        1,
        'The ingest function failed (crash or timeout) or answered 503 itself (storage or secret unavailable, no ' +
          'secret configured).',
        'Ingest errors',
      ),
      ingestThrottles: alarm(
        'IngestThrottlesAlarm',
        ingestThrottles,
        1,
        'Ingest was throttled: Lambda concurrency, or DynamoDB writes (table or an index).',
        'Ingest throttles',
      ),
      signedSourceRefused: alarm(
        'SignedSourceRefusedAlarm',
        own(METRIC.sourceRefused, { [DIMENSION.signed]: 'yes' }),
        1,
        'A correctly signed webhook came from an address outside the source allow-list and was refused (403): ' +
          'Voucherify is sending from a new address, and will disable the webhook after 12 failed tries.',
        'Signed request from outside the allow-list',
      ),
      ...(silenceHours > 0 ? { silence: silenceAlarm(silenceHours) } : {}),
      ...(props.sweepFunction && openCaseHours > 0
        ? {
            oldestOpenCase: badThingAlarm(this, 'OldestOpenCaseAlarm', {
              description:
                `A rollback-failure case has been unresolved for more than ${openCaseHours} hours: a customer is still ` +
                'owed something. List them with `npx voucherify-events cases --open`. Runbook: docs/alerts.md, "Reminder and metrics".',
              metric: own(METRIC.oldestOpenCaseAge, {}, Stats.MAXIMUM),
              threshold: openCaseHours * 3600,
              notify: props.alarmTopic,
            }),
          }
        : {}),
    };

    const alarmList = Object.values(this.alarms).filter((each): each is Alarm => each !== undefined);

    // --- Dashboard ----------------------------------------------------------------------------------------------
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? stack.stackName,
      defaultInterval: Duration.hours(24),
    });
    const wide = { width: 12, height: 6 } as const;
    const third = { width: 8, height: 6 } as const;
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          `# Voucherify webhooks (${service})\n` +
          'Events are found, inspected and replayed with `npx voucherify-events` (docs/operating.md); ' +
          'every alarm below has a runbook entry there.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...alarmList, ...(props.otherAlarms ?? [])],
        width: 24,
        height: 3,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Events by outcome',
        left: ['accepted', 'duplicate', 'quarantined'].map((outcome) => events(outcome).with({ label: outcome })),
        stacked: true,
        ...third,
      }),
      new GraphWidget({
        title: 'Refused: signature (401) by reason, source allow-list (403) by signed',
        left: [
          search(METRIC.signatureFailures, [DIMENSION.reason], ''),
          search(METRIC.sourceRefused, [DIMENSION.signed], ''),
        ],
        leftAnnotations: [{ value: burst, label: 'alarm' }],
        ...third,
      }),
      new GraphWidget({
        title: 'Ingest errors and throttles',
        left: [ingestErrors, ingestThrottles],
        ...third,
      }),
    );
    // Every 413, counted where all of them show: the API's access log. The function's own (unproven and larger than
    // maxBodyBytes) are also in its EMF metric; the difference is what the platform refused before any function ran.
    const accessLog413 = props.accessLogs
      ? new MetricFilter(this, 'PayloadTooLargeFilter', {
          logGroup: props.accessLogs,
          filterPattern: FilterPattern.stringValue('$.status', '=', '413'),
          metricNamespace: `${METRICS_NAMESPACE}/${service}`,
          metricName: ACCESS_LOG_413_METRIC,
          metricValue: '1',
        }).metric({ period: PERIOD, statistic: Stats.SUM, label: 'all 413s (API access log)' })
      : undefined;
    this.payloadTooLarge = accessLog413;
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Refused for size (413): all, and the function’s own (unproven body over maxBodyBytes)',
        left: [
          ...(accessLog413 ? [accessLog413] : []),
          own(METRIC.payloadTooLarge).with({ label: 'by the function (not proven authentic)' }),
        ],
        width: 24,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Events by type and outcome',
        left: [search(METRIC.events, [DIMENSION.outcome, DIMENSION.eventType], '')],
        ...wide,
      }),
      new GraphWidget({
        title: 'Failures reported by Voucherify, by type and failure code',
        left: [search(METRIC.failures, [DIMENSION.eventType, DIMENSION.failureCode], '')],
        ...wide,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Ingest latency (ms)',
        left: [
          own(METRIC.ingestLatency, {}, Stats.p(50)).with({ label: 'in the core, p50' }),
          own(METRIC.ingestLatency, {}, Stats.p(99)).with({ label: 'in the core, p99' }),
          props.ingestFunction.metricDuration({ period: PERIOD, statistic: Stats.p(99) }).with({
            label: 'Lambda duration, p99',
          }),
        ],
        ...third,
      }),
      new GraphWidget({
        title: 'API requests, 4xx, 5xx',
        left: [props.httpApi.metricCount({ period: PERIOD, statistic: Stats.SUM }).with({ label: 'requests' })],
        right: [
          props.httpApi.metricClientError({ period: PERIOD, statistic: Stats.SUM }).with({ label: '4xx' }),
          api5xx.with({ label: '5xx' }),
        ],
        ...third,
      }),
      new GraphWidget({
        title: 'API latency (ms)',
        left: [
          props.httpApi.metricLatency({ period: PERIOD, statistic: Stats.p(99) }).with({ label: 'p99' }),
          props.httpApi.metricLatency({ period: PERIOD, statistic: Stats.p(50) }).with({ label: 'p50' }),
          props.httpApi
            .metricIntegrationLatency({ period: PERIOD, statistic: Stats.p(99) })
            .with({ label: 'integration p99' }),
        ],
        ...third,
      }),
    );
    if (props.alertsFunction || props.deadLetterQueue) {
      const row = [];
      if (props.alertsFunction) {
        row.push(
          new GraphWidget({
            title: 'Alerts',
            left: [
              own(METRIC.alertsPublished).with({ label: 'published' }),
              own(METRIC.alertsFailed).with({ label: 'failed (retried)' }),
              own(METRIC.alertsDuplicate).with({ label: 'already alerted' }),
            ],
            ...third,
          }),
          new GraphWidget({
            title: 'Alerts function',
            left: [
              props.alertsFunction.metricErrors({ period: PERIOD, statistic: Stats.SUM }).with({ label: 'errors' }),
            ],
            right: [
              props.alertsFunction
                .metric('IteratorAge', { period: PERIOD, statistic: Stats.MAXIMUM })
                .with({ label: 'iterator age (ms)' }),
            ],
            ...third,
          }),
        );
      }
      if (props.deadLetterQueue) {
        row.push(
          new GraphWidget({
            title: 'Alerts DLQ depth (batches given up)',
            left: [
              props.deadLetterQueue
                .metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: Stats.MAXIMUM })
                .with({ label: 'messages' }),
            ],
            ...third,
          }),
        );
      }
      this.dashboard.addWidgets(...row);
    }
    if (props.sweepFunction) {
      this.dashboard.addWidgets(
        new GraphWidget({
          title: 'Rollback-failure cases (unresolved)',
          left: [own(METRIC.openCases, {}, Stats.MAXIMUM).with({ label: 'open cases' })],
          right: [own(METRIC.oldestOpenCaseAge, {}, Stats.MAXIMUM).with({ label: 'oldest open case (s)' })],
          ...third,
        }),
        new GraphWidget({
          title: 'Case messages',
          left: [
            own(METRIC.caseEventsLinked).with({ label: 'events linked (no alert)' }),
            own(METRIC.casesDigested).with({ label: 'cases put in a digest' }),
            own(METRIC.caseDigestsSent).with({ label: 'digests sent' }),
            own(METRIC.caseRemindersSent).with({ label: 'reminders sent' }),
          ],
          ...third,
        }),
        new GraphWidget({
          title: 'Scheduled case function',
          left: [props.sweepFunction.metricErrors({ period: PERIOD, statistic: Stats.SUM }).with({ label: 'errors' })],
          ...third,
        }),
      );
    }
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Events table writes',
        left: [tableThrottles],
        right: [
          props.table
            .metricConsumedWriteCapacityUnits({ period: PERIOD, statistic: Stats.SUM })
            .with({ label: 'write units (table; indexes are billed on top)' }),
        ],
        ...wide,
      }),
      new LogQueryWidget({
        title: 'Latest ingest outcomes other than accepted',
        logGroupNames: [props.ingestFunction.logGroup.logGroupName],
        queryLines: [
          'fields @timestamp, outcome, statusCode, eventType, eventId, sendoutId, requestId, error',
          "filter ispresent(statusCode) and outcome != 'accepted'",
          'sort @timestamp desc',
          'limit 50',
        ],
        ...wide,
      }),
    );
  }
}
