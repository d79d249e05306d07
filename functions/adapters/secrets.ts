import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsUnavailableError } from '../core/shared/errors';
import type { SecretSource } from '../core/shared/ports';

/**
 * Reads the webhook secret setting: either one secret as a plain string, or a JSON array of strings when several are
 * active during a rotation. Blank, `[]` or the stack's placeholder mean "not configured".
 */
export function parseSecrets(value: string | undefined): string[] {
  const text = value?.trim() ?? '';
  if (text === '') return [];
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SecretsUnavailableError('the webhook secret looks like a JSON array but is not valid JSON');
    }
    if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) {
      throw new SecretsUnavailableError('the webhook secret must be a string or a JSON array of strings');
    }
    return parsed.map((s: string) => s.trim()).filter((s) => s !== '');
  }
  return [text];
}

/** Secrets from a fixed value (the `VOUCHERIFY_WEBHOOK_SECRET` variable in local mode and tests). */
export function staticSecrets(value: string | undefined): SecretSource {
  const secrets = parseSecrets(value);
  return { get: async () => secrets };
}

export interface SecretsManagerSourceOptions {
  /** How long a read value is trusted before it is read again. */
  readonly cacheSeconds?: number;
  /** Minimum gap between re-reads forced by signature mismatches (so bad requests cannot hammer Secrets Manager). */
  readonly refreshAfterMismatchSeconds?: number;
  readonly now?: () => number;
}

/**
 * Secrets from AWS Secrets Manager, read once and cached (5 minutes by default). A failed read is not cached, so the
 * receiver recovers by itself when Secrets Manager comes back.
 */
export class SecretsManagerSource implements SecretSource {
  private cached?: { secrets: readonly string[]; readAtMs: number };
  private inFlight?: Promise<readonly string[]>;
  private readonly cacheMs: number;
  private readonly refreshGapMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    options: SecretsManagerSourceOptions = {},
  ) {
    this.cacheMs = (options.cacheSeconds ?? 300) * 1000;
    this.refreshGapMs = (options.refreshAfterMismatchSeconds ?? 30) * 1000;
    this.now = options.now ?? Date.now;
  }

  async get(): Promise<readonly string[]> {
    // Nothing configured yet is re-checked often, so setting the secret takes effect within the refresh gap.
    const ttl = this.cached?.secrets.length === 0 ? this.refreshGapMs : this.cacheMs;
    if (this.cached && this.now() - this.cached.readAtMs < ttl) return this.cached.secrets;
    return this.read();
  }

  async refresh(): Promise<boolean> {
    if (this.cached && this.now() - this.cached.readAtMs < this.refreshGapMs) return false;
    const before = this.cached?.secrets;
    const after = await this.read();
    return before === undefined || before.join('\u0000') !== after.join('\u0000');
  }

  private read(): Promise<readonly string[]> {
    this.inFlight ??= this.client
      .send(new GetSecretValueCommand({ SecretId: this.secretId }))
      .then(
        (result) => {
          const secrets = parseSecrets(result.SecretString);
          this.cached = { secrets, readAtMs: this.now() };
          return secrets;
        },
        (cause: unknown) => {
          if (cause instanceof SecretsUnavailableError) throw cause;
          throw new SecretsUnavailableError('could not read the webhook secret from Secrets Manager', { cause });
        },
      )
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
