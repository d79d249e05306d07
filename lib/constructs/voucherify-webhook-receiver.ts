import { Duration, SecretValue } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { EVENTS_INDEX_LIST } from '../../functions/adapters/table';
import { DEFAULT_INGEST_CONFIG } from '../../functions/core/ingest/ingest';
import { allowListEntries, formatSourceEntries } from '../../functions/core/ingest/source-ip';
import { type ResolvedSettings, resolveSettings, type WebhooksSettings } from '../config';
import { functionEntry } from '../paths';
import { Alerts } from './alerts';
import { EventBodies } from './event-bodies';
import { EventsTable, globalSecondaryIndexProps } from './events-table';
import { NodeFunction } from './node-function';
import { Observability } from './observability';
import { WebhookApi } from './webhook-api';

/**
 * The secret's value when the receiver creates it: an empty list, which the receiver reads as "not configured" and
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

export interface VoucherifyWebhookReceiverProps extends WebhooksSettings {
  /**
   * An SNS topic of your own for the rollback-failure alerts and the alarms, instead of the one created (a KMS key and
   * a topic). The alerts function is granted `sns:Publish` on it; `alertEmails` are subscribed to it. Its resource
   * policy stays yours: CloudWatch alarms of this account can publish to a topic with the default policy.
   * @default - a topic created here, encrypted with a KMS key created here
   */
  readonly alertTopic?: ITopic;
  /**
   * The KMS key `alertTopic` is encrypted with, when it is a customer-managed one: the alerts function is granted
   * `kms:GenerateDataKey` and `kms:Decrypt` on it, and when this app owns the key its policy admits CloudWatch alarms
   * (an imported key's policy must do so already, or the alarms' notifications are dropped). Only read with
   * `alertTopic`.
   * @default - none
   */
  readonly alertTopicKey?: IKey;
}

/**
 * The Voucherify webhook receiver as one construct, to add to a stack of your own: HTTP API → ingest Lambda → DynamoDB
 * `events` table, with the webhook secret in Secrets Manager; rollback-failure alerts from the table's stream to an
 * SNS topic (created, or yours); a dashboard and alarms. {@link VoucherifyWebhooksStack} is this construct alone in a
 * stack, with outputs.
 *
 * Built from four parts, each its own construct: the events table (`lib/constructs/events-table.ts`, indexes from
 * `functions/adapters/table.ts`), the webhook API with the ingest function (`lib/constructs/webhook-api.ts`), the
 * rollback-failure alerts on the table's stream (`lib/constructs/alerts.ts`), and the dashboard and alarms
 * (`lib/constructs/observability.ts`). Every function gets its defaults from {@link NodeFunction}.
 */
export class VoucherifyWebhookReceiver extends Construct {
  /** The settings the receiver was built with, every default applied. */
  readonly settings: ResolvedSettings;
  readonly eventsTable: EventsTable;
  /** Bodies too large for their item (rare: about 1.5 MB of JSON and more). */
  readonly eventBodies: EventBodies;
  readonly webhookSecret: Secret;
  /** Voucherify API keys for `voucherify-events reconcile`, created empty; no function reads it. */
  readonly voucherifyApiSecret: Secret;
  readonly ingestFunction: NodeFunction;
  readonly api: WebhookApi;
  readonly alerts: Alerts;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: VoucherifyWebhookReceiverProps = {}) {
    super(scope, id);
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

    this.eventBodies = new EventBodies(this, 'Bodies', {
      retentionDays: settings.retentionDays,
      removalPolicy: settings.removalPolicy,
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

    // Read only by the operator CLI's `reconcile`, with the operator's own credentials: no function needs a grant.
    this.voucherifyApiSecret = new Secret(this, 'VoucherifyApiSecret', {
      description:
        'Voucherify API keys for `voucherify-events reconcile`: {"applicationId":"...","secretKey":"...","apiUrl":' +
        '"https://api.voucherify.io"} (apiUrl optional). "{}" means not configured.',
      secretStringValue: SecretValue.unsafePlainText('{}'),
      removalPolicy: settings.removalPolicy,
    });
    NagSuppressions.addResourceSuppressions(this.voucherifyApiSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The keys are issued by Voucherify (project settings > application keys), so no rotation Lambda can create ' +
          'new ones; an operator regenerates them in Voucherify and puts the new pair here.',
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
      // Only PutObject, under bodies/: written before the item that points at it, never read or deleted by ingest.
      .bind('BODY_BUCKET', this.eventBodies.bucket.bucketName, (grantee) =>
        Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: [this.eventBodies.objectsArn] }),
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
      ...(props.alertTopic ? { topic: props.alertTopic, topicKey: props.alertTopicKey } : {}),
    });

    // A rollback failure whose body is kept beside its item: the alert is built from the body, read with GetObject.
    Grant.addToPrincipal({
      grantee: this.alerts.function,
      actions: ['s3:GetObject'],
      resourceArns: [this.eventBodies.objectsArn],
    });

    // Object keys are derived from each body's bytes (overflowBodyKey), so no grant can name them: the prefix is the
    // narrowest resource there is. Only the bodies/ objects of this bucket, and one action each.
    for (const fn of [this.ingestFunction, this.alerts.function]) {
      const policy = fn.role?.node.tryFindChild('DefaultPolicy');
      if (policy)
        NagSuppressions.addResourceSuppressions(
          policy,
          [
            {
              id: 'AwsSolutions-IAM5',
              reason:
                'Bodies too large for their item are kept under bodies/<hash of the event key>/<hash of the bytes>: ' +
                'ingest may only put and alerts only get objects there, in this bucket; no name is known in advance.',
              appliesTo: [{ regex: String.raw`/^Resource::<[A-Za-z0-9]*Bodies[A-Za-z0-9]*\.Arn>\/bodies\/\*$/` }],
            },
          ],
          true,
        );
    }

    // --- Operations: dashboard and alarms on the functions' EMF metrics (docs/operating.md) ---------------------
    this.observability = new Observability(this, 'Observability', {
      ingestFunction: this.ingestFunction,
      httpApi: this.api.httpApi,
      accessLogs: this.api.accessLogs,
      table,
      alarmTopic: this.alerts.topic,
      alertsFunction: this.alerts.function,
      deadLetterQueue: this.alerts.deadLetterQueue,
      otherAlarms: Object.values(this.alerts.alarms),
      silenceAlarmHours: settings.silenceAlarmHours,
    });
  }

  /** The URL to paste into Voucherify (Project settings > Webhooks). */
  get webhookUrl(): string {
    return this.api.webhookUrl;
  }

  /** The topic rollback-failure alerts and alarm notifications go to: the one created, or the one given. */
  get alertTopic(): ITopic {
    return this.alerts.topic;
  }
}
