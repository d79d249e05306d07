/**
 * `npm start`: the receiver on this machine. Starts DynamoDB Local (data in .local/ unless --in-memory), creates the
 * events table as the stack does, and serves the deployed Lambda handler at http://127.0.0.1:3000/webhooks/voucherify
 * behind a small HTTP server that plays API Gateway. The alerts path runs too: fauxqs (SNS/SQS) in this process, the
 * table's stream read as Lambda's event source mapping would and handed to the deployed alerts handler, and a queue
 * subscribed to the alert topic drained to the console. Ctrl-C stops everything it started.
 *
 * Environment: PORT (3000), HOST (127.0.0.1), DYNAMODB_PORT (a free one), TABLE_NAME (voucherify-events),
 * VOUCHERIFY_WEBHOOK_SECRET (else a generated development secret), LOCAL_IN_MEMORY=1, LOCAL_DIR (.local), and the
 * handler's own MAX_BODY_BYTES, RETENTION_DAYS, LOG_LEVEL, WEBHOOK_PATH; SNS_PORT (a free one) and INCLUDE_CUSTOMER_EMAIL
 * for the alerts; LOG_FORMAT=json (same as --verbose).
 *
 * The console shows the readable lines (each request and its outcome, each alert's outcome and its email text, and
 * the functions' warnings and errors in one line each); --verbose adds the functions' raw JSON log and EMF lines, as
 * CloudWatch Logs would hold them (local/runtime/console.ts).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type LocalModeState, localDir, readState, removeState, writeState } from '../cli/local-state';
import { EVENTS_TABLE } from '../functions/adapters/table';
import { alertsConsoleService, LOCAL_ALERTS_CONSOLE_QUEUE_NAME, LOCAL_ALERTS_DLQ_NAME } from './runtime/alerts';
import { LOCAL_REGION } from './runtime/aws-env';
import { chatConsoleService, LOCAL_CHAT_CONSOLE_QUEUE_NAME, LOCAL_CHAT_TOPIC_NAME } from './runtime/chat';
import { routeFunctionOutput, wantsRawLines } from './runtime/console';
import { JavaMissingError } from './runtime/dynamodb-local';
import { LOCAL_TABLE_NAME } from './runtime/events-table';
import { watchLauncher } from './runtime/launcher-watch';
import { canConnect } from './runtime/net';
import { type LocalService, startServices, stopServices } from './runtime/services';
import { localStack } from './runtime/stack';
import { sweepIntervalMs } from './runtime/sweep';
import {
  resolveSmokeSecret,
  resolveWebhookSecret,
  type SmokeSecret,
  type WebhookSecret,
} from './runtime/webhook-secret';

const USAGE = `Usage: npm start [-- --in-memory] [-- --verbose]

Runs the webhook receiver locally on DynamoDB Local (needs Java 17+).
  --in-memory   keep no data between runs (same as LOCAL_IN_MEMORY=1)
  --verbose     also print the functions' raw JSON log lines and EMF metric lines (same as LOG_FORMAT=json)
Environment: PORT, HOST, DYNAMODB_PORT, SNS_PORT, TABLE_NAME, VOUCHERIFY_WEBHOOK_SECRET, VOUCHERIFY_SMOKE_SECRET,
LOCAL_DIR, MAX_BODY_BYTES, LOG_LEVEL, LOG_FORMAT, INCLUDE_CUSTOMER_EMAIL; cases: ALERT_BURST_LIMIT (10),
ALERT_BURST_WINDOW_MINUTES (15), CASE_REMINDER_HOURS (24, 0 off), CASE_SWEEP_INTERVAL_SECONDS (15: how often the
scheduled case function runs)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'in-memory': { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // The SDK's Node 20 end-of-support notice says nothing about the local mode; keep the output readable.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const env = process.env;
  // Before any function is loaded: from here on their lines go through the console routing.
  routeFunctionOutput({ verbose: values.verbose === true || wantsRawLines(env) });
  const inMemory = values['in-memory'] === true || /^(1|true|yes)$/i.test(env.LOCAL_IN_MEMORY ?? '');
  const dir = localDir(env);
  const port = portSetting('PORT', 3000);
  const dynamodbPort = env.DYNAMODB_PORT ? portSetting('DYNAMODB_PORT', 0) : undefined;
  const host = env.HOST?.trim() || '127.0.0.1';
  const table = env.TABLE_NAME?.trim() || LOCAL_TABLE_NAME;

  // A live pid alone could be a reused one after a crash: only an answering DynamoDB makes it a running local mode.
  const other = readState(dir);
  if (other && (await canConnect(other.endpoint))) {
    throw new Error(
      `a local mode is already running (pid ${other.pid}, ${other.url}); stop it first (Ctrl-C there, or kill ${other.pid}).`,
    );
  }
  const secret = resolveWebhookSecret(dir, env);
  const smokeSecret = resolveSmokeSecret(dir, env);
  const snsPort = env.SNS_PORT ? portSetting('SNS_PORT', 0) : undefined;

  // The local stack's services, then the console that prints the alerts.
  const printError = (text: string) => console.error(text);
  const stack = localStack({
    tableName: table,
    webhookSecret: secret.value,
    smokeSecret: smokeSecret.value,
    dynamodb: {
      ...(dynamodbPort ? { port: dynamodbPort } : {}),
      ...(inMemory ? {} : { dataDir: join(dir, 'dynamodb') }),
    },
    ...(inMemory ? {} : { s3Dir: join(dir, 's3') }),
    http: { port, host, log: (line) => console.log(`[receiver] ${line}`) },
    ...(snsPort ? { snsPort } : {}),
    queueName: LOCAL_ALERTS_CONSOLE_QUEUE_NAME,
    chat: { topicName: LOCAL_CHAT_TOPIC_NAME, queueName: LOCAL_CHAT_CONSOLE_QUEUE_NAME },
    dlqName: LOCAL_ALERTS_DLQ_NAME,
    onGiveUp: (records, reason, given) =>
      printError(
        `[alerts] gave up on ${records.length} stream record(s) (${reason}); the DLQ ${LOCAL_ALERTS_DLQ_NAME} ` +
          `got a message describing the batch (shard ${given.batch.shardId}, sequence numbers ` +
          `${given.batch.startSequenceNumber}..${given.batch.endSequenceNumber}); events: ` +
          records.map((r) => r.dynamodb?.Keys?.[EVENTS_TABLE.partitionKey]?.S ?? '?').join(', '),
      ),
    log: (line) => printError(`[alerts] ${line}`),
    sweepIntervalMs: sweepIntervalMs(env),
    onSweepError: (error) =>
      printError(
        `[sweep] run failed (the next run tries again): ${error instanceof Error ? error.message : String(error)}`,
      ),
    onTable: (result) => {
      console.log(result.created ? `created table ${table}` : `using existing table ${table}`);
      for (const warning of result.warnings) {
        console.warn(`warning: table ${table}: ${warning}. Delete ${join(dir, 'dynamodb')} to start afresh.`);
      }
    },
    onDynamoDbExit: (description) => {
      // Ctrl-C in a terminal reaches Java too; give our own signal handler a moment to claim the shutdown.
      setTimeout(() => {
        if (!stopping) void fail(`DynamoDB Local stopped unexpectedly: ${description}`);
      }, 250);
    },
  });
  const services: LocalService[] = [
    ...stack.services,
    alertsConsoleService({
      queue: () => stack.parts(),
      print: (text) => console.log(text),
      printError,
    }),
    chatConsoleService({
      queue: () => {
        const { snsEndpoint, chat } = stack.parts();
        if (!chat) throw new Error('internal: the local stack was started without its chat topic');
        return { snsEndpoint, queueUrl: chat.queueUrl };
      },
      print: (text) => console.log(text),
      printError,
    }),
  ];

  let stopping = false;
  // Every service's stop is safe before or during its start, so a signal in the middle of starting up stops all.
  const stop = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    removeState(dir, process.pid);
    await stopServices(services);
    process.exit(exitCode);
  };
  const fail = async (message: string) => {
    console.error(`\n${message}`);
    await stop(1);
  };
  let firstSignalAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (stopping) {
        // One Ctrl-C can arrive twice (from the terminal and relayed by a wrapper such as npm or tsx): only a second
        // press, a moment later, forces the exit. The exit still kills Java (see startDynamoDbLocal).
        if (Date.now() - firstSignalAt < 1_500) return;
        console.error(`\n${signal} again: forcing exit`);
        process.exit(130);
      }
      firstSignalAt = Date.now();
      console.log(`\n${signal}: stopping…`);
      void stop(0);
    });
  }

  await startServices(services);
  watchLauncher(() => {
    console.log('\nthe process that started this one has exited: stopping…');
    void stop(0);
  });
  const parts = stack.parts();
  const state: LocalModeState = {
    url: parts.url,
    secret: secret.signing,
    smokeSecret: smokeSecret.value,
    endpoint: parts.dynamodbEndpoint,
    table,
    region: LOCAL_REGION,
    // Where the alerts path runs (`npm run smoke -- --local` reads it).
    snsEndpoint: parts.snsEndpoint,
    topicArn: parts.topicArn,
    pid: process.pid,
    inMemory,
    startedAt: new Date().toISOString(),
  };
  writeState(dir, state);
  const alertsBanner = [
    `  SNS/SQS (fauxqs) ${parts.snsEndpoint}`,
    `  alert topic      ${parts.topicArn}`,
    `  alerts DLQ       ${parts.dlqUrl ?? ''}`,
    `                   (alerts from the table's stream are printed here as their email text)`,
    `  chat topic       ${parts.chat?.topicArn ?? ''}`,
    `                   (each message for Slack/Teams is printed as one [chat] line)`,
    `  case sweep       every ${sweepIntervalMs(env) / 1000} s (digests, reminders; CASE_SWEEP_INTERVAL_SECONDS)`,
  ].join('\n');
  printBanner(state, { webhook: secret, smoke: smokeSecret }, dir, parts.dynamodbLocal.pid, alertsBanner);
}

function printBanner(
  state: LocalModeState,
  secrets: { readonly webhook: WebhookSecret; readonly smoke: SmokeSecret },
  dir: string,
  javaPid: number,
  alertsBanner: string,
): void {
  // A secret the user gave in the environment may be a real one: never echoed (it would land in terminal scrollback
  // and CI logs). A generated development secret is shown, so a curl can be signed with it.
  const secretNote =
    secrets.webhook.source === 'VOUCHERIFY_WEBHOOK_SECRET'
      ? '(from VOUCHERIFY_WEBHOOK_SECRET; not shown)'
      : `${state.secret}\n                   (generated for development, kept in ${join(dir, 'webhook-secret')})`;
  const smokeNote =
    secrets.smoke.source === 'VOUCHERIFY_SMOKE_SECRET'
      ? '(from VOUCHERIFY_SMOKE_SECRET; not shown)'
      : `kept in ${join(dir, 'smoke-secret')} (npm run smoke -- --local signs with it; smoke_ events only)`;
  const storage = state.inMemory ? 'in memory (gone when you stop)' : `persisted in ${join(dir, 'dynamodb')}`;
  console.log(`
Voucherify webhook receiver, running locally
  webhook URL      ${state.url}
  webhook secret   ${secretNote}
  smoke secret     ${smokeNote}
  DynamoDB Local   ${state.endpoint}   (pid ${javaPid}, data ${storage})
  table            ${state.table}
${alertsBanner}

Send a signed sample event:
  npm run send -- fixtures/redemption.rollback.failed.json
Run the Lambda handler once, without the HTTP server:
  npm run invoke -- fixtures/redemption.failed.json
Look at what is stored (finds this local mode by itself):
  npx voucherify-events list

Ctrl-C stops the receiver, the alerts, fauxqs and DynamoDB Local.
`);
}

function portSetting(name: string, fallback: number): number {
  const text = process.env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65_535)
    throw new Error(`${name} must be a port number, got "${text}"`);
  return value;
}

main().catch((error: unknown) => {
  if (error instanceof JavaMissingError) console.error(`\n${error.message}\n`);
  else console.error(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
