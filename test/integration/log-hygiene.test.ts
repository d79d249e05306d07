/**
 * Log hygiene, end to end: every fixture (the two seeds and all variants) goes through the deployed ingest handler in
 * every way it can end (accepted, duplicate, quarantined, 401 missing / malformed / invalid signature, 413, 403 from
 * outside the source allow-list, 503 without a secret), the rollback failures among them flow through DynamoDB
 * Local's stream to the deployed alerts handler and out through fauxqs (published, replayed as duplicates, and failing
 * on a dead SNS endpoint), all at LOG_LEVEL=debug with customer emails switched on in the alerts. Every line written
 * meanwhile (process.stdout and process.stderr writes, every console method, the local poller's own lines) is
 * captured and scanned for the customers' names and email addresses (taken from the fixtures), any email address at
 * all, the webhook secret and every signature sent or expected. A negative control proves the same scanner catches a
 * leak through each of those channels.
 */
import { format } from 'node:util';
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { createPowertoolsLogger, powertoolsLogger } from '../../functions/adapters/powertools-logger';
import { EVENTS_TABLE } from '../../functions/adapters/table';
import { sign, stripJsonWhitespace } from '../../functions/core/ingest/signature';
import { VOUCHERIFY_SENDER_IPS } from '../../functions/core/ingest/source-ip';
import {
  alertsStreamPoller,
  createAlertTopic,
  latestStreamArn,
  loadAlertsHandler,
  localSnsClient,
  localSqsClient,
  type StreamHandler,
  subscribeQueue,
} from '../../local/runtime/alerts';
import { toApiGatewayEvent } from '../../local/runtime/api-gateway-event';
import { freePort } from '../../local/runtime/net';
import type { HttpApiHandler } from '../../local/runtime/server';
import { compactBody, type Envelope, fixtureNames, loadFixture, TEST_SECRET } from '../../tools/fixtures';
import { snsEndpoint } from '../helpers/alerts';
import { createTestTable, dynamodbEndpoint, testClient } from '../helpers/dynamodb';
import { coldStartHandler, invoke } from '../helpers/receiver';

// --- Capturing every line ----------------------------------------------------------------------------------------

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

/** Everything written to stdout, stderr or the console while started; nothing reaches the terminal meanwhile. */
class LogCapture {
  readonly lines: string[] = [];
  private readonly restore: (() => void)[] = [];

  start(): void {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write;
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        this.lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
        callback?.();
        return true;
      }) as typeof stream.write;
      this.restore.push(() => {
        stream.write = original;
      });
    }
    for (const method of CONSOLE_METHODS) {
      const original = console[method];
      console[method] = (...args: unknown[]) => {
        this.lines.push(format(...args));
      };
      this.restore.push(() => {
        console[method] = original;
      });
    }
  }

  stop(): void {
    for (const undo of this.restore.splice(0).reverse()) undo();
  }

  /** Lines handed over by other means (the local stream poller's log callback). */
  add(line: string): void {
    this.lines.push(line);
  }
}

// --- What must never appear --------------------------------------------------------------------------------------

interface Forbidden {
  readonly what: string;
  readonly value: string;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
const PERSON_KEYS = new Set(['customer', 'holder', 'referrer', 'referee']);
const PERSONAL_FIELDS = new Set(['name', 'email', 'phone']);

/** The names, emails and phones of the people in a payload: fields of customer-like objects, and every email. */
function personalData(value: unknown, inPerson = false, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) personalData(item, inPerson, found);
  else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const person = inPerson || object.object === 'customer';
    for (const [key, field] of Object.entries(object)) {
      if (typeof field === 'string' && field !== '' && (key === 'email' || (person && PERSONAL_FIELDS.has(key))))
        found.add(field);
      personalData(field, PERSON_KEYS.has(key), found);
    }
  }
  return found;
}

