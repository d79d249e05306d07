/**
 * Named errors the core raises. Each maps to exactly one HTTP answer in `answers.ts`; none carries a secret or a
 * signature in its message.
 */
export class ReceiverError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No webhook secret is configured, so nothing can be verified. Answered 503 so Voucherify keeps the event and retries. */
export class ReceiverNotConfiguredError extends ReceiverError {}

/** The secret store could not be read (Secrets Manager down, no permission). Answered 503. */
export class SecretsUnavailableError extends ReceiverError {}

/** The event store did not take the write (throttled, unavailable). Answered 503 so Voucherify retries. */
export class StorageUnavailableError extends ReceiverError {}
