import type { EventRecord } from './event-record';

/**
 * Where the webhook secrets come from (Secrets Manager in AWS, an environment variable locally).
 * `get` throws `SecretsUnavailableError` when the store cannot be read, and may return an empty list when nothing is
 * configured yet.
 */
export interface SecretSource {
  get(): Promise<readonly string[]>;
  /**
   * Re-reads the secrets if the cached copy may be stale (called after a signature mismatch, so a newly added secret
   * works without waiting for the cache to expire). Resolves to `true` when the list changed. Optional.
   */
  refresh?(): Promise<boolean>;
}

/** Outcome of storing an event: `created` on the first delivery, `exists` when the event id was already stored. */
export type PutOutcome = 'created' | 'exists';

/** Stores each event once. Throws `StorageUnavailableError` when the write did not happen. */
export interface EventStore {
  putIfAbsent(record: EventRecord): Promise<PutOutcome>;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured logging: a message and flat fields. Never given payloads, names, emails, secrets or signatures. */
export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}
