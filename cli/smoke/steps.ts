import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ConfirmSubscriptionCommand, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { ALERT_MARKER } from '../../functions/adapters/dynamodb-alert-ledger';
import { EVENTS_TABLE } from '../../functions/adapters/table';
import { SIGNATURE_HEADER, sign } from '../../functions/core/ingest/signature';
import { parseAlertNotification } from '../alert-notification';
import type { SmokeEvent, SmokeEvents } from './events';
import type { SmokeClients, SmokeOptions, SmokeTarget } from './target';

/** A check that did not hold; its message is the report's detail. */
export class StepFailedError extends Error {
  override name = 'StepFailedError';
}

/** A step that does not apply to this target (no CloudWatch locally); its message is the reason. */
export class StepSkippedError extends Error {
  override name = 'StepSkippedError';
}

/** The temporary queue of `--via-queue`, once created. */
export interface TemporaryQueue {
  readonly url: string;
  readonly arn: string;
  subscriptionArn?: string;
}

/** What every step reads: the target, the clients, the options, the run's events; and what earlier steps created. */
export interface SmokeContext {
  readonly target: SmokeTarget;
  readonly clients: SmokeClients;
  readonly options: SmokeOptions;
  readonly events: SmokeEvents;
  queue?: TemporaryQueue;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown> | undefined;
}

async function post(url: string, event: SmokeEvent, secret: string | undefined): Promise<Answer> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'voucherify-webhook-receiver/smoke',
  };
  if (secret !== undefined) headers[SIGNATURE_HEADER] = sign(event.body, secret);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body: event.body, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new StepFailedError(`no answer from ${url} (${cause ?? (error instanceof Error ? error.message : error)})`);
  }
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, json };
}

function expectAnswer(answer: Answer, status: number, bodyStatus: string | undefined, event: SmokeEvent): void {
  const got = `${answer.status} ${answer.json?.status ?? answer.json?.code ?? ''}`.trim();
  if (answer.status !== status || (bodyStatus !== undefined && answer.json?.status !== bodyStatus))
    throw new StepFailedError(
      `${event.type} ${event.eventId}: expected ${status} ${bodyStatus ?? ''}, got ${got}`.trim(),
    );
  if (bodyStatus !== undefined && answer.json?.eventId !== event.eventId)
    throw new StepFailedError(
      `${event.type}: the answer names event ${String(answer.json?.eventId)}, not ${event.eventId}`,
    );
}

/** POSTs one event signed with the target's secret and expects `status` with body `{status: bodyStatus}`. */
export function signedDelivery(pick: (events: SmokeEvents) => SmokeEvent, status: number, bodyStatus: string) {
  return async (ctx: SmokeContext): Promise<string> => {
    const event = pick(ctx.events);
    expectAnswer(await post(ctx.target.webhookUrl, event, ctx.target.secret), status, bodyStatus, event);
    return `${status} ${bodyStatus} ${event.eventId}`;
  };
}

/** Both signed events again, byte for byte: each must be answered 200 duplicate (stored once). */
export async function duplicates(ctx: SmokeContext): Promise<string> {
  for (const event of [ctx.events.failed, ctx.events.rollbackFailed])
    expectAnswer(await post(ctx.target.webhookUrl, event, ctx.target.secret), 200, 'duplicate', event);
  return '200 duplicate for both';
}

/** A delivery without a signature: 401, and nothing stored under its id. */
export async function unsigned(ctx: SmokeContext): Promise<string> {
  const event = ctx.events.unsigned;
  const answer = await post(ctx.target.webhookUrl, event, undefined);
  if (answer.status !== 401)
    throw new StepFailedError(
      `expected 401, got ${answer.status} ${String(answer.json?.code ?? answer.json?.status ?? '')}`,
    );
  if (await readItem(ctx, event.eventId)) throw new StepFailedError(`401, but ${event.eventId} was stored`);
  return `401 ${String(answer.json?.code ?? '')}, not stored`.trim();
}

