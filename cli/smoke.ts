/**
 * `npm run smoke -- --stack <name> [--region r] [--via-queue]`: proves a deployment end to end, with
 * synthetic events whose ids start with smoke_ (their alert subject says "smoke test"). `--local` runs the same steps
 * against a running `npm start`. Prints a pass/fail table; exits 0 when no step failed, 1 when one did, 2 when the
 * target could not be resolved (nothing was sent). What each step does and the IAM it needs: README, "Deploy".
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { terminalSafe } from '../functions/core/shared/visible-text';
import { localDir, readState } from './local-state';
import { smokeEvents } from './smoke/events';
import { awsSmoke, destroyClients, localSmoke } from './smoke/resolve';
import { exitCode, formatTable, runSmoke } from './smoke/run';
import { type SmokeOptions, SmokeSetupError } from './smoke/target';

const USAGE = `Usage: npm run smoke -- --stack <name> [--receiver <id>] [--region <region>] [--via-queue] [--wait <s>]
       npm run smoke -- --local [--via-queue] [--wait <s>]

Sends signed synthetic redemption.failed and redemption.rollback.failed events (ids smoke_<run>_...), checks the
answers (202, then 200 duplicate; unsigned 401), the stored items, the rollback alert, the alarms; then deletes what
it created.
  --stack      the deployed stack (its outputs name the URL, table, topic, smoke secret and alarms): this project's
               stack, or a stack of your own holding a VoucherifyWebhookReceiver
  --receiver   which receiver, when the stack holds several (the construct id that prefixes its output keys)
  --region     the stack's region (default: the SDK's, from AWS_REGION or the profile)
  --via-queue  also subscribe a temporary SQS queue to the alert topic and wait for the alert on it
  --wait       seconds to wait for the alert (default 90 on AWS, 30 locally)
  --local      the running \`npm start\` (PORT, default 3000)
Signs with the smoke's own secret (the stack output SmokeSecretArn, or the local mode's), which the receiver accepts
for smoke_ events only; never with the webhook secret. VOUCHERIFY_SMOKE_SECRET, when set, is used instead. No secret
is taken on the command line (it would stay in the shell history and the process list).`;

async function run(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stack: { type: 'string' },
      receiver: { type: 'string' },
      region: { type: 'string' },
      secret: { type: 'string' },
      'via-queue': { type: 'boolean' },
      local: { type: 'boolean' },
      wait: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.secret !== undefined) {
    console.error(
      'error: --secret is not accepted (a secret on the command line stays in the shell history and the process ' +
        'list); the smoke reads its own secret from the stack or the local mode, or set VOUCHERIFY_SMOKE_SECRET',
    );
    return 2;
  }
  const secret = process.env.VOUCHERIFY_SMOKE_SECRET?.trim() || undefined;
  const local = values.local === true;
  if (local === (values.stack !== undefined)) {
    console.error(`${USAGE}\n\nerror: give either --stack <name> or --local`);
    return 2;
  }
  if (local && (values.region || values.receiver)) {
    console.error('error: --region and --receiver are for --stack; the local mode has its own endpoints');
    return 2;
  }
  const waitSeconds = values.wait === undefined ? (local ? 30 : 90) : Number(values.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds <= 0) {
    console.error(`error: --wait must be a number of seconds, got "${values.wait}"`);
    return 2;
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const resolved = local
    ? localSmoke(readState(localDir()), process.env, secret)
    : await awsSmoke({
        stack: values.stack as string,
        ...(values.receiver ? { receiver: values.receiver } : {}),
        ...(values.region ? { region: values.region } : {}),
        ...(secret !== undefined ? { secret } : {}),
      });
  const now = Date.now();
  const options: SmokeOptions = {
    viaQueue: values['via-queue'] === true,
    alertDeadlineMs: waitSeconds * 1000,
    pollIntervalMs: local ? 250 : 2_000,
    subscriptionSettleMs: local ? 0 : 5_000,
    runId: `${now.toString(36)}${randomBytes(3).toString('hex')}`,
    now,
  };
  try {
    process.stderr.write(`smoke run ${options.runId} against ${terminalSafe(resolved.target.label)}\n`);
    const results = await runSmoke(resolved.target, resolved.clients, options, smokeEvents(options.runId, now), (r) =>
      process.stderr.write(`  ${r.status.toUpperCase().padEnd(4)}  ${r.name}\n`),
    );
    console.log(formatTable(resolved.target, results));
    return exitCode(results);
  } finally {
    destroyClients(resolved.clients);
  }
}

/** Runs the smoke with this process's arguments and exits with its code (`voucherify-smoke`, `npm run smoke`). */
export function main(): void {
  run().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof SmokeSetupError) {
        console.error(`error: ${terminalSafe(error.message)}`);
        process.exit(2);
      }
      console.error(
        terminalSafe(error instanceof Error ? (error.stack ?? error.message) : String(error), { lines: true }),
      );
      process.exit(1);
    },
  );
}

// Run directly (`node --import tsx cli/smoke.ts`); the `voucherify-smoke` launcher calls main() itself.
if (require.main === module) main();
