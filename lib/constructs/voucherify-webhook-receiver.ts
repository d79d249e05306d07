import { Annotations, Duration, SecretValue, Stack } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ERASURE_KEY_PREFIX } from '../../functions/adapters/dynamodb-erasure';
import { EVENTS_INDEX_LIST } from '../../functions/adapters/table';
import { DEFAULT_INGEST_CONFIG } from '../../functions/core/ingest/ingest';
import { allowListEntries, formatSourceEntries } from '../../functions/core/ingest/source-ip';
import {
  caseSettingsOf,
  contextSettingsNotInProps,
  type ResolvedSettings,
  resolveSettings,
  type WebhooksSettings,
} from '../config';
import { functionEntry } from '../paths';
import { Alerts } from './alerts';
import { Chat } from './chat';
import { EventBodies } from './event-bodies';
import { EventsTable, globalSecondaryIndexProps } from './events-table';
import { addNagSuppressions } from './nag';
import { NodeFunction } from './node-function';
import { Observability } from './observability';
import { addReceiverOutputs } from './receiver-outputs';
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
/** The ingest function's one read: erasure records only (`dynamodb:LeadingKeys`), never an event. */
export const ERASURE_READ_CONDITION = {
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${ERASURE_KEY_PREFIX}*`] },
  Null: { 'dynamodb:LeadingKeys': 'false' },
};

export const INGEST_TIMEOUT = Duration.seconds(8);

/** The id of the warning a receiver gives when CDK context keys meant for it are set but not passed as props. */
export const CONTEXT_IGNORED_WARNING = 'voucherify-webhooks:contextIgnored';

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
 * SNS topic (created, or yours); a dashboard and alarms; and the stack outputs an operator and `npm run smoke` read
 * (`lib/constructs/receiver-outputs.ts`). {@link VoucherifyWebhooksStack} is this construct alone in a stack.
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
  /**
   * The smoke's own signing secret, generated at deploy: the receiver accepts it only for `smoke_` events, so whoever
   * runs `npm run smoke` needs read access to this secret, never to the webhook secret.
   */
  readonly smokeSecret: Secret;
  /** Voucherify API keys for `voucherify-events reconcile`, created empty; no function reads it. */
  readonly voucherifyApiSecret: Secret;
  readonly ingestFunction: NodeFunction;
  readonly api: WebhookApi;
  readonly alerts: Alerts;
  /**
   * The chat topic and the Slack / Teams channel configurations, when `chatChannels` or `chatTopic` asks for them.
   * A function that sends case messages to chat gets its variable and grant in one call: `chat?.bindPublisher(fn)`.
   */
  readonly chat?: Chat;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: VoucherifyWebhookReceiverProps = {}) {
    super(scope, id);
    const settings = resolveSettings(props);
    this.settings = settings;
    warnOfIgnoredContext(this, props);

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
    addNagSuppressions(this.webhookSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The value is issued by Voucherify (project settings > webhooks), so no rotation Lambda can create a new one. ' +
          'Rotation is an operator step without downtime: the secret holds both values as a JSON array until ' +
          'Voucherify signs with the new one (SECURITY.md, "Rotating the webhook secret").',
      },
    ]);

    // Generated, not issued by Voucherify: a deploy makes one, and no one has to set it. A plain string of letters
    // and digits (no punctuation: it is also typed into a shell's environment).
    this.smokeSecret = new Secret(this, 'SmokeSecret', {
      description:
        'Signing secret of `npm run smoke`: the receiver accepts it only for events whose id starts with smoke_ ' +
        '(alerted as "[smoke test]"). Give smoke runners secretsmanager:GetSecretValue on this secret, not on the ' +
        'webhook secret.',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: settings.removalPolicy,
    });
    addNagSuppressions(this.smokeSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'It signs only smoke_ test events, which the receiver never confuses with Voucherify events; to replace ' +
          'it, put a new value (the function reads it again within 5 minutes). A rotation Lambda would add a ' +
          'function and permissions for a secret that protects no real event.',
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
    addNagSuppressions(this.voucherifyApiSecret, [
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
    const smokeSecret = this.smokeSecret;
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
      .bind('TABLE_NAME', table.tableName, (grantee) => {
        Grant.addToPrincipal({
          grantee,
          actions: ['dynamodb:PutItem'],
          resourceArns: [table.tableArn],
        }).assertSuccess();
        // Erasure records only (an event of an erased customer is stored erased): the leading-key condition keeps
        // every event item out of reach of this read.
        return Grant.addToPrincipal({
          grantee,
          actions: ['dynamodb:GetItem'],
          resourceArns: [table.tableArn],
          // Null=false too: ForAllValues alone would also pass a request that carried no key at all.
          conditions: ERASURE_READ_CONDITION,
        });
      })
      // Only PutObject, under bodies/: written before the item that points at it, never read or deleted by ingest.
      .bind('BODY_BUCKET', this.eventBodies.bucket.bucketName, (grantee) =>
        Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: [this.eventBodies.objectsArn] }),
      )
      // The ARN, never the value: the function reads and caches the value at run time, so a rotation needs no deploy.
      // Only GetSecretValue (grantRead would add DescribeSecret, which the function does not call).
      .bind('WEBHOOK_SECRET_ARN', secret.secretArn, (grantee) =>
        Grant.addToPrincipal({ grantee, actions: ['secretsmanager:GetSecretValue'], resourceArns: [secret.secretArn] }),
      )
      // The same way, its own grant: the smoke secret is one more secret the function reads, nothing more.
      .bind('SMOKE_SECRET_ARN', smokeSecret.secretArn, (grantee) =>
        Grant.addToPrincipal({
          grantee,
          actions: ['secretsmanager:GetSecretValue'],
          resourceArns: [smokeSecret.secretArn],
        }),
      );
    addNagSuppressions(this.ingestFunction, [
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
      cases: caseSettingsOf(settings),
      ...(props.alertTopic ? { topic: props.alertTopic, topicKey: props.alertTopicKey } : {}),
    });

    // --- Chat: case messages for Slack and Microsoft Teams through Amazon Q Developer (lib/constructs/chat.ts) ------
    if (settings.chatTopic) {
      this.chat = new Chat(this, 'Chat', {
        // The alert topic's own key (its policy and rotation), so chat adds no key to look after.
        key: this.alerts.key,
        channels: settings.chatChannels,
        loggingLevel: settings.chatLoggingLevel,
        removalPolicy: settings.removalPolicy,
      });
      this.chat.bindPublisher(this.alerts.function);
      this.chat.bindPublisher(this.alerts.sweepFunction);
    }

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
        addNagSuppressions(
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
      sweepFunction: this.alerts.sweepFunction,
      openCaseAlarmHours: settings.openCaseAlarmHours,
      deadLetterQueue: this.alerts.deadLetterQueue,
      otherAlarms: Object.values(this.alerts.alarms),
      silenceAlarmHours: settings.silenceAlarmHours,
      // The ready-made stack's receiver ('Default') is named after its stack; one in a stack of your own after its path
      // too, so two receivers in one stack never share a dashboard name or mix their metrics.
      ...(id === 'Default' ? {} : { service: receiverName(this), dashboardName: receiverName(this) }),
    });

    // --- Outputs: what an operator and `npm run smoke` read after a deploy (names in receiver-outputs.ts) ----------
    addReceiverOutputs(this);
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

/**
 * The construct takes its settings as props only. A `-c retentionDays=7` (or a cdk.json entry) meant for it in an app
 * that does not read the context into the props would otherwise vanish: say so, naming each key, on every synth.
 */
function warnOfIgnoredContext(receiver: VoucherifyWebhookReceiver, props: WebhooksSettings): void {
  const ignored = contextSettingsNotInProps(receiver.node, props);
  if (ignored.length === 0) return;
  const keys = ignored.map(({ key, value }) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  Annotations.of(receiver).addWarningV2(
    CONTEXT_IGNORED_WARNING,
    `VoucherifyWebhookReceiver takes its settings as props only; context ${keys.join(', ')} ${ignored.length === 1 ? 'is' : 'are'} ` +
      `not read. Pass ${ignored.length === 1 ? 'it' : 'them'} as props (new VoucherifyWebhookReceiver(scope, id, { ${ignored
        .map(({ key }) => key)
        .join(', ')} })), or read the context into the props with settingsFromContext(app.node).`,
  );
}

/** `<stack name>-<construct path below the stack>`, in the characters a dashboard name allows. */
function receiverName(receiver: Construct): string {
  const stack = Stack.of(receiver);
  const below = receiver.node.scopes.slice(receiver.node.scopes.indexOf(stack) + 1).map((scope) => scope.node.id);
  return [stack.stackName, ...below]
    .join('-')
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .slice(0, 255);
}
