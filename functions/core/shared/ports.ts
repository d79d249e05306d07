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

/**
 * Where a body too large for its item is kept, beside the item (an S3 object in AWS, s3rver locally). The item holds
 * the reference `put` returns; {@link readStoredBody} reads through it, so every reader sees the body the same way.
 * Bytes in and out are the stored (encoded) form; the item's `bodyEncoding` says how to decode them.
 */
export interface BodyStore {
  /**
   * Writes the bytes of event `eventId`'s body and returns the reference to keep in its item. The place depends on
   * the event id and the bytes only (see overflowBodyKey): writing the same again is harmless, and nothing written
   * for one event can replace another event's body. Throws `StorageUnavailableError` when the write did not happen.
   */
  put(eventId: string, bytes: Buffer): Promise<string>;
  /** The bytes a reference points at. Throws `StoredBodyMissingError` when there are none (expired or erased). */
  get(ref: string): Promise<Buffer>;
  /** Removes the bytes a reference points at (nothing when there are none). */
  delete(ref: string): Promise<void>;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured logging: a message and flat fields. Never given payloads, names, emails, secrets or signatures. */
export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}
