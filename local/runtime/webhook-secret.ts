import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSecrets } from '../../functions/adapters/secrets';

const SECRET_FILE = 'webhook-secret';

/** The development secret `npm start` generated earlier, if any (never creates one). */
export function readPersistedSecret(dir: string): string | undefined {
  return readSecretFile(dir, SECRET_FILE);
}

function readSecretFile(dir: string, name: string): string | undefined {
  try {
    return readFileSync(join(dir, name), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface WebhookSecret {
  /** The value for VOUCHERIFY_WEBHOOK_SECRET (one secret, or a JSON array during a rotation). */
  readonly value: string;
  /** The secret to sign test deliveries with: the first configured one. */
  readonly signing: string;
  readonly source: 'VOUCHERIFY_WEBHOOK_SECRET' | 'generated' | 'persisted';
}

/**
 * The webhook secret for local runs: VOUCHERIFY_WEBHOOK_SECRET when set, else a development secret generated once and
 * kept in `<dir>/webhook-secret`, so deliveries signed before a restart still verify after it.
 */
export function resolveWebhookSecret(dir: string, env: NodeJS.ProcessEnv = process.env): WebhookSecret {
  const configured = env.VOUCHERIFY_WEBHOOK_SECRET?.trim();
  if (configured) {
    const first = parseSecrets(configured)[0];
    if (first) return { value: configured, signing: first, source: 'VOUCHERIFY_WEBHOOK_SECRET' };
  }
  return persistedOrGenerated(dir, SECRET_FILE, 'local-dev-');
}

export interface SmokeSecret {
  /** The value for VOUCHERIFY_SMOKE_SECRET (the receiver's) and the one `npm run smoke -- --local` signs with. */
  readonly value: string;
  readonly source: 'VOUCHERIFY_SMOKE_SECRET' | 'generated' | 'persisted';
}

/**
 * The smoke's own secret for local runs (accepted only for smoke_ events): VOUCHERIFY_SMOKE_SECRET when set, else one
 * generated once and kept in `<dir>/smoke-secret`, as the webhook secret is.
 */
export function resolveSmokeSecret(dir: string, env: NodeJS.ProcessEnv = process.env): SmokeSecret {
  const configured = parseSecrets(env.VOUCHERIFY_SMOKE_SECRET)[0];
  if (configured) return { value: configured, source: 'VOUCHERIFY_SMOKE_SECRET' };
  return persistedOrGenerated(dir, SMOKE_SECRET_FILE, 'local-smoke-');
}

const SMOKE_SECRET_FILE = 'smoke-secret';

function persistedOrGenerated(
  dir: string,
  name: string,
  prefix: string,
): { value: string; signing: string; source: 'generated' | 'persisted' } {
  const persisted = readSecretFile(dir, name);
  if (persisted) return { value: persisted, signing: persisted, source: 'persisted' };
  const file = join(dir, name);
  const generated = `${prefix}${randomBytes(24).toString('base64url')}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${generated}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { value: generated, signing: generated, source: 'generated' };
}
