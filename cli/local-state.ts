import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseSecrets } from '../functions/adapters/secrets';
import { isProcessAlive } from '../local/runtime/net';

/** Where the local mode keeps its data, generated secret and state file (git-ignored). LOCAL_DIR overrides it. */
export function localDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.LOCAL_DIR?.trim() || join(__dirname, '..', '.local'));
}

/** What a running `npm start` tells `npm run send` and `npm run invoke`. */
export interface LocalModeState {
  /** The webhook URL, path included. */
  readonly url: string;
  /** The secret to sign with (the first one, when several are configured). */
  readonly secret: string;
  readonly endpoint: string;
  readonly table: string;
  readonly region: string;
  /** fauxqs (SNS and SQS) and the alert topic in it; absent in a state file written before the alerts path existed. */
  readonly snsEndpoint?: string;
  readonly topicArn?: string;
  readonly pid: number;
  readonly inMemory: boolean;
  readonly startedAt: string;
}

const STATE_FILE = 'local-mode.json';
const SECRET_FILE = 'webhook-secret';

export function writeState(dir: string, state: LocalModeState): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, STATE_FILE);
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** The state of a local mode whose process is still alive, or undefined (no file, unreadable, or left by a crash). */
export function readState(dir: string): LocalModeState | undefined {
  let parsed: Partial<LocalModeState>;
  try {
    parsed = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as Partial<LocalModeState>;
  } catch {
    return undefined;
  }
  const complete =
    typeof parsed.url === 'string' &&
    typeof parsed.secret === 'string' &&
    typeof parsed.endpoint === 'string' &&
    typeof parsed.table === 'string' &&
    typeof parsed.pid === 'number';
  if (!complete || !isProcessAlive(parsed.pid as number)) return undefined;
  return parsed as LocalModeState;
}

/** Removes the state file if it is the one `pid` wrote. */
export function removeState(dir: string, pid: number): void {
  const file = join(dir, STATE_FILE);
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalModeState>;
    if (state.pid === pid) rmSync(file, { force: true });
  } catch {
    // Nothing to remove.
  }
}

/** The development secret `npm start` generated earlier, if any (never creates one). */
export function readPersistedSecret(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, SECRET_FILE), 'utf8').trim() || undefined;
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
  const persisted = readPersistedSecret(dir);
  if (persisted) return { value: persisted, signing: persisted, source: 'persisted' };
  const file = join(dir, SECRET_FILE);
  const generated = `local-dev-${randomBytes(24).toString('base64url')}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${generated}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { value: generated, signing: generated, source: 'generated' };
}
