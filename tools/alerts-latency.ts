/**
 * `npx tsx tools/alerts-latency.ts [runs]`: how long a rollback failure takes, locally, from the POST to the alert on
 * a queue subscribed to the alert topic. Runs the same pieces as `npm start` (in memory, on free ports): the local HTTP
 * server and the deployed ingest handler on DynamoDB Local, the table's stream polled as Lambda's event source mapping
 * would (every 250 ms when idle), the deployed alerts handler, fauxqs. Posts `runs` (20) signed rollback failures one
 * after the other and prints the median and the spread. A measurement, not a test: nothing here asserts a time.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { type localSqsClient, parseAlertNotification } from '../local/runtime/alerts';
import { postDelivery, prepareDelivery } from '../local/runtime/delivery';
import { startLocalReceiver } from '../local/runtime/receiver';

const TABLE = 'alerts-latency';

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 20);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a whole number, got ${process.argv[2]}`);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The handlers' per-event log lines would be most of the output.
  process.env.LOG_LEVEL ??= 'warn';

  const fixture = JSON.parse(
    readFileSync(join(__dirname, '..', 'fixtures', 'redemption.rollback.failed.json'), 'utf8'),
  ) as { event: { id: string } };
  const secret = randomBytes(24).toString('hex');
  const receiver = await startLocalReceiver({ tableName: TABLE, webhookSecret: secret, queueName: 'latency' });
  try {
    const { url, sqs, queueUrl } = receiver;
    const latencies: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const eventId = `evrrf_latency_${run}_${randomBytes(4).toString('hex')}`;
      const body = Buffer.from(JSON.stringify({ ...fixture, event: { ...fixture.event, id: eventId } }));
      const started = performance.now();
      const answer = await postDelivery(url, prepareDelivery(body, { secret }));
      if (answer.status !== 202) throw new Error(`run ${run}: the receiver answered ${answer.status}`);
      await waitForAlert(sqs, queueUrl, eventId);
      latencies.push(performance.now() - started);
    }

    const sorted = [...latencies].sort((a, b) => a - b);
    const median =
      sorted.length % 2 === 1
        ? (sorted[(sorted.length - 1) / 2] as number)
        : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;
    const ms = (value: number) => `${Math.round(value)} ms`;
    console.log(`POST -> alert on a subscribed queue, ${runs} runs, one after the other:`);
    console.log(`  median ${ms(median)}   min ${ms(sorted[0] as number)}   max ${ms(sorted.at(-1) as number)}`);
    console.log(`  all    ${latencies.map((value) => Math.round(value)).join(' ')}`);
  } finally {
    await receiver.stop();
  }
}

/** Polls the queue every 10 ms (no long poll, so the emulator's long-poll wake-up is not what is measured). */
async function waitForAlert(sqs: ReturnType<typeof localSqsClient>, queueUrl: string, eventId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if ((Messages ?? []).some((m) => parseAlertNotification(m.Body ?? '{}').facts.eventId === eventId)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no alert for ${eventId} within 30 s`);
}

main().catch((error: unknown) => {
  console.error(`alerts-latency failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
