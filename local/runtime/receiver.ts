import { startServices, stopServices } from './services';
import { type LocalStackParts, localStack } from './stack';
import type { StreamPollerOptions } from './stream-poller';

export interface LocalReceiverOptions {
  readonly tableName: string;
  readonly webhookSecret: string;
  /** The alert topic's name; `createAlertTopic`'s default when absent. */
  readonly topicName?: string;
  /** The queue subscribed to the alert topic, to read the alerts from. */
  readonly queueName: string;
  /** Handed to the stream poller. */
  readonly onGiveUp?: StreamPollerOptions['onGiveUp'];
  readonly log?: StreamPollerOptions['log'];
}

export interface LocalReceiver extends LocalStackParts {
  /** Stops everything, newest first. */
  stop(): Promise<void>;
}

/**
 * The local stack (stack.ts) as the scripts that measure it want it (storm, alerts-latency): in memory, on free ports,
 * started before it returns. If a piece fails to start, what was started is stopped and the error rethrown.
 */
export async function startLocalReceiver(options: LocalReceiverOptions): Promise<LocalReceiver> {
  const stack = localStack({
    tableName: options.tableName,
    webhookSecret: options.webhookSecret,
    queueName: options.queueName,
    ...(options.topicName ? { topicName: options.topicName } : {}),
    ...(options.onGiveUp ? { onGiveUp: options.onGiveUp } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  await startServices(stack.services);
  return { ...stack.parts(), stop: () => stopServices(stack.services) };
}
