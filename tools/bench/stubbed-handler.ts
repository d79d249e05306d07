import { spawn } from 'node:child_process';
import type { HttpApiHandler } from '../../local/runtime/server';
import { BENCH_SECRET } from './payloads';

/** The stub endpoint did not come up. */
export class StubEndpointError extends Error {
  override name = 'StubEndpointError';
}

/**
 * A stand-in for DynamoDB that answers every request with the empty 200 a successful PutItem gets, in a process of its
 * own: the handler under test then does all of its real work (SDK marshalling, SigV4 signing, the HTTP exchange on a
 * socket) while none of the stand-in's work lands on this process's CPU clock.
 */
const STUB_SERVER = `
const server = require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}'));
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + server.address().port + '\\n'));
process.stdin.on('end', () => process.exit(0)).resume();
`;

export interface StubbedHandler {
  /** The deployed ingest handler (functions/ingest/handler.ts as the stack bundles it, here run from source). */
  readonly handler: HttpApiHandler;
  /** Runs `work` with this process's stdout swallowed (the handler's log and metric lines), counting the bytes. */
  quietly<T>(work: () => Promise<T>): Promise<T>;
  /** Bytes the handler wrote to stdout inside `quietly` so far. */
  stdoutBytes(): number;
  stop(): void;
}

/**
 * Loads the deployed ingest handler module with its DynamoDB client pointed at a stub endpoint. Once per process: the
 * module reads its settings when first required, as on a cold start.
 */
export async function stubbedIngestHandler(): Promise<StubbedHandler> {
  const child = spawn(process.execPath, ['-e', STUB_SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /PORT (\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new StubEndpointError(`the stub DynamoDB endpoint exited with ${code}`)));
  });
  // require, not import: loadIngestHandler must set the environment before the handler module is evaluated.
  const { loadIngestHandler } = require('../../local/runtime/handler') as typeof import('../../local/runtime/handler');
  const handler = loadIngestHandler({
    dynamodbEndpoint: `http://127.0.0.1:${port}`,
    tableName: 'bench-events',
    webhookSecret: BENCH_SECRET,
  });

  let bytes = 0;
  return {
    handler,
    async quietly(work) {
      const write = process.stdout.write;
      process.stdout.write = ((chunk: string | Uint8Array) => {
        bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
        return true;
      }) as typeof process.stdout.write;
      try {
        return await work();
      } finally {
        process.stdout.write = write;
      }
    },
    stdoutBytes: () => bytes,
    stop: () => {
      child.stdin.end();
    },
  };
}
