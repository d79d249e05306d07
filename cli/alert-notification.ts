import type { AlertFacts } from '../functions/core/alerts/facts';

/** One alert as a queue subscriber receives it. */
export interface ReceivedAlert {
  readonly messageId: string;
  readonly subject?: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** The `default` body: the versioned JSON facts. */
  readonly facts: AlertFacts;
  /** The `email` body when the emulator passed it through; real SNS sends SQS only `default`. */
  readonly email?: string;
}

/**
 * Reads an SNS notification from an SQS message body (not raw delivery). Real SNS gives an SQS subscriber the
 * `default` body of a `MessageStructure: json` publish; fauxqs 1.9 passes the whole per-protocol document through.
 * Both are read the same way here.
 */
export function parseAlertNotification(body: string): ReceivedAlert {
  const notification = JSON.parse(body) as {
    MessageId: string;
    Subject?: string | null;
    Message: string;
    MessageAttributes?: Record<string, { Type: string; Value: string }>;
  };
  const message = JSON.parse(notification.Message) as Record<string, unknown>;
  const perProtocol = typeof message.default === 'string' && typeof message.email === 'string';
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(notification.MessageAttributes ?? {})) attributes[name] = value.Value;
  return {
    messageId: notification.MessageId,
    ...(notification.Subject ? { subject: notification.Subject } : {}),
    attributes,
    facts: (perProtocol ? JSON.parse(message.default as string) : message) as AlertFacts,
    ...(perProtocol ? { email: message.email as string } : {}),
  };
}