async function readItem(ctx: SmokeContext, eventId: string) {
  const { Item } = await ctx.clients.dynamodb.send(
    new GetItemCommand({
      TableName: ctx.target.tableName,
      Key: { [EVENTS_TABLE.partitionKey]: { S: eventId } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

/** Both signed events are in the table, stored ACCEPTED with their type. */
export async function readBack(ctx: SmokeContext): Promise<string> {
  const seen: string[] = [];
  for (const event of [ctx.events.failed, ctx.events.rollbackFailed]) {
    const item = await readItem(ctx, event.eventId);
    if (!item) throw new StepFailedError(`${event.eventId} is not in table ${ctx.target.tableName}`);
    const status = item.status?.S;
    const type = item.type?.S;
    if (status !== 'ACCEPTED' || type !== event.type)
      throw new StepFailedError(`${event.eventId}: stored as ${status} ${type}, expected ACCEPTED ${event.type}`);
    seen.push(`${type} ${status}`);
  }
  return `both in ${ctx.target.tableName} (${seen.join(', ')})`;
}

/**
 * The alerts function marks the item once SNS accepted the alert (functions/adapters/dynamodb-alert-ledger.ts), so the
 * marker is proof of publication. Polled until the deadline: the stream and the function take a moment.
 */
export async function alertMarker(ctx: SmokeContext): Promise<string> {
  const event = ctx.events.rollbackFailed;
  const started = Date.now();
  const deadline = started + ctx.options.alertDeadlineMs;
  for (;;) {
    const item = await readItem(ctx, event.eventId);
    const at = item?.[ALERT_MARKER.alertedAt]?.S;
    const messageId = item?.[ALERT_MARKER.messageId]?.S;
    if (at && messageId) return `published after ${Date.now() - started} ms (SNS message ${messageId})`;
    if (Date.now() >= deadline)
      throw new StepFailedError(
        `no alert marker on ${event.eventId} after ${ctx.options.alertDeadlineMs} ms: the alerts function did not ` +
          'publish (see its logs and the alerts DLQ)',
      );
    await sleep(ctx.options.pollIntervalMs);
  }
}

/**
 * The temporary queue: created, opened to the alert topic only (aws:SourceArn), subscribed. Messages expire after
 * 10 minutes, so a queue left by an interrupted run holds nothing for long.
 */
export async function subscribeTemporaryQueue(ctx: SmokeContext): Promise<string> {
  const { sqs, sns } = ctx.clients;
  const name = `voucherify-smoke-${ctx.options.runId}`;
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { MessageRetentionPeriod: '600' } }),
  );
  if (!QueueUrl) throw new StepFailedError(`CreateQueue ${name} returned no QueueUrl`);
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (!arn) throw new StepFailedError(`queue ${name} has no QueueArn`);
  ctx.queue = { url: QueueUrl, arn };
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AlertTopicOnly',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: arn,
        Condition: { ArnEquals: { 'aws:SourceArn': ctx.target.topicArn } },
      },
    ],
  };
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
  const { SubscriptionArn } = await sns.send(
    new SubscribeCommand({
      TopicArn: ctx.target.topicArn,
      Protocol: 'sqs',
      Endpoint: arn,
    }),
  );
  if (!SubscriptionArn) throw new StepFailedError('Subscribe returned no SubscriptionArn');
  ctx.queue.subscriptionArn = SubscriptionArn;
  // Without ReturnSubscriptionArn, SNS answers "pending confirmation" for a subscription that needs one (a queue in
  // another account); a same-account queue is confirmed at once. A new subscription and queue policy still take a
  // moment to deliver on AWS, hence the settle pause.
  if (SubscriptionArn === 'pending confirmation') await confirm(ctx);
  if (ctx.options.subscriptionSettleMs > 0) await sleep(ctx.options.subscriptionSettleMs);
  return `${name} subscribed to ${ctx.target.topicArn.split(':').pop()}`;
}

/** A subscription SNS asks to confirm (another account's queue): the token comes to the queue itself. */
async function confirm(ctx: SmokeContext): Promise<void> {
  const queue = ctx.queue as TemporaryQueue;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { Messages } = await ctx.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );
    for (const message of Messages ?? []) {
      const body = JSON.parse(message.Body ?? '{}') as { Type?: string; Token?: string };
      if (body.Type === 'SubscriptionConfirmation' && body.Token) {
        const { SubscriptionArn } = await ctx.clients.sns.send(
          new ConfirmSubscriptionCommand({ TopicArn: ctx.target.topicArn, Token: body.Token }),
        );
        if (SubscriptionArn) queue.subscriptionArn = SubscriptionArn;
        return;
      }
    }
  }
  throw new StepFailedError('the subscription was not confirmed within 30 s');
}

/**
 * The temporary queue receives the rollback failure's alert, with "smoke test" in its subject. Other messages (real
 * alerts, alarm notifications arriving meanwhile) are read and left out of the verdict.
 */
