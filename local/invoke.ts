/**
 * `npm run invoke -- <file> [--secret S] [--raw] [--event-out event.json]`: runs the ingest Lambda handler in this
 * process with the API Gateway event for a signed delivery of the file, as `sam local invoke` would (no Docker), and
 * prints the result. Uses the running `npm start`'s DynamoDB and table, else an in-memory DynamoDB Local for this run.
 * Exits 1 on a 5xx result.
 */
import { parseArgs } from 'node:util';
import { localDir } from '../cli/local-state';
import { invokeFile } from './runtime/invoke';

const USAGE = `Usage: npm run invoke -- <file.json> [--secret SECRET] [--raw] [--event-out event.json]

Runs functions/ingest/handler.ts once with an API Gateway (HTTP API, payload 2.0) event for the signed file.
  --secret      sign with this secret instead of the receiver's (e.g. to see a 401)
VOUCHERIFY_WEBHOOK_SECRET, when set, is the receiver's secret for this run (even with npm start running).
  --raw         use the file's bytes as they are (no compacting)
  --event-out   also write the event to this file (usable with \`sam local invoke -e\`)`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      secret: { type: 'string' },
      raw: { type: 'boolean' },
      'event-out': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help || positionals.length !== 1) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  // The SDK's Node 20 end-of-support notice says nothing about this run; keep the output readable.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const outcome = await invokeFile({
    file: positionals[0] as string,
    dir: localDir(),
    ...(values.secret ? { secret: values.secret } : {}),
    ...(values.raw ? { raw: true } : {}),
    ...(values['event-out'] ? { eventOut: values['event-out'] } : {}),
    log: (line) => console.log(line),
  });
  for (const warning of outcome.warnings) console.warn(`warning: ${warning}`);
  const { endpoint, table, startedForThisRun } = outcome.dynamodb;
  console.log(
    `DynamoDB: ${endpoint}, table ${table}${startedForThisRun ? ' (in memory, discarded now)' : ' (the running local mode)'}`,
  );
  if (values['event-out']) console.log(`API Gateway event written to ${values['event-out']}`);

  const { result } = outcome;
  let body: unknown = result.body;
  try {
    body = JSON.parse(result.body ?? '');
  } catch {
    // Not JSON: print as is.
  }
  console.log('Lambda result:');
  console.log(JSON.stringify({ ...result, body }, null, 2));
  return (result.statusCode ?? 200) >= 500 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