/** Gives every customer-like object the common Voucherify setup: its email address as its source id. */
function emailsAsSourceIds(value: unknown): void {
  if (Array.isArray(value)) for (const item of value) emailsAsSourceIds(item);
  else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.email === 'string' && 'source_id' in object) object.source_id = object.email;
    for (const field of Object.values(object)) emailsAsSourceIds(field);
  }
}

/** Every line of `lines` that shows one of the forbidden values (any case, raw or JSON-escaped) or an email address. */
function findLeaks(lines: readonly string[], forbidden: readonly Forbidden[]): string[] {
  const needles = forbidden.flatMap(({ what, value }) =>
    [value, JSON.stringify(value).slice(1, -1)].map((text) => ({ what, text: text.toLowerCase() })),
  );
  const leaks = new Set<string>();
  for (const line of lines.flatMap((chunk) => chunk.split('\n'))) {
    const lower = line.toLowerCase();
    for (const { what, text } of needles) if (lower.includes(text)) leaks.add(`${what} in: ${line.slice(0, 300)}`);
    const email = EMAIL.exec(line);
    if (email) leaks.add(`an email address (${email[0]}) in: ${line.slice(0, 300)}`);
  }
  return [...leaks];
}

/** The `message` of every JSON log line captured. */
function messages(lines: readonly string[]): string[] {
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return String((JSON.parse(line) as { message?: unknown }).message);
      } catch {
        return '';
      }
    });
}

// --- The run -----------------------------------------------------------------------------------------------------

const FORGER_SECRET = 'not-the-webhook-secret-0000';
const MALFORMED_SIGNATURE = `not-a-hex-signature-${'z'.repeat(44)}`;
const OUTSIDE_ADDRESS = '203.0.113.50';

let dynamodb: DynamoDBClient;
let sns: SNSClient;
let sqs: SQSClient;
const capture = new LogCapture();
/** Every signature header sent, and every signature the receiver would compute for a body sent. */
const signatures = new Set<string>();
const statuses: Record<string, number[]> = {};
let alertsReceived = 0;
let rollbackFailuresStored = 0;

function request(
  body: Buffer,
  signature: string | undefined,
  options: { sourceIp?: string } = {},
): ReturnType<typeof toApiGatewayEvent> {
  signatures.add(sign(body, TEST_SECRET));
  signatures.add(sign(stripJsonWhitespace(body), TEST_SECRET));
  if (signature) signatures.add(signature);
  return toApiGatewayEvent({
    method: 'POST',
    path: '/webhooks/voucherify',
    headers: {
      'content-type': 'application/json',
      ...(signature === undefined ? {} : { 'x-voucherify-signature': signature }),
    },
    body,
    ...(options.sourceIp ? { sourceIp: options.sourceIp } : {}),
  });
}

async function send(
  handler: HttpApiHandler,
  label: string,
  event: ReturnType<typeof toApiGatewayEvent>,
): Promise<number> {
  const { statusCode } = await invoke(handler, event);
  statuses[label] = [...(statuses[label] ?? []), statusCode];
  return statusCode;
}

/**
 * A copy of a fixture under a new event id, so it is stored (and alerted) again; a rollback failure also gets a rollback
 * id of its own, or it would be linked to the original's case instead of alerted.
 */
function renamed(name: string, suffix: string): Envelope {
  const envelope = loadFixture(name);
  envelope.event.id = `${envelope.event.id}_${suffix}`;
  const rollback = envelope.data?.redemption_rollback as { id?: string } | undefined;
  if (rollback?.id) rollback.id = `${rollback.id}_${suffix}`;
  return envelope;
}

