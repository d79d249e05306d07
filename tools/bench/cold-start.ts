import { spawn } from 'node:child_process';
import { localAwsEnv } from '../../local/runtime/aws-env';
import { COLD_RESULT_PREFIX, type ColdResult } from './cold-harness';
import { apiGatewayEventOf, type Payload, uniquePayload } from './payloads';
import { itemRecordOf } from './steps';

/** A cold start that did not produce a result line (the bundle threw, the handler failed, the process crashed). */
export class ColdStartError extends Error {
  override name = 'ColdStartError';
}

export interface ColdVariant {
  readonly label: string;
  /** Absolute path of the bundle to load. */
  readonly bundle: string;
  /** NODE_OPTIONS for the process, as the function's environment would set it. */
  readonly nodeOptions: string;
  /**
   * What the bundle's handler takes: `receiver`, API Gateway events (the ingest function); `sdk-only`, the record to
   * store (tools/bench/sdk-only-handler.ts).
   * @default 'receiver'
   */
  readonly kind?: 'receiver' | 'sdk-only';
}

export interface ColdRun extends ColdResult {
  /** From spawn to exit, as seen by the parent: node's boot and teardown included. */
  readonly processMs: number;
}

export interface ColdStartOptions {
  readonly harness: string;
  readonly runs: number;
  readonly dynamodbEndpoint: string;
  readonly tableName: string;
  /** Where the functions read the webhook secret from, as in AWS (WEBHOOK_SECRET_ARN and a GetSecretValue). */
  readonly secretsManager: { readonly endpoint: string; readonly secretArn: string };
}

/**
 * Cold-starts every variant `runs` times, interleaved (A B C A B C ...) so that outside load hits them alike. Each run
 * is a fresh `node` with only the environment a Lambda function of this stack would have, pointed at DynamoDB Local.
 */
export async function runColdStarts(
  variants: readonly ColdVariant[],
  options: ColdStartOptions,
): Promise<Map<string, ColdRun[]>> {
  const results = new Map<string, ColdRun[]>(variants.map((v) => [v.label, []]));
  for (let run = 0; run < options.runs; run++) {
    for (const [index, variant] of variants.entries()) {
      const events = (['redemption.rollback.failed', 'redemption.failed'] as const).map((seed, n) =>
        eventFor(variant, uniquePayload(seed, `evbench_cold_${process.pid}_${run}_${index}_${n}`)),
      );
      results.get(variant.label)?.push(await coldStart(variant, events, options));
    }
  }
  return results;
}

function eventFor(variant: ColdVariant, payload: Payload): unknown {
  if (variant.kind !== 'sdk-only') return apiGatewayEventOf(payload);
  const record = itemRecordOf(payload);
  return { ...record, body: record.body.toString('base64') };
}

function coldStart(variant: ColdVariant, events: readonly unknown[], options: ColdStartOptions): Promise<ColdRun> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ...localAwsEnv(options.dynamodbEndpoint),
    TABLE_NAME: options.tableName,
    WEBHOOK_SECRET_ARN: options.secretsManager.secretArn,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: options.secretsManager.endpoint,
    LOG_LEVEL: 'info',
    NODE_OPTIONS: variant.nodeOptions,
    BENCH_COLD_INPUT: JSON.stringify({ bundle: variant.bundle, events }),
  };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [options.harness], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const processMs = performance.now() - started;
      const line = stdout.split('\n').find((l) => l.startsWith(COLD_RESULT_PREFIX));
      if (code !== 0 || !line) {
        reject(new ColdStartError(`${variant.label}: exit code ${code}\n${stderr.slice(-2000)}`));
        return;
      }
      const result = JSON.parse(line.slice(COLD_RESULT_PREFIX.length)) as ColdResult;
      // 200: stored by an attempt the SDK retried after its timeout on a loaded machine (see driveReceiver).
      if (result.statusCodes.some((status) => status !== 202 && status !== 200)) {
        reject(
          new ColdStartError(`${variant.label}: answered ${result.statusCodes.join(', ')}, expected 202\n${stdout}`),
        );
        return;
      }
      resolve({ ...result, processMs });
    });
  });
}
