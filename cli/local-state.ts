import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The local mode's state file: `npm start` writes it, and the CLI, `npm run send`, `npm run invoke` and the tools read it
 * to find a running local mode. It lives with the CLI because the CLI (which ships) reads it; local/ depends on cli/,
 * never the other way.
 */

/** Dummy credentials for the local stand-ins: they accept any, and real ones must never be sent to them. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

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
  /** The smoke's own secret (`npm run smoke -- --local` signs with it); absent in an older state file. */
  readonly smokeSecret?: string;
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

/** Whether a process is alive (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
