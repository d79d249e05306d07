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
import { readIngestSettings } from '../functions/core/config';
import { localAlertsServices } from './runtime/alerts';
import { LOCAL_REGION, localDynamoDbClient } from './runtime/aws-env';
import { routeFunctionOutput, wantsRawLines } from './runtime/console';
import { type DynamoDbLocal, JavaMissingError, startDynamoDbLocal } from './runtime/dynamodb-local';
import { ensureEventsTable, LOCAL_TABLE_NAME } from './runtime/events-table';
import { loadIngestHandler } from './runtime/handler';
import { watchLauncher } from './runtime/launcher-watch';
import { canConnect } from './runtime/net';
import { type LocalServer, startLocalServer } from './runtime/server';
import { type LocalService, startServices, stopServices } from './runtime/services';
import {
  type LocalModeState,
  localDir,
  readState,
  removeState,
  resolveWebhookSecret,
  writeState,
} from './runtime/state';

const USAGE = `Usage: npm start [-- --in-memory] [-- --verbose]

Runs the webhook receiver locally on DynamoDB Local (needs Java 17+).
  --in-memory   keep no data between runs (same as LOCAL_IN_MEMORY=1)
  --verbose     also print the functions' raw JSON log lines and EMF metric lines (same as LOG_FORMAT=json)
Environment: PORT, HOST, DYNAMODB_PORT, SNS_PORT, TABLE_NAME, VOUCHERIFY_WEBHOOK_SECRET, LOCAL_DIR, MAX_BODY_BYTES,
LOG_LEVEL, LOG_FORMAT, INCLUDE_CUSTOMER_EMAIL`;

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
  const snsPort = env.SNS_PORT ? portSetting('SNS_PORT', 0) : undefined;

  // Each piece of the local mode is a service; the alerts path brings two (fauxqs, then the stream reader).
  let dynamodb: DynamoDbLocal | undefined;
  let server: LocalServer | undefined;
  let webhookUrl = '';
  const alerts = localAlertsServices({
    dynamodbEndpoint: () => required(dynamodb).endpoint,
    tableName: table,
    ...(snsPort ? { snsPort } : {}),
  });
  const services: LocalService[] = [
    {
      name: 'DynamoDB Local',
      start: async () => {
        dynamodb = await startDynamoDbLocal({
          ...(dynamodbPort ? { port: dynamodbPort } : {}),
          ...(inMemory ? {} : { dataDir: join(dir, 'dynamodb') }),
        });
        dynamodb.onUnexpectedExit((description) => {
          // Ctrl-C in a terminal reaches Java too; give our own signal handler a moment to claim the shutdown.
          setTimeout(() => {
            if (!stopping) void fail(`DynamoDB Local stopped unexpectedly: ${description}`);
          }, 250);
        });
      },
      stop: async () => dynamodb?.stop(),
    },
    {
      name: 'events table',
      start: async () => {
        const client = localDynamoDbClient(required(dynamodb).endpoint);
        try {
          const result = await ensureEventsTable(client, table);
          console.log(result.created ? `created table ${table}` : `using existing table ${table}`);
          for (const warning of result.warnings) {
            console.warn(`warning: table ${table}: ${warning}. Delete ${join(dir, 'dynamodb')} to start afresh.`);
          }
        } finally {
          client.destroy();
        }
      },
      stop: async () => {},
    },
    {
      name: 'webhook receiver',
      start: async () => {
        const handler = loadIngestHandler({
          dynamodbEndpoint: required(dynamodb).endpoint,
          tableName: table,
          webhookSecret: secret.value,
        });
        const settings = readIngestSettings(env);
        server = await startLocalServer({
          handler,
          port,
          host,
          maxBodyBytes: settings.maxBodyBytes,
          log: (line) => console.log(`[receiver] ${line}`),
        }).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'EADDRINUSE') throw new Error(`port ${port} is in use; try PORT=${port + 1} npm start`);
          throw error;
        });
        webhookUrl = `${server.origin}${settings.webhookPath}`;
      },
      stop: async () => server?.close(),
    },
    ...alerts.services,
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
  const db = required(dynamodb);
  const state: LocalModeState = {
    url: webhookUrl,
    secret: secret.signing,
    endpoint: db.endpoint,
    table,
    region: LOCAL_REGION,
    ...alerts.endpoints(),
    pid: process.pid,
    inMemory,
    startedAt: new Date().toISOString(),
  };
  writeState(dir, state);
  printBanner(state, secret.source, dir, db.pid, alerts.banner());
}

function printBanner(
  state: LocalModeState,
  secretSource: string,
  dir: string,
  javaPid: number,
  alertsBanner: string,
): void {
  const secretNote =
    secretSource === 'VOUCHERIFY_WEBHOOK_SECRET'
      ? 'from VOUCHERIFY_WEBHOOK_SECRET'
      : `generated for development, kept in ${join(dir, 'webhook-secret')}`;
  const storage = state.inMemory ? 'in memory (gone when you stop)' : `persisted in ${join(dir, 'dynamodb')}`;
  console.log(`
Voucherify webhook receiver, running locally
  webhook URL      ${state.url}
  webhook secret   ${state.secret}
                   (${secretNote})
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

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('internal: a service was used before it started');
  return value;
}

main().catch((error: unknown) => {
  if (error instanceof JavaMissingError) console.error(`\n${error.message}\n`);
  else console.error(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
