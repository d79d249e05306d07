/**
 * Runs in its own process during the end-to-end benchmark (bundled by the benchmark, never imported): the local HTTP
 * server of `npm start` (local/runtime/server.ts) in front of the deployed ingest handler, on DynamoDB Local. A process
 * of its own, so that the load generator and the receiver do not share one JavaScript thread, as they do not in AWS.
 * Input (BENCH_E2E_INPUT, JSON): the DynamoDB Local endpoint and the table name.
 */
import { DEFAULT_INGEST_CONFIG } from '../../functions/core/ingest/ingest';
import { loadIngestHandler } from '../../local/runtime/handler';
import { startLocalServer } from '../../local/runtime/server';
import { BENCH_SECRET } from './payloads';

export const E2E_READY_PREFIX = 'BENCH_E2E_READY ';

interface ServerInput {
  readonly dynamodbEndpoint: string;
  readonly tableName: string;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env.BENCH_E2E_INPUT ?? '{}') as ServerInput;
  const handler = loadIngestHandler({ ...input, webhookSecret: BENCH_SECRET });
  const server = await startLocalServer({ handler, port: 0, maxBodyBytes: DEFAULT_INGEST_CONFIG.maxBodyBytes });
  process.stdout.write(`${E2E_READY_PREFIX}${server.origin}\n`);
  const stop = () => void server.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  // The benchmark holds our stdin open: when it ends, the benchmark is gone (even killed), and so is our reason to run.
  process.stdin.once('end', stop);
  process.stdin.resume();
}

// Only the bundled server, started with its input, runs; importing this file for its constant does nothing.
if (process.env.BENCH_E2E_INPUT) {
  main().catch((error: unknown) => {
    process.stderr.write(`e2e server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
