/**
 * `npm run send -- <file> [--url URL] [--secret S] [--raw]`: delivers a JSON file to the receiver as Voucherify would
 * (compact JSON, signed in x-voucherify-signature) and prints the answer. URL and secret default to the running
 * `npm start` (its .local/local-mode.json), then VOUCHERIFY_WEBHOOK_SECRET and PORT.
 * Exits 1 on a 5xx answer or when nothing answers.
 */
import { parseArgs } from 'node:util';
import { localDir, readState } from '../cli/local-state';
import { parseSecrets } from '../functions/adapters/secrets';
import {
  type DeliveryResponse,
  defaultWebhookUrl,
  postDelivery,
  prepareDelivery,
  ReceiverUnreachableError,
  readDeliveryFile,
} from './runtime/delivery';
import { readPersistedSecret } from './runtime/webhook-secret';

const USAGE = `Usage: npm run send -- <file.json> [--url URL] [--secret SECRET] [--raw]

Signs the file's compact JSON and POSTs it, as Voucherify does.
  --url      where to send it (default: the running \`npm start\`, else http://127.0.0.1:$PORT/webhooks/voucherify)
  --secret   webhook secret to sign with (default: the running \`npm start\`'s, else VOUCHERIFY_WEBHOOK_SECRET)
  --raw      send the file's bytes as they are (no compacting)`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      url: { type: 'string' },
      secret: { type: 'string' },
      raw: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help || positionals.length !== 1) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const file = positionals[0] as string;
  const dir = localDir();
  const state = readState(dir);
  const url = values.url ?? state?.url ?? defaultWebhookUrl();
  // The running local mode's secret only fits its own URL; for any other URL use what the environment says. With no
  // local mode running, the local URL still gets the development secret, so the answer is "nothing is listening".
  const stateSecret = state && url === state.url ? state.secret : undefined;
  const localSecret = !state && url === defaultWebhookUrl() ? readPersistedSecret(dir) : undefined;
  const secret = values.secret ?? stateSecret ?? parseSecrets(process.env.VOUCHERIFY_WEBHOOK_SECRET)[0] ?? localSecret;
  if (!secret) {
    console.error('No webhook secret to sign with: pass --secret, set VOUCHERIFY_WEBHOOK_SECRET, or run `npm start`.');
    return 2;
  }

  const delivery = prepareDelivery(readDeliveryFile(file), { secret, ...(values.raw ? { raw: true } : {}) });
  for (const warning of delivery.warnings) console.warn(`warning: ${warning}`);
  console.log(`POST ${url}  (${delivery.body.length} bytes${values.raw ? ', raw' : ', compact'}, signed)`);

  let response: DeliveryResponse;
  try {
    response = await postDelivery(url, delivery);
  } catch (error) {
    if (!(error instanceof ReceiverUnreachableError)) throw error;
    const hint = state || values.url ? '' : ' Is `npm start` running?';
    console.error(`${error.message}.${hint}`);
    return 1;
  }
  console.log(`HTTP ${response.status} ${response.statusText}`);
  console.log(response.json === undefined ? response.bodyText : JSON.stringify(response.json, null, 2));
  return response.status >= 500 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
