import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { AnyPrincipal, Effect, Grant, type IGrantable, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { EventSourceMapping, FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALERT_MARKER } from '../../functions/adapters/dynamodb-alert-ledger';
import { CASE_KEY_PREFIX } from '../../functions/adapters/dynamodb-case-store';
import { EVENTS_INDEXES, EVENTS_TABLE } from '../../functions/adapters/table';
import { ALERTS_MAPPING_FILTERS } from '../../functions/alerts/filter';
import { CASE_SETTING_ENV } from '../../functions/alerts/settings';
import {
  type CaseSettings,
  caseSettingsProblems,
  DEFAULT_CASE_SETTINGS,
} from '../../functions/core/alerts/case-settings';
import type { LogLevel } from '../../functions/core/shared/ports';
import { functionEntry } from '../paths';
import { ALERTS_STREAM_MAPPING } from '../runtime-settings';
import { badThingAlarm } from './alarm';
import { addNagSuppressions } from './nag';
import { NodeFunction } from './node-function';

/**
 * CloudWatch alarms publish to the topic as the CloudWatch service, which needs the key to do so; without this
 * statement the alarms deploy cleanly and their notifications are dropped. The form AWS documents for SNS encryption
 * with CloudWatch: conditions on this statement are not documented as carried by the KMS request.
 */
function cloudWatchKeyStatement(): PolicyStatement {
  return new PolicyStatement({
    sid: 'AllowCloudWatchAlarmsToUseTheKey',
    principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
  });
}

/**
 * A KMS key for a topic of this app, with `statements` in its policy: rotated yearly, and nobody may create a grant on it unless it is for an AWS
 * resource or made by an AWS service (Control Tower control CT.KMS.PR.3): a grant is a second, less visible way to
 * give the key away.
 */
export function protectedTopicKey(
  scope: Construct,
  id: string,
  removalPolicy: RemovalPolicy,
  statements: readonly PolicyStatement[] = [],
): Key {
  const key = new Key(scope, id, {
    description: 'Encrypts the Voucherify rollback-failure alert topic',
    enableKeyRotation: true,
    removalPolicy,
  });
  for (const statement of statements) key.addToResourcePolicy(statement);
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'DenyGrantsExceptForAwsServices',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    }),
  );
  return key;
}

export interface AlertsProps {
  /** The events table; its stream (NEW_IMAGE) is the outbox the alerts are read from. */
  readonly table: ITable;

  /**
   * Addresses subscribed to the alert topic by email. Each must confirm the subscription from the mail AWS sends.
   * @default - none (subscribe later, or through another protocol)
   */
  readonly alertEmails?: readonly string[];

  /**
   * Put the customer's email address into alerts.
   * @default false - alerts go to mailboxes and queues; the customer id and source id identify the customer.
   */
  readonly includeCustomerEmail?: boolean;

  /** Retention of the alerts function's log group. */
  readonly logRetention: RetentionDays;

  /**
   * The alerts function's log level.
   * @default 'info'
   */
  readonly logLevel?: LogLevel;

  /**
   * What happens to the topic's KMS key when it leaves the stack (a destroyed key is deleted after 30 days).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How far behind the stream the alerts may fall before the iterator-age alarm fires.
   * @default Duration.minutes(5)
   */
  readonly iteratorAgeThreshold?: Duration;
  /**
   * An alert topic of your own to publish to, instead of the one created here (its subscribers, policy and retention
   * stay yours; the alarms notify it too). Give its KMS key as `topicKey` when it is encrypted with a customer-managed
   * key: the function gets the two key actions it needs, and the key's policy, when this app owns it, admits
   * CloudWatch alarms.
   * @default - a topic created here, encrypted with a key created here
   */
  readonly topic?: ITopic;
  /**
   * The KMS key of `topic`. Only read with `topic`.
   * @default - none: the given topic is unencrypted or uses the AWS-managed key
   */
  readonly topicKey?: IKey;
  /**
   * Cases: the burst limit (individual alerts per window), its window in minutes, and the reminder age in hours
   * (0: no reminders). See docs/alerts.md, "Defaults".
   * @default DEFAULT_CASE_SETTINGS - 10 alerts per 15 minutes, reminders after 24 hours
   */
  readonly cases?: CaseSettings;
}

