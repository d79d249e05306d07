import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbEventStore } from '../../functions/adapters/dynamodb-event-store';
import type { EventRecord } from '../../functions/core/shared/event-record';
import { localAwsEnv } from '../../local/runtime/aws-env';
import { E2E_READY_PREFIX } from './e2e-server';
import { percentile } from './measure';
import { deliveryHeaders, type Payload, SEED_NAMES, uniquePayload } from './payloads';
import { itemRecordOf } from './steps';

/** The end-to-end run could not start its server or got answers other than 202. */
export class EndToEndError extends Error {
  override name = 'EndToEndError';
}

export interface Throughput {
  readonly requests: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Fresh events, alternating the two seeds, each with its own id so every request is a first delivery. */
export function freshPayloads(count: number, tag: string): Payload[] {
  return Array.from({ length: count }, (_, i) =>
    uniquePayload(SEED_NAMES[i % SEED_NAMES.length] as (typeof SEED_NAMES)[number], `evbench_${tag}_${i}`),
  );
}

/** Runs `work` on every item with at most `concurrency` in flight; returns each item's latency and the total time. */
async function drive<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<Throughput> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      const sent = performance.now();
      await work(item);
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  return {
    requests: items.length,
    perSecond: (items.length / elapsedMs) * 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** The receiver behind the local HTTP server, in a process of its own. */
export interface E2EServer {
  readonly origin: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startE2EServer(bundle: string, dynamodbEndpoint: string, tableName: string): Promise<E2EServer> {
  const child: ChildProcess = spawn(process.execPath, [bundle], {
    env: {
      PATH: process.env.PATH,
      ...localAwsEnv(dynamodbEndpoint),
      LOG_LEVEL: 'info',
      BENCH_E2E_INPUT: JSON.stringify({ dynamodbEndpoint, tableName }),
    },
    // stdin stays open until this process ends: the server exits when it closes (see e2e-server.ts).
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const origin = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((l) => l.startsWith(E2E_READY_PREFIX));
      if (!line) return;
      // The handler's log lines keep coming: drop them unread so the pipe never fills and stalls the server.
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve(line.slice(E2E_READY_PREFIX.length).trim());
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new EndToEndError(`the e2e server exited with ${code}\n${stderr.slice(-2000)}`)),
    );
  });
  return {
    origin,
    pid: child.pid as number,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** POSTs every payload to the receiver through the local HTTP server, keep-alive, `concurrency` at a time. */
export async function driveReceiver(
  url: string,
  payloads: readonly Payload[],
  concurrency: number,
): Promise<Throughput> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const post = (payload: Payload) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { ...deliveryHeaders(payload), 'content-length': String(payload.body.length) },
        },
        (res) => {
          res.resume();
          // 200 is a first delivery too: on a loaded machine the SDK's request timeout can fire after DynamoDB Local
          // stored the item, and the retry finds it (stored once, answered as a duplicate).
          res.once('end', () =>
            res.statusCode === 202 || res.statusCode === 200
              ? resolve()
              : reject(new EndToEndError(`${payload.eventId}: answered ${res.statusCode}, expected 202`)),
          );
        },
      );
      req.once('error', reject);
      req.end(payload.body);
    });
  try {
    return await drive(payloads, concurrency, post);
  } finally {
    agent.destroy();
  }
}

/** The items the receiver would store for these payloads, built ahead so that timing covers only the writes. */
export function recordsOf(payloads: readonly Payload[]): EventRecord[] {
  return payloads.map((payload) => itemRecordOf(payload));
}

/** The ceiling: the same conditional PutItem the receiver makes, with the same items, straight to DynamoDB Local. */
export async function drivePutItem(
  client: DynamoDBClient,
  tableName: string,
  records: readonly EventRecord[],
  concurrency: number,
): Promise<Throughput> {
  const store = new DynamoDbEventStore(client, tableName);
  return drive(records, concurrency, async (record) => {
    if ((await store.putIfAbsent(record)) !== 'created') throw new EndToEndError(`${record.eventId} already existed`);
  });
}

let ticksPerSecond: number | undefined;

/**
 * CPU milliseconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. Lets the
 * benchmark say where the CPU of a run went: on 2 cores, the receiver, DynamoDB Local and the load generator compete.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    // Fields 14 and 15 of /proc/<pid>/stat, counted after the command name (which may contain spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
  } catch {
    return undefined;
  }
}
