import { Annotations, type App, Stack, type StackProps } from 'aws-cdk-lib';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  type ResolvedSettings,
  SettingsError,
  settingsFromContext,
  unkeptSubscriptionProblems,
  unknownContextKeys,
  type WebhooksSettings,
} from './config';
import type { Alerts } from './constructs/alerts';
import type { Chat } from './constructs/chat';
import type { EventBodies } from './constructs/event-bodies';
import type { EventsTable } from './constructs/events-table';
import type { NodeFunction } from './constructs/node-function';
import type { Observability } from './constructs/observability';
import { VoucherifyWebhookReceiver } from './constructs/voucherify-webhook-receiver';
import type { WebhookApi } from './constructs/webhook-api';

export { INGEST_TIMEOUT, WEBHOOK_SECRET_PLACEHOLDER } from './constructs/voucherify-webhook-receiver';

/**
 * The context key that names the stack `bin/app.ts` deploys: `cdk deploy -c stackName=VoucherifyStaging`. Not a
 * setting of the receiver (a CDK app of your own names its stacks itself).
 */
export const STACK_NAME_CONTEXT_KEY = 'stackName';

/** CloudFormation's rule for stack names. */
const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/** The `stackName` context value, checked; undefined when it is not set. */
export function stackNameFromContext(raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const name = typeof raw === 'string' ? raw.trim() : raw;
  if (typeof name !== 'string' || !STACK_NAME_PATTERN.test(name))
    throw new SettingsError([
      `context stackName must start with a letter and hold only letters, digits and hyphens (at most 128); got ${JSON.stringify(raw)}`,
    ]);
  return name;
}

export interface VoucherifyWebhooksStackProps extends StackProps, WebhooksSettings {}

export interface FromContextOptions {
  /**
   * The context the project keeps (cdk.json; `readKeptContext()`). When given, a subscription setting (alert emails,
   * chat channels) whose value differs from it stops the synth: given only with `-c`, the next deploy without the
   * flag would remove those subscriptions silently.
   * @default - not checked
   */
  readonly keptContext?: Record<string, unknown>;
}

/**
 * The Voucherify webhook receiver as a stack of its own: the {@link VoucherifyWebhookReceiver} construct (everything
 * the receiver is, its outputs included) alone in a stack. To add the receiver to a stack you already
 * have, use the construct instead (README, "Add it to your own stack").
 */
export class VoucherifyWebhooksStack extends Stack {
  /**
   * Builds the stack into `app` with its settings read from the CDK context (`cdk deploy -c retentionDays=90`). The
   * stack's name is `-c stackName=…` when given (staging and production side by side in one account), else `id`.
   */
  static fromContext(
    app: App,
    id: string,
    props: StackProps = {},
    options: FromContextOptions = {},
  ): VoucherifyWebhooksStack {
    if (options.keptContext) {
      const problems = unkeptSubscriptionProblems(app.node, options.keptContext);
      if (problems.length > 0) throw new SettingsError(problems);
    }
    const stackName = stackNameFromContext(app.node.tryGetContext(STACK_NAME_CONTEXT_KEY));
    const stack = new VoucherifyWebhooksStack(app, stackName ?? id, { ...props, ...settingsFromContext(app.node) });
    for (const key of unknownContextKeys(app.node).filter((key) => key !== STACK_NAME_CONTEXT_KEY)) {
      Annotations.of(stack).addWarningV2(
        `voucherify-webhooks:unknownContextKey:${key}`,
        `Context key "${key}" is not a setting of this stack and is ignored (a typo?).`,
      );
    }
    return stack;
  }

  readonly receiver: VoucherifyWebhookReceiver;
  /** The settings the stack was built with, every default applied. */
  readonly settings: ResolvedSettings;
  readonly eventsTable: EventsTable;
  /** Bodies too large for their item. */
  readonly eventBodies: EventBodies;
  readonly webhookSecret: Secret;
  /** The smoke's own signing secret (see {@link VoucherifyWebhookReceiver.smokeSecret}). */
  readonly smokeSecret: Secret;
  /** Voucherify API keys for `voucherify-events reconcile`, created empty; no function reads it. */
  readonly voucherifyApiSecret: Secret;
  readonly ingestFunction: NodeFunction;
  readonly api: WebhookApi;
  readonly alerts: Alerts;
  readonly chat?: Chat;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: VoucherifyWebhooksStackProps = {}) {
    super(scope, id, {
      description: 'Voucherify webhook receiver: HTTP API, ingest Lambda, DynamoDB events table',
      ...props,
    });
    // 'Default' is the one construct id CDK leaves out of logical ids: every resource keeps the logical id it had
    // when the stack held them itself, so updating a deployed stack replaces nothing.
    this.receiver = new VoucherifyWebhookReceiver(this, 'Default', props);
    ({
      settings: this.settings,
      eventsTable: this.eventsTable,
      eventBodies: this.eventBodies,
      webhookSecret: this.webhookSecret,
      smokeSecret: this.smokeSecret,
      voucherifyApiSecret: this.voucherifyApiSecret,
      ingestFunction: this.ingestFunction,
      api: this.api,
      alerts: this.alerts,
      observability: this.observability,
    } = this.receiver);
    this.chat = this.receiver.chat;
  }
}