/** How often the scheduled case function runs: a digest leaves within a minute of its window's end. */
export const SWEEP_RATE = Duration.minutes(1);

/**
 * Rollback failures reach people through SNS, read from the events table's stream (a transactional outbox: a stored
 * event is an alert that will be sent, even if SNS is down when it arrives; the webhook answer never waits on SNS).
 *
 * Table stream → event source mapping (filter: new `redemption.rollback.failed` items; batches of 10, split on error,
 * 10 retries, 6 h at most, partial-batch responses, then the DLQ) → `alerts` function → KMS-encrypted topic (TLS only)
 * → email and other subscribers. Three alarms notify the same topic: DLQ not empty, function errors, iterator age.
 */
export class Alerts extends Construct {
  /** The topic's KMS key: the one created here, or the `topicKey` given (none when a topic was given without one). */
  readonly key?: IKey;
  readonly topic: ITopic;
  readonly deadLetterQueue: Queue;
  readonly function: NodeFunction;
  readonly eventSourceMapping: EventSourceMapping;
  /** The scheduled case function: digests of burst windows, the reminder, the open-case metrics. */
  readonly sweepFunction: NodeFunction;
  readonly sweepRule: Rule;
  readonly alarms: { readonly deadLetters: Alarm; readonly functionErrors: Alarm; readonly iteratorAge: Alarm };

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { table } = props;
    const streamArn = table.tableStreamArn;
    if (!streamArn) throw new Error('Alerts: the events table must have a stream (NEW_IMAGE)');
    const cases = props.cases ?? DEFAULT_CASE_SETTINGS;
    const problems = caseSettingsProblems(cases);
    if (problems.length > 0) throw new Error(`Alerts: ${problems.join('; ')}`);
    const caseEnvironment = {
      [CASE_SETTING_ENV.burstLimit]: String(cases.burstLimit),
      [CASE_SETTING_ENV.burstWindowMinutes]: String(cases.burstWindowMinutes),
      [CASE_SETTING_ENV.reminderHours]: String(cases.reminderHours),
    };
    // Case items share the events table (docs/alerts.md, "Where cases live"); IAM keeps each function to the items
    // it needs by their key prefix (dynamodb:LeadingKeys), so none of the case grants reaches a stored event.
    // Null false: a request without the key (which DynamoDB always sends for these calls) is not let through by
    // ForAllValues' empty-set rule.
    const onKeys = (...prefixes: string[]) => ({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) },
      Null: { 'dynamodb:LeadingKeys': 'false' },
    });

    // --- Topic ------------------------------------------------------------------------------------------------
    if (props.topic) {
      this.topic = props.topic;
      this.key = props.topicKey;
      // A key this app owns gets the statement alarms need (cloudWatchKeyStatement); an imported key's is its owner's.
      this.key?.addToResourcePolicy(cloudWatchKeyStatement());
    } else {
      const key = protectedTopicKey(this, 'TopicKey', props.removalPolicy ?? RemovalPolicy.RETAIN, [
        cloudWatchKeyStatement(),
      ]);
      this.key = key;

      const topic = new Topic(this, 'Topic', {
        displayName: 'Voucherify rollback failures',
        masterKey: key,
        enforceSSL: true,
      });
      // Only this account's alarms, in this region (the confused-deputy guard for a service principal).
      topic.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowThisAccountsAlarmsToPublish',
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
          },
        }),
      );
      this.topic = topic;
    }
    for (const address of props.alertEmails ?? []) {
      addNagSuppressions(this.topic.addSubscription(new EmailSubscription(address)), [
        {
          id: 'Serverless-SNSRedrivePolicy',
          reason:
            'A subscription dead-letter queue for these email subscriptions would need its own SQS queue encrypted ' +
            'with a customer-managed KMS key whose policy admits SNS (AWS documents this for encrypted DLQs). An ' +
            'undeliverable alert email loses no data: the rollback failure stays in the events table with its ' +
            'alertedAt marker and SNS message id (docs/alerts.md), and the dashboard counts published alerts.',
        },
      ]);
    }

    // --- Dead-letter queue --------------------------------------------------------------------------------------
    // Receives a description of each batch given up (shard, sequence numbers), not the records: those stay in the
    // stream for 24 h and the events stay in the table, where docs/alerts.md shows how to find the unalerted ones.
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Says what the queue is: a dead-letter queue (Control Tower control CT.SQS.PR.1 asks a queue to have one or be
      // one). ALLOW_ALL is SQS's default when the property is absent, so nothing changes in what the queue accepts.
      redriveAllowPolicy: { redrivePermission: RedrivePermission.ALLOW_ALL },
    });
    addNagSuppressions(this.deadLetterQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is the dead-letter queue itself: the on-failure destination of the alerts event source ' +
          'mapping, which cdk-nag does not recognise (it only sees redrive policies and function DLQs).',
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'This queue is the dead-letter queue itself (the on-failure destination of the alerts event source ' +
          'mapping): nothing receives from it automatically, so no receive count could ever send a message on; ' +
          'its alarm fires on the first message.',
      },
    ]);

    // --- Function ---------------------------------------------------------------------------------------------

    // sns:Publish on this topic, and the two KMS actions SNS performs with the caller's rights to encrypt the message
    // (grantPublish would add `kms:GenerateDataKey*`, a wildcard action no function needs). The alerts and the sweep
    // functions both publish.
    const publishToTopic = (grantee: IGrantable): Grant => {
      const publish = Grant.addToPrincipal({ grantee, actions: ['sns:Publish'], resourceArns: [this.topic.topicArn] });
      const key = this.key;
      return key
        ? publish.combine(
            Grant.addToPrincipal({
              grantee,
              actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
              resourceArns: [key.keyArn],
            }),
          )
        : publish;
    };
    this.function = new NodeFunction(this, 'Function', {
      entry: functionEntry('alerts'),
      description: 'Publishes an SNS alert for each new redemption.rollback.failed event in the events table',
      // A batch is at most 10 records, each one GetItem, one Publish and one UpdateItem with the SDK's own retries
      // (5 s per request): far below a minute. A timeout fails the batch, which is split and retried; records already
      // published carry their marker, so a retry does not mail twice.
      timeout: Duration.seconds(60),
      logRetention: props.logRetention,
      environment: {
        INCLUDE_CUSTOMER_EMAIL: String(props.includeCustomerEmail ?? false),
        LOG_LEVEL: props.logLevel ?? 'info',
        ...caseEnvironment,
      },
    })
      .bind('TOPIC_ARN', this.topic.topicArn, publishToTopic)
      // The alert marker: GetItem to check it, UpdateItem to set it. UpdateItem may touch only the marker's
      // attributes (and the key its condition names), with no ReturnValues that would read the rest of the item:
      // the alerts function can never rewrite a stored event. GetItem may read only those attributes too (the
      // ledger projects the marker; AWS's documented pattern: dynamodb:Attributes plus Select SPECIFIC_ATTRIBUTES),
      // so the function cannot read a stored body and the personal data in it through the table; the stream record
      // it is invoked with is all it sees of an event.
      .bind('TABLE_NAME', table.tableName, (grantee) =>
        Grant.addToPrincipal({
          grantee,
          actions: ['dynamodb:GetItem'],
          resourceArns: [table.tableArn],
          conditions: {
            'ForAllValues:StringEquals': {
              'dynamodb:Attributes': [EVENTS_TABLE.partitionKey, ALERT_MARKER.alertedAt, ALERT_MARKER.messageId],
            },
            StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
          },
        })
          .combine(
            Grant.addToPrincipal({
              grantee,
              actions: ['dynamodb:UpdateItem'],
              resourceArns: [table.tableArn],
              conditions: {
                'ForAllValues:StringEquals': {
                  'dynamodb:Attributes': [EVENTS_TABLE.partitionKey, ALERT_MARKER.alertedAt, ALERT_MARKER.messageId],
                },
                StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
              },
            }),
          )
          // Cases: read and write (conditionally, over the version read) the case items, and count alerts in the
          // burst windows' counter items. Only items whose key starts with the case prefixes.
          .combine(
            Grant.addToPrincipal({
              grantee,
              actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
              resourceArns: [table.tableArn],
              conditions: onKeys(CASE_KEY_PREFIX.case),
            }),
          )
          .combine(
            Grant.addToPrincipal({
              grantee,
              actions: ['dynamodb:UpdateItem'],
              resourceArns: [table.tableArn],
              conditions: onKeys(CASE_KEY_PREFIX.window),
            }),
          ),
      );

    // Reading the stream: what Lambda's poller calls with the function's role, on this stream only (the CDK's
    // grantStreamRead would put all four on "*").
    Grant.addToPrincipal({
      grantee: this.function,
      actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      resourceArns: [streamArn],
    }).assertSuccess();
    // ListStreams is on AWS's list of the permissions a DynamoDB event source mapping needs (Lambda refuses to create
    // the mapping without it), but it supports no resource type: a grant on the stream ARN can never apply. "*" is
    // the only form that does; what it allows is listing stream ARNs and table names, no data.
    Grant.addToPrincipal({
      grantee: this.function,
      actions: ['dynamodb:ListStreams'],
      resourceArns: ['*'],
    }).assertSuccess();
    // On the role's policy, for this one "*" only (appliesTo), so any other wildcard is still reported.
    const rolePolicy = this.function.role?.node.tryFindChild('DefaultPolicy');
    if (!rolePolicy) throw new Error('Alerts: the function role has no DefaultPolicy to hold the ListStreams grant');
    addNagSuppressions(
      rolePolicy,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'dynamodb:ListStreams supports no resource type in the Service Authorization Reference, so only "*" can ' +
            "apply; Lambda checks for it when it creates the stream's event source mapping. It lists stream ARNs and " +
            'table names of the account, never item data; every other stream action is on this stream ARN only.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );

    // --- Event source mapping -----------------------------------------------------------------------------------
    this.eventSourceMapping = new EventSourceMapping(this, 'StreamMapping', {
      target: this.function,
      eventSourceArn: streamArn,
      // lib/runtime-settings.ts says why each of these (the local mode's poller uses the same values).
      startingPosition: StartingPosition[ALERTS_STREAM_MAPPING.startingPosition],
      // Same rule as the handler's own check and the local mode's poller (functions/alerts/filter.ts). Items are
      // written once, so INSERT is one alert per event; the marker write (MODIFY) and TTL deletes never invoke.
      // A second filter passes the case items whose acknowledgement or resolution is to be announced (caseAnnounce).
      filters: ALERTS_MAPPING_FILTERS.map((pattern) =>
        FilterCriteria.filter(structuredClone(pattern) as unknown as Record<string, unknown>),
      ),
      batchSize: ALERTS_STREAM_MAPPING.batchSize,
      // No batching window: an alert should leave within seconds.
      maxBatchingWindow: Duration.seconds(0),
      reportBatchItemFailures: true,
      bisectBatchOnError: ALERTS_STREAM_MAPPING.bisectBatchOnError,
      retryAttempts: ALERTS_STREAM_MAPPING.retryAttempts,
      // After that an alert is stale; the DLQ alarm tells people to look (the stream itself keeps records 24 h).
      maxRecordAge: Duration.hours(ALERTS_STREAM_MAPPING.maxRecordAgeHours),
      onFailure: new SqsDlq(this.deadLetterQueue),
    });
    addNagSuppressions(this.function, [
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Only the DynamoDB stream event source mapping invokes the alerts function, and a function dead-letter ' +
          'queue only receives failed asynchronous invocations. What the mapping gives up on ' +
          `(${ALERTS_STREAM_MAPPING.retryAttempts} retries or ${ALERTS_STREAM_MAPPING.maxRecordAgeHours} h) ` +
          'goes to its on-failure destination, the DeadLetterQueue beside it, whose alarm fires on the first message.',
      },
    ]);

    // --- Scheduled case function --------------------------------------------------------------------------------
    this.sweepFunction = new NodeFunction(this, 'SweepFunction', {
      entry: functionEntry('sweep'),
      description: 'Sends the digests of alert bursts and the reminder of open rollback-failure cases; measures them',
      // A few queries and at most a few publishes; a run that stops early leaves its claims to the next one.
      timeout: Duration.seconds(60),
      memorySize: 256,
      logRetention: props.logRetention,
      environment: { LOG_LEVEL: props.logLevel ?? 'info', ...caseEnvironment },
    })
      .bind('TOPIC_ARN', this.topic.topicArn, publishToTopic)
      // The state index (cases only: events never carry its key), and the window and reminder items by key prefix.
      // No GetItem/PutItem on case items: the sweep reads the index and never changes a case.
      .bind('TABLE_NAME', table.tableName, (grantee) =>
        Grant.addToPrincipal({
          grantee,
          actions: ['dynamodb:Query'],
          resourceArns: [`${table.tableArn}/index/${EVENTS_INDEXES.cases.name}`],
        }).combine(
          Grant.addToPrincipal({
            grantee,
            actions: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
            resourceArns: [table.tableArn],
            conditions: onKeys(CASE_KEY_PREFIX.window, CASE_KEY_PREFIX.reminder),
          }),
        ),
      );
    this.sweepRule = new Rule(this, 'SweepSchedule', {
      description: 'Runs the scheduled case function (digests, reminders, open-case metrics)',
      schedule: Schedule.rate(SWEEP_RATE),
      // A run that fails is retried twice by EventBridge; the next minute's run catches up on whatever is left.
      targets: [new LambdaFunction(this.sweepFunction, { retryAttempts: 2, maxEventAge: Duration.minutes(5) })],
    });
    addNagSuppressions(this.sweepRule, [
      {
        id: 'Serverless-EventBusDLQ',
        reason:
          'The rule is a one-minute schedule whose event carries nothing: a dead-letter queue would keep empty ' +
          'scheduler events. EventBridge retries a failed invocation twice, and the next minute repeats whatever ' +
          'is still due (digests and reminders are claimed on the events table only while being sent).',
      },
    ]);
    addNagSuppressions(this.sweepFunction, [
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'The schedule invokes the function every minute and each run does all that is due (it claims a digest or ' +
          'reminder only while sending it, and gives the claim back on failure). A failed run has no payload worth ' +
          'keeping: the next run repeats it; the function error count shows failures on the dashboard.',
      },
    ]);

    // --- Alarms -----------------------------------------------------------------------------------------------
    const iteratorAgeThreshold = props.iteratorAgeThreshold ?? Duration.minutes(5);
    this.alarms = {
      deadLetters: badThingAlarm(this, 'DeadLetterQueueNotEmptyAlarm', {
        description:
          `Rollback-failure alerts were given up after ${ALERTS_STREAM_MAPPING.retryAttempts} retries or ` +
          `${ALERTS_STREAM_MAPPING.maxRecordAgeHours} hours and their batch descriptions are in the ` +
          'alerts DLQ. Some alerts were NOT sent. See docs/alerts.md, "When an alarm fires".',
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 1,
        notify: this.topic,
      }),
      functionErrors: badThingAlarm(this, 'FunctionErrorsAlarm', {
        description:
          'The alerts function failed (threw or timed out). Batches are split and retried; alerts may be late. ' +
          'See docs/alerts.md, "When an alarm fires".',
        metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        notify: this.topic,
      }),
      iteratorAge: badThingAlarm(this, 'IteratorAgeAlarm', {
        description:
          `Rollback-failure alerts are more than ${iteratorAgeThreshold.toHumanString()} behind the events table ` +
          '(publishing keeps failing, or the function is stuck). See docs/alerts.md, "When an alarm fires".',
        metric: this.function.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: iteratorAgeThreshold.toMilliseconds(),
        evaluationPeriods: 3,
        notify: this.topic,
      }),
    };
  }
}