export async function alertOnQueue(ctx: SmokeContext): Promise<string> {
  const queue = ctx.queue;
  if (!queue) throw new StepFailedError('no temporary queue');
  const wanted = ctx.events.rollbackFailed.eventId;
  const started = Date.now();
  const deadline = started + ctx.options.alertDeadlineMs;
  let others = 0;
  while (Date.now() < deadline) {
    const { Messages } = await ctx.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const done = (Messages ?? []).flatMap((m, i) =>
      m.ReceiptHandle ? [{ Id: String(i), ReceiptHandle: m.ReceiptHandle }] : [],
    );
    if (done.length > 0)
      await ctx.clients.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queue.url, Entries: done }));
    for (const message of Messages ?? []) {
      let alert: ReturnType<typeof parseAlertNotification>;
      try {
        alert = parseAlertNotification(message.Body ?? '');
      } catch {
        others++;
        continue;
      }
      if (alert.facts.eventId !== wanted) {
        others++;
        continue;
      }
      if (!/smoke test/i.test(alert.subject ?? ''))
        throw new StepFailedError(`the alert arrived but its subject does not say "smoke test": ${alert.subject}`);
      return `received after ${Date.now() - started} ms: "${alert.subject}"`;
    }
  }
  throw new StepFailedError(
    `no alert for ${wanted} on the queue within ${ctx.options.alertDeadlineMs} ms (${others} other message(s))`,
  );
}

/** Every alarm named by the stack exists, and none is in ALARM. */
export async function alarms(ctx: SmokeContext): Promise<string> {
  const names = ctx.target.alarmNames;
  const cloudwatch = ctx.clients.cloudwatch;
  if (!names || !cloudwatch) throw new StepSkippedError(ctx.target.noAlarmsReason ?? 'no alarms to check');
  const found = new Map<string, string>();
  // DescribeAlarms takes at most 100 names a call.
  for (let i = 0; i < names.length; i += 100) {
    let token: string | undefined;
    do {
      const page = await cloudwatch.send(
        new DescribeAlarmsCommand({
          AlarmNames: names.slice(i, i + 100),
          NextToken: token,
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        }),
      );
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])])
        if (alarm.AlarmName) found.set(alarm.AlarmName, alarm.StateValue ?? 'UNKNOWN');
      token = page.NextToken;
    } while (token);
  }
  return judgeAlarms(names, found, ctx.target.silenceAlarmName);
}

/**
 * The verdict on the alarms: all named ones found, none in ALARM (INSUFFICIENT_DATA is normal on a quiet stack). The
 * silence alarm is the exception: a stack that has received nothing yet is silent by definition, and the deliveries this
 * run just made end the silence at the alarm's next hourly evaluation, so it is named in the detail, not failed on.
 */
export function judgeAlarms(
  expected: readonly string[],
  found: ReadonlyMap<string, string>,
  silenceAlarm?: string,
): string {
  if (expected.length === 0) throw new StepFailedError('the stack names no alarms (AlarmNames output empty)');
  const missing = expected.filter((name) => !found.has(name));
  if (missing.length > 0) throw new StepFailedError(`missing: ${missing.join(', ')}`);
  const firing = expected.filter((name) => found.get(name) === 'ALARM' && name !== silenceAlarm);
  if (firing.length > 0) throw new StepFailedError(`in ALARM: ${firing.join(', ')}`);
  const counts = new Map<string, number>();
  for (const name of expected) counts.set(found.get(name) as string, (counts.get(found.get(name) as string) ?? 0) + 1);
  const states = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
  if (silenceAlarm !== undefined && found.get(silenceAlarm) === 'ALARM')
    return (
      `${expected.length} alarms, only the silence alarm in ALARM (${states}): no delivery before this run; ` +
      "this run's deliveries clear it within the hour"
    );
  return `${expected.length} alarms, none in ALARM (${states})`;
}

/**
 * Removes what the run created: its items (deleted: only keys starting with smoke_, which the policy in the README
 * allows and nothing else), the subscription and the queue. Runs even when steps failed; every part is attempted.
 */
export async function cleanup(ctx: SmokeContext): Promise<string> {
  const problems: string[] = [];
  const done: string[] = [];
  let deleted = 0;
  for (const event of [ctx.events.failed, ctx.events.rollbackFailed, ctx.events.unsigned]) {
    try {
      const { Attributes } = await ctx.clients.dynamodb.send(
        new DeleteItemCommand({
          TableName: ctx.target.tableName,
          Key: { [EVENTS_TABLE.partitionKey]: { S: event.eventId } },
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (Attributes) deleted++;
    } catch (error) {
      problems.push(`item ${event.eventId}: ${message(error)}`);
    }
  }
  done.push(`${deleted} item(s) deleted`);
  const queue = ctx.queue;
  if (queue?.subscriptionArn?.startsWith('arn:')) {
    try {
      await ctx.clients.sns.send(new UnsubscribeCommand({ SubscriptionArn: queue.subscriptionArn }));
      done.push('unsubscribed');
    } catch (error) {
      problems.push(`subscription ${queue.subscriptionArn}: ${message(error)}`);
    }
  }
  if (queue) {
    try {
      await ctx.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
      done.push('queue deleted');
    } catch (error) {
      problems.push(`queue ${queue.url}: ${message(error)}`);
    }
  }
  if (problems.length > 0) throw new StepFailedError(`${done.join(', ')}; left behind: ${problems.join('; ')}`);
  return done.join(', ');
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