async function ingestEverything(table: string): Promise<void> {
  const ingest = coldStartHandler({ tableName: table, webhookSecret: TEST_SECRET });
  for (const name of fixtureNames) {
    const envelope = loadFixture(name);
    const body = compactBody(envelope);
    const signed = sign(body, TEST_SECRET);

    await send(ingest, 'accepted', request(body, signed));
    await send(ingest, 'duplicate', request(body, signed));
    // Pretty-printed, signed in the compact form (the docs' form): accepted through the compact fallback.
    const pretty = Buffer.from(JSON.stringify(renamed(name, 'pretty'), null, 2));
    await send(ingest, 'accepted (compact form)', request(pretty, sign(stripJsonWhitespace(pretty), TEST_SECRET)));

    // Many projects use the customer's email as their source id: it is stored and alerted, and still never logged.
    const emailIds = renamed(name, 'srcid');
    emailsAsSourceIds(emailIds);
    const emailIdsBody = compactBody(emailIds);
    await send(ingest, 'accepted', request(emailIdsBody, sign(emailIdsBody, TEST_SECRET)));

    // Authentic but failing the schema, twice: a bad date, and personal data where objects belong.
    const badEnvelope = renamed(name, 'q1');
    badEnvelope.created_at = 'yesterday';
    const badBody = compactBody(badEnvelope);
    await send(ingest, 'quarantined', request(badBody, sign(badBody, TEST_SECRET)));
    const badCustomer = renamed(name, 'q2');
    const people = [...personalData(envelope)].join(' / ');
    badCustomer.source = `from ${people}`;
    badCustomer.data.customer = `customer: ${people}`;
    const badCustomerBody = compactBody(badCustomer);
    await send(ingest, 'quarantined', request(badCustomerBody, sign(badCustomerBody, TEST_SECRET)));

    await send(ingest, 'signature invalid', request(body, sign(body, FORGER_SECRET)));
    await send(ingest, 'signature malformed', request(body, MALFORMED_SIGNATURE));
    await send(ingest, 'signature missing', request(body, undefined));

    const padded = loadFixture(name);
    padded.data.padding = `${people} `.repeat(Math.ceil((300 * 1024) / (people.length + 1)));
    const paddedBody = compactBody(padded);
    // Not proven authentic (another secret) and over maxBodyBytes: 413. (An authentic one of any size is stored.)
    await send(ingest, 'too large', request(paddedBody, sign(paddedBody, 'not-the-webhook-secret')));
  }
  // Not JSON at all, with personal data right where the parser stops.
  const broken = Buffer.from('{"customer": {"name": "Jane Doe", "email": "jane@jane.io" ');
  await send(ingest, 'quarantined', request(broken, sign(broken, TEST_SECRET)));

  // The other two cold starts: the source allow-list on, and no secret configured.
  process.env.ALLOWED_SOURCE_IPS = VOUCHERIFY_SENDER_IPS.eu1.join(',');
  const allowListed = coldStartHandler({ tableName: table, webhookSecret: TEST_SECRET });
  delete process.env.ALLOWED_SOURCE_IPS;
  const unconfigured = coldStartHandler({ tableName: table, webhookSecret: '' });
  for (const name of fixtureNames) {
    const body = compactBody(renamed(name, 'elsewhere'));
    const signed = sign(body, TEST_SECRET);
    await send(allowListed, 'source not allowed', request(body, signed, { sourceIp: OUTSIDE_ADDRESS }));
    await send(allowListed, 'source allowed', request(body, signed, { sourceIp: VOUCHERIFY_SENDER_IPS.eu1[0] }));
    await send(unconfigured, 'not configured', request(body, signed));
  }
}

