import { Annotations, type App, CfnOutput, Duration, Fn, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { EVENTS_INDEX_LIST } from '../functions/adapters/table';
import { DEFAULT_INGEST_CONFIG } from '../functions/core/ingest';
import { allowListEntries, formatSourceEntries } from '../functions/core/source-ip';
import {
  type ResolvedSettings,
  resolveSettings,
  settingsFromContext,
  unknownContextKeys,
  type WebhooksSettings,
} from './config';
import { Alerts } from './constructs/alerts';
import { EventsTable, globalSecondaryIndexProps } from './constructs/events-table';
import { NodeFunction } from './constructs/node-function';
import { Observability } from './constructs/observability';
import { WebhookApi } from './constructs/webhook-api';
import { functionEntry } from './paths';

/**
 * The secret's value when the stack creates it: an empty list, which the receiver reads as "not configured" and
 * answers 503, so Voucherify keeps retrying (for about 2.5 days) until an operator sets the real value with
 * `aws secretsmanager put-secret-value`. CloudFormation writes this value when it creates the secret and again only
 * when this string changes in the template, so redeploying does not undo what the operator set. Do not change it:
 * the next deploy would overwrite the real secret, and a wrong secret means 401s until Voucherify disables the webhook.
 * (Leaving the value out is no better: CDK's default is a generated random string, which reads as a configured secret.)
 */
export const WEBHOOK_SECRET_PLACEHOLDER = '[]';

/**
 * Voucherify gives up on an answer after 10 s. The handler caps its AWS calls (1 s to connect, 2 s per request,
 * a few attempts), so a healthy request takes well under a second; 8 s stops a stuck one while Voucherify still
 * listens, and it gets a 5xx it will retry.
 */
export const INGEST_TIMEOUT = Duration.seconds(8);

export interface VoucherifyWebhooksStackProps extends StackProps, WebhooksSettings {}

/**
 * The Voucherify webhook receiver: HTTP API → ingest Lambda → DynamoDB `events` table, with the webhook secret in
 * Secrets Manager.
 *
 * Built from four parts, each its own construct: the events table (`lib/constructs/events-table.ts`, indexes from
 * `functions/adapters/table.ts`), the webhook API with the ingest function (`lib/constructs/webhook-api.ts`), the
 * rollback-failure alerts on the table's stream (`lib/alerts.ts`), and the dashboard and alarms
 * (`lib/observability.ts`). Every function gets its defaults from {@link NodeFunction}.
 */
export class VoucherifyWebhooksStack extends Stack {
  /** Builds the stack into `app` with its settings read from the CDK context (`cdk deploy -c retentionDays=90`). */
  static fromContext(app: App, id: string, props: StackProps = {}): VoucherifyWebhooksStack {
    const stack = new VoucherifyWebhooksStack(app, id, { ...props, ...settingsFromContext(app.node) });
    for (const key of unknownContextKeys(app.node)) {
      Annotations.of(stack).addWarningV2(
        `voucherify-webhooks:unknownContextKey:${key}`,
        `Context key "${key}" is not a setting of this stack and is ignored (a typo?).`,
      );
    }
    return stack;
  }

  /** The settings the stack was built with, every default applied. */
  readonly settings: ResolvedSettings;
  readonly eventsTable: EventsTable;
  readonly webhookSecret: Secret;
  readonly ingestFunction: NodeFunction;
  readonly api: WebhookApi;
  readonly alerts: Alerts;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: VoucherifyWebhooksStackProps = {}) {
    super(scope, id, {
      description: 'Voucherify webhook receiver: HTTP API, ingest Lambda, DynamoDB events table',
      ...props,
    });
    const settings = resolveSettings(props);
    this.settings = settings;

    // --- Data -------------------------------------------------------------------------------------------------
    this.eventsTable = new EventsTable(this, 'Events', {
      tableName: settings.tableName,
      removalPolicy: settings.removalPolicy,
      deletionProtection: settings.deletionProtection,
      // The CLI's access patterns (docs/operating.md); the same list local mode creates its table with.
      indexes: EVENTS_INDEX_LIST.map(globalSecondaryIndexProps),
    });

    this.webhookSecret = new Secret(this, 'WebhookSecret', {
      secretName: settings.webhookSecretName,
      description:
        'Voucherify webhook secret: the plain string from the project settings, or a JSON array of strings while ' +
        'two are valid during a rotation. "[]" means not configured (the receiver answers 503).',
      secretStringValue: SecretValue.unsafePlainText(WEBHOOK_SECRET_PLACEHOLDER),
      removalPolicy: settings.removalPolicy,
    });
    NagSuppressions.addResourceSuppressions(this.webhookSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The value is issued by Voucherify (project settings > webhooks), so no rotation Lambda can create a new one. ' +
          'Rotation is an operator step without downtime: the secret holds both values as a JSON array until ' +
          'Voucherify signs with the new one (SECURITY.md, "Rotating the webhook secret").',
      },
    ]);

    // --- Ingest path ------------------------------------------------------------------------------------------
    const table = this.eventsTable.table;
    const secret = this.webhookSecret;
    const allowedSources = allowListEntries(settings.allowedSourceRegions, settings.allowedSourceIps);
    this.ingestFunction = new NodeFunction(this, 'IngestFunction', {
      entry: functionEntry('ingest'),
      description: 'Verifies, validates and stores Voucherify webhook events',
      functionName: settings.ingestFunctionName,
      memorySize: settings.memorySizeMb,
      timeout: INGEST_TIMEOUT,
      logRetention: settings.logRetentionDays,
      environment: {
        // Set explicitly so the handler and the API route cannot disagree on the path.
        WEBHOOK_PATH: DEFAULT_INGEST_CONFIG.webhookPath,
        MAX_BODY_BYTES: String(settings.maxBodyBytes),
        RETENTION_DAYS: String(settings.retentionDays),
        LOG_LEVEL: settings.logLevel,
        // Off unless allowedSourceRegions or allowedSourceIps is set; then the regions' published addresses and the
        // extra entries, already validated (the function validates them again at cold start).
        ...(allowedSources.length > 0 ? { ALLOWED_SOURCE_IPS: formatSourceEntries(allowedSources) } : {}),
      },
    })
      // Only PutItem, on the table itself: not grantWriteData, which adds UpdateItem, DeleteItem and BatchWriteItem,
      // and not table.grant, which would extend to index ARNs once indexes exist.
      .bind('TABLE_NAME', table.tableName, (grantee) =>
        Grant.addToPrincipal({ grantee, actions: ['dynamodb:PutItem'], resourceArns: [table.tableArn] }),
      )
      // The ARN, never the value: the function reads and caches the value at run time, so a rotation needs no deploy.
      // Only GetSecretValue (grantRead would add DescribeSecret, which the function does not call).
      .bind('WEBHOOK_SECRET_ARN', secret.secretArn, (grantee) =>
        Grant.addToPrincipal({ grantee, actions: ['secretsmanager:GetSecretValue'], resourceArns: [secret.secretArn] }),
      );
    NagSuppressions.addResourceSuppressions(this.ingestFunction, [
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'The HTTP API invokes the ingest function synchronously, and a function dead-letter queue only receives ' +
          'failed asynchronous invocations, so it would stay empty. A failed request is answered 5xx and Voucherify ' +
          'retries it (12 tries over about 2.5 days); nothing is lost on our side.',
      },
    ]);

    this.api = new WebhookApi(this, 'Api', {
      handler: this.ingestFunction,
      path: DEFAULT_INGEST_CONFIG.webhookPath,
      throttlingRatePerSecond: settings.throttlingRatePerSecond,
      throttlingBurstRequests: settings.throttlingBurstRequests,
      accessLogRetention: settings.logRetentionDays,
      apiName: settings.apiName,
    });

    // --- Alerts (rollback failures, read from the table's stream) -----------------------------------------------
    this.alerts = new Alerts(this, 'Alerts', {
      table,
      alertEmails: settings.alertEmails,
      includeCustomerEmail: settings.includeCustomerEmail,
      logRetention: settings.logRetentionDays,
      logLevel: settings.logLevel,
      removalPolicy: settings.removalPolicy,
    });

    // --- Operations: dashboard and alarms on the functions' EMF metrics (docs/operating.md) ---------------------
    this.observability = new Observability(this, 'Observability', {
      ingestFunction: this.ingestFunction,
      httpApi: this.api.httpApi,
      table,
      alarmTopic: this.alerts.topic,
      alertsFunction: this.alerts.function,
      deadLetterQueue: this.alerts.deadLetterQueue,
      otherAlarms: Object.values(this.alerts.alarms),
    });

    // --- Outputs ----------------------------------------------------------------------------------------------
    new CfnOutput(this, 'WebhookUrl', {
      description: 'Paste into Voucherify: Project settings > Webhooks > URL',
      value: this.api.webhookUrl,
    });
    new CfnOutput(this, 'TableName', { description: 'The events table', value: table.tableName });
    new CfnOutput(this, 'WebhookSecretArn', {
      description:
        "Set the Voucherify webhook secret: aws secretsmanager put-secret-value --secret-id <this> --secret-string '<secret>'",
      value: secret.secretArn,
    });
    new CfnOutput(this, 'IngestFunctionName', {
      description: 'The ingest Lambda (logs, aws lambda invoke)',
      value: this.ingestFunction.functionName,
    });
    new CfnOutput(this, 'AlertTopicArn', {
      description:
        'Rollback-failure alerts: aws sns subscribe --topic-arn <this> --protocol email (see docs/alerts.md)',
      value: this.alerts.topic.topicArn,
    });
    new CfnOutput(this, 'AlertsDlqUrl', {
      description: 'Alert batches given up after retries (the DLQ alarm fires when it is not empty)',
      value: this.alerts.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'AlarmNames', {
      // `npm run smoke` checks that each exists and none is in ALARM; names, not a prefix, so none can go unnoticed.
      description: 'Every alarm of the stack, comma-separated (aws cloudwatch describe-alarms --alarm-names ...)',
      value: Fn.join(
        ',',
        [...Object.values(this.observability.alarms), ...Object.values(this.alerts.alarms)].map((a) => a.alarmName),
      ),
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The operations dashboard (alarms, events by outcome and type, failures, latency, alerts)',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.observability.dashboard.dashboardName}`,
    });
  }
}
