/**
 * Named errors the core raises. Each maps to exactly one HTTP answer in `answers.ts`; none carries a secret or a
 * signature in its message.
 *
 * The idiom for every error class in the project: the name ends in `Error` and the class names itself with a literal
 * (`override name = '...'`), so logs and `errorSummary` say the same name after bundling and minifying.
 */
export class ReceiverError extends Error {
  override name = 'ReceiverError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No webhook secret is configured, so nothing can be verified. Answered 503 so Voucherify keeps the event and retries. */
export class ReceiverNotConfiguredError extends ReceiverError {
  override name = 'ReceiverNotConfiguredError';
}

/** The secret store could not be read (Secrets Manager down, no permission). Answered 503. */
export class SecretsUnavailableError extends ReceiverError {
  override name = 'SecretsUnavailableError';
}

/** The event store did not take the write (throttled, unavailable). Answered 503 so Voucherify retries. */
export class StorageUnavailableError extends ReceiverError {
  override name = 'StorageUnavailableError';
}

/** Name and message of an error and its cause, for logs: never a stack, never request or payload data. */
export function errorSummary(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? ` (cause: ${cause.cause.name}: ${cause.cause.message})` : '';
  return `${cause.name}: ${cause.message}${inner}`;
}