async function alertEverything(table: string): Promise<void> {
  const topicArn = await createAlertTopic(sns, `hygiene-${Date.now().toString(36)}`);
  const { queueUrl } = await subscribeQueue(sns, sqs, topicArn, `hygiene-${Date.now().toString(36)}`);
  let alerts: StreamHandler | undefined;
  jest.isolateModules(() => {
    alerts = loadAlertsHandler({
      dynamodbEndpoint: dynamodbEndpoint(),
      snsEndpoint: snsEndpoint(),
      tableName: table,
      topicArn,
    });
  });
  if (!alerts) throw new Error('the alerts handler did not load');
  const handler = alerts;

  const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  rollbackFailuresStored = Items.filter((item) => item.type?.S === 'redemption.rollback.failed').length;

  const delivered: DynamoDBStreamEvent[] = [];
  const { poller, client } = alertsStreamPoller({
    dynamodbEndpoint: dynamodbEndpoint(),
    streamArn: await latestStreamArn(dynamodb, table),
    invoke: async (event) => {
      delivered.push(event);
      return handler(event);
    },
    retryDelayMs: () => 50,
    pollIntervalMs: 50,
    log: (line) => capture.add(line),
    onGiveUp: (records, reason) => capture.add(`gave up on ${records.length}: ${reason}`),
  });
  await poller.start();
  try {
    const deadline = Date.now() + 30_000;
    while (alertsReceived < rollbackFailuresStored && Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      alertsReceived += Messages.length;
    }
  } finally {
    await poller.stop();
    client.destroy();
  }

  // Lambda replays a batch: every record is now a duplicate.
  for (const event of delivered) await handler(event);

  // SNS unreachable: the same records under ids not alerted yet, through an alerts handler on a dead endpoint.
  const deadEndpoint = `http://127.0.0.1:${await freePort()}`;
  let failing: StreamHandler | undefined;
  jest.isolateModules(() => {
    failing = loadAlertsHandler({
      dynamodbEndpoint: dynamodbEndpoint(),
      snsEndpoint: deadEndpoint,
      tableName: table,
      topicArn,
    });
  });
  const unalerted = structuredClone(delivered[0]!);
  const key = EVENTS_TABLE.partitionKey;
  for (const record of unalerted.Records) {
    const fresh = `${record.dynamodb?.Keys?.[key]?.S}_unalerted`;
    if (record.dynamodb?.Keys?.[key]) record.dynamodb.Keys[key].S = fresh;
    if (record.dynamodb?.NewImage?.[key]) record.dynamodb.NewImage[key].S = fresh;
    // A rollback of its own too (else the record links to the case its original opened, and publishes nothing): the
    // lifted rollbackId, and no body to read the original's from (the alert is built from the lifted fields).
    const image = record.dynamodb?.NewImage;
    if (image?.rollbackId?.S) image.rollbackId.S = `${image.rollbackId.S}_unalerted`;
    if (image) delete image.body;
  }
  await failing!(unalerted);
}

