import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalModeState, readState } from '../../cli/local-state';
import { freePort } from '../../local/runtime/net';

const ROOT = join(__dirname, '..', '..');

/** `npm start -- --in-memory` as a child process, as a user runs it: its own DynamoDB Local, fauxqs and state file. */
export interface LocalModeProcess {
  readonly state: LocalModeState;
  /** The environment that finds it: PORT and LOCAL_DIR (what `npm run smoke -- --local` reads). */
  readonly env: NodeJS.ProcessEnv;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** The environment of a child: no real AWS settings, so nothing can reach an account. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

/** Starts the local mode on a free port in a temporary LOCAL_DIR and waits until its state file says it is ready. */
export async function startLocalModeProcess(secret: string, timeoutMs = 90_000): Promise<LocalModeProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'local-mode-'));
  const port = await freePort();
  const env = childEnv({ PORT: String(port), LOCAL_DIR: dir, VOUCHERIFY_WEBHOOK_SECRET: secret });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', '--in-memory'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = readState(dir);
    if (state && state.pid === child.pid) return { state, env, output: () => output, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not become ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an npm script's entry (`cli/smoke.ts`, say) with tsx, as `npm run` does, and returns how it ended. */
export function runTool(entry: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', entry, ...args],
      { cwd: ROOT, env, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
