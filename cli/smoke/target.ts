import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';

/** What a smoke run checks: one deployment (a stack's outputs) or the running local mode (its state file). */
export interface SmokeTarget {
  /** Said in the report's heading: `stack VoucherifyWebhooks (eu-west-1)`, `local mode (pid 123)`. */
  readonly label: string;
  readonly webhookUrl: string;
  readonly tableName: string;
  readonly topicArn: string;
  /** The secret to sign with (the first one, when the secret holds two during a rotation). */
  readonly secret: string;
  /**
   * The alarms that must exist, from the stack's AlarmNames output. Absent where there is no CloudWatch (the local
   * mode): the alarm step is then reported as skipped, with the reason.
   */
  readonly alarmNames?: readonly string[];
  /**
   * The silence alarm (no authentic delivery for silenceAlarmHours): in ALARM on a stack that has had no traffic yet,
   * and cleared by the smoke's own deliveries at its next hourly evaluation, so it is reported, not failed on.
   */
  readonly silenceAlarmName?: string;
  /** Why `alarmNames` is absent. */
  readonly noAlarmsReason?: string;
}

/**
 * The clients the steps use. Only their construction differs between AWS and the local mode (endpoints and
 * credentials); every step sends the same commands to either.
 */
export interface SmokeClients {
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  /** Absent in the local mode. */
  readonly cloudwatch?: CloudWatchClient;
}

export interface SmokeOptions {
  /** Also prove delivery: a temporary queue subscribed to the topic must receive the alert. */
  readonly viaQueue: boolean;
  /** How long to wait for the alert (marker and queue), in milliseconds. */
  readonly alertDeadlineMs: number;
  /** How often to look again while waiting. */
  readonly pollIntervalMs: number;
  /**
   * A pause after subscribing the temporary queue, before anything is published: a new SNS subscription takes a
   * moment to receive on AWS. 0 locally.
   */
  readonly subscriptionSettleMs: number;
  /** Names the run's events and queue; unique per run so two runs never share an item. */
  readonly runId: string;
  /** Epoch milliseconds; the events' timestamps. */
  readonly now: number;
}

/** The target could not be resolved (a missing output, a secret that is not configured): nothing was sent. */
export class SmokeSetupError extends Error {
  override name = 'SmokeSetupError';
}