beforeAll(async () => {
  dynamodb = testClient();
  sns = localSnsClient(snsEndpoint());
  sqs = localSqsClient(snsEndpoint());
  const table = await createTestTable(dynamodb, 'hygiene');
  const saved = {
    LOG_LEVEL: process.env.LOG_LEVEL,
    INCLUDE_CUSTOMER_EMAIL: process.env.INCLUDE_CUSTOMER_EMAIL,
    ALERT_BURST_LIMIT: process.env.ALERT_BURST_LIMIT,
  };
  // Every log statement the handlers have, and the customer's email inside the alerts.
  process.env.LOG_LEVEL = 'debug';
  process.env.INCLUDE_CUSTOMER_EMAIL = 'true';
  // Every rollback failure alerted on its own (this run stores 18 within a minute; the burst limit has its own tests).
  process.env.ALERT_BURST_LIMIT = '1000';
  capture.start();
  try {
    await ingestEverything(table);
    await alertEverything(table);
  } finally {
    capture.stop();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}, 180_000);

afterAll(() => {
  dynamodb.destroy();
  sns.destroy();
  sqs.destroy();
});

const people = (): Set<string> => {
  const found = new Set<string>();
  for (const name of fixtureNames) personalData(loadFixture(name), false, found);
  return found;
};

function forbiddenValues(): Forbidden[] {
  return [
    ...[...people()].map((value) => ({ what: `personal data "${value}"`, value })),
    { what: 'the webhook secret', value: TEST_SECRET },
    { what: 'the forger’s secret', value: FORGER_SECRET },
    ...[...signatures].map((value) => ({ what: `signature ${value.slice(0, 8)}…`, value })),
  ];
}

describe('log hygiene, end to end', () => {
  it('the personal data to look for comes from the fixtures and includes every known customer', () => {
    expect([...people()]).toEqual(
      expect.arrayContaining(['Jane Doe', 'jane@jane.io', 'Jack Webhook', 'Ola Nordmann', 'ola@example.no']),
    );
  });

  it('every path was taken: each kind of answer, and alerts published, replayed and failed', () => {
    const n = fixtureNames.length;
    expect(statuses).toEqual({
      accepted: Array(2 * n).fill(202),
      duplicate: Array(n).fill(200),
      'accepted (compact form)': Array(n).fill(202),
      quarantined: Array(2 * n + 1).fill(202),
      'signature invalid': Array(n).fill(401),
      'signature malformed': Array(n).fill(401),
      'signature missing': Array(n).fill(401),
      'too large': Array(n).fill(413),
      'source not allowed': Array(n).fill(403),
      'source allowed': Array(n).fill(202),
      'not configured': Array(n).fill(503),
    });
    expect(rollbackFailuresStored).toBeGreaterThanOrEqual(9);
    expect(alertsReceived).toBe(rollbackFailuresStored);
  });

  it('the capture saw the handlers’ log lines for every one of those paths', () => {
    const seen = new Set(messages(capture.lines));
    for (const message of [
      'webhook accepted',
      'webhook duplicate',
      'webhook quarantined',
      'webhook signature_invalid',
      'webhook signature_malformed',
      'webhook signature_missing',
      'webhook payload_too_large',
      'webhook source_not_allowed',
      'webhook receiver_not_configured',
      'alert published',
      'alert duplicate',
      'alert not published; reporting it and the records after it for retry',
      'alerts batch done',
    ])
      expect(seen).toContain(message);
    expect(capture.lines.length).toBeGreaterThan(20 * fixtureNames.length);
  });

  it('no line shows a customer’s name or email, any email address, the secret or a signature', () => {
    expect(signatures.size).toBeGreaterThan(3 * fixtureNames.length);
    expect(findLeaks(capture.lines, forbiddenValues())).toEqual([]);
  });

  it('negative control: the same capture and scanner catch a leak through every channel', () => {
    const control = new LogCapture();
    const [signature] = signatures;
    control.start();
    try {
      powertoolsLogger(createPowertoolsLogger({ function: 'ingest', level: 'info', service: 'hygiene' })).log(
        'info',
        'webhook accepted',
        { customerEmail: 'jane@jane.io' },
      );
      console.warn('quarantined event from %s', 'Ola Nordmann');
      process.stderr.write(`header was ${signature}\n`);
      console.debug({ secret: TEST_SECRET });
    } finally {
      control.stop();
    }
    const leaks = findLeaks(control.lines, forbiddenValues());
    expect(leaks).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^personal data "jane@jane\.io" in: \{"level":"INFO","message":"webhook accepted"/),
        expect.stringMatching(/^an email address \(jane@jane\.io\) in: /),
        expect.stringMatching(/^personal data "Ola Nordmann" in: quarantined event from Ola Nordmann$/),
        expect.stringMatching(/^signature .* in: header was [0-9a-f]{64}$/),
        expect.stringMatching(/^the webhook secret in: /),
      ]),
    );
    // An address nobody listed is still caught, and an upper-cased name is too.
    expect(findLeaks(['{"note":"write to someone@example.org"}', 'JACK WEBHOOK'], forbiddenValues())).toEqual([
      expect.stringContaining('an email address (someone@example.org)'),
      expect.stringContaining('personal data "Jack Webhook"'),
    ]);
  });
});
