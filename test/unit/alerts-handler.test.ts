import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { toItem } from '../../functions/adapters/dynamodb-event-store';
import { ALERTS_FILTER_PATTERN, matchesAlertFilter } from '../../functions/alerts/filter';
import { makeAlertsHandler, UnidentifiableRecordError } from '../../functions/alerts/make-handler';
import { toStreamImage } from '../../local/runtime/stream-image';
import { loadFixture, setPath } from '../../tools/fixtures';
import { MemoryLedger, RecordingPublisher } from '../helpers/alert-fakes';
import { insertOf, storedRecord, streamRecord } from '../helpers/stream-records';

const NOW = Date.parse('2026-11-22T10:00:03.000Z');

function setup(options: { includeCustomerEmail?: boolean } = {}) {
  const publisher = new RecordingPublisher();
  const ledger = new MemoryLedger();
  const logs: string[] = [];
  const handle = makeAlertsHandler({
    publisher,
    ledger,
    logger: { log: (level, message, fields) => logs.push(JSON.stringify({ level, message, ...fields })) },
    options: { includeCustomerEmail: options.includeCustomerEmail ?? false },
    now: () => NOW,
  });
  return { handle, publisher, ledger, logs };
}

const batch = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });
const seq = (record: DynamoDBRecord) => record.dynamodb?.SequenceNumber as string;

/** A rollback failure with its own event id and voucher code, so records in one batch can be told apart. */
function rollback(n: number): DynamoDBRecord {
  const envelope = loadFixture('redemption.rollback.failed');
  setPath(envelope, 'event.id', `evrrf_test_${n}`);
  setPath(envelope, 'data.voucher.code', `CODE-${n}`);
  return insertOf(storedRecord(envelope));
}

describe('makeAlertsHandler', () => {
  it('publishes one alert for a new rollback failure, marks the item and reports no failure', async () => {
    const { handle, publisher, ledger } = setup();

    const result = await handle(batch(rollback(1)));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(publisher.published).toHaveLength(1);
    expect(publisher.published[0]?.subject).toBe('Rollback failed: already_rolled_back - CODE-1');
    expect(ledger.markers.get('evrrf_test_1')).toEqual({ at: new Date(NOW).toISOString(), messageId: 'msg-1' });
  });

  it.each([
    [
      'a MODIFY (the alert marker being written)',
      () => streamRecord(toItem(storedRecord(loadFixture('redemption.rollback.failed'))), 'MODIFY'),
    ],
    [
      'a REMOVE (TTL expiry)',
      () => streamRecord(toItem(storedRecord(loadFixture('redemption.rollback.failed'))), 'REMOVE'),
    ],
    ['an INSERT of redemption.failed', () => insertOf(storedRecord(loadFixture('redemption.failed')))],
    [
      'an INSERT of redemption.rollback.succeeded',
      () => insertOf(storedRecord(loadFixture('redemption.rollback.succeeded'))),
    ],
    ['an INSERT of voucher.published', () => insertOf(storedRecord(loadFixture('voucher.published')))],
  ])('skips %s without publishing or failing', async (_, make) => {
    const { handle, publisher } = setup();

    const result = await handle(batch(make()));

    expect(result.batchItemFailures).toEqual([]);
    expect(publisher.attempts).toHaveLength(0);
  });

  it('processes the records of a batch in order', async () => {
    const { handle, publisher } = setup();
    const records = [rollback(1), insertOf(storedRecord(loadFixture('redemption.failed'))), rollback(2), rollback(3)];

    await handle(batch(...records));

    expect(publisher.published.map((m) => m.subject.slice(-6))).toEqual(['CODE-1', 'CODE-2', 'CODE-3']);
  });

  it('does not publish a record that was already alerted (stream retry)', async () => {
    const { handle, publisher } = setup();
    const record = rollback(1);

    await handle(batch(record));
    const again = await handle(batch(record));

    expect(again.batchItemFailures).toEqual([]);
    expect(publisher.published).toHaveLength(1);
  });

  it('reports the first failed record and every record after it, and a retry from there sends each alert once', async () => {
    const { handle, publisher } = setup();
    const records = [rollback(1), rollback(2), rollback(3), rollback(4)];
    publisher.failSubjectContaining = 'CODE-2';

    const first = await handle(batch(...records));

    expect(first.batchItemFailures).toEqual(records.slice(1).map((r) => ({ itemIdentifier: seq(r) })));
    expect(publisher.attempts.map((m) => m.subject.slice(-6))).toEqual(['CODE-1', 'CODE-2']);

    // Lambda resumes the shard at the lowest reported sequence number.
    publisher.failSubjectContaining = undefined;
    const retry = await handle(batch(...records.slice(1)));

    expect(retry.batchItemFailures).toEqual([]);
    expect(publisher.published.map((m) => m.subject.slice(-6))).toEqual(['CODE-1', 'CODE-2', 'CODE-3', 'CODE-4']);
  });

  it('retries a batch replayed whole (function error, bisect) without alerting twice', async () => {
    const { handle, publisher } = setup();
    const records = [rollback(1), rollback(2), rollback(3)];
    publisher.failSubjectContaining = 'CODE-3';
    await handle(batch(...records));
    publisher.failSubjectContaining = undefined;

    await handle(batch(...records));

    expect(publisher.published.map((m) => m.subject.slice(-6))).toEqual(['CODE-1', 'CODE-2', 'CODE-3']);
  });

  it('sends a minimal alert for a record whose body cannot be decoded, and goes on with the next', async () => {
    const { handle, publisher, logs } = setup();
    const poison = storedRecord(loadFixture('redemption.rollback.failed'));
    const broken = insertOf({
      ...poison,
      body: Buffer.from('not deflate at all, just bytes'),
      bodyEncoding: 'deflate-raw',
    });
    const next = rollback(2);

    const result = await handle(batch(broken, next));

    expect(result.batchItemFailures).toEqual([]);
    expect(publisher.published).toHaveLength(2);
    expect(publisher.published[0]?.facts).toMatchObject({
      eventId: 'evrrf_0e3ac8bf0a0531c400',
      bodyDecoded: false,
      failure: { code: 'already_rolled_back' },
      voucher: { code: 'Refer-gift-90873378' },
    });
    expect(publisher.published[0]?.emailText).toMatch(
      /Only the indexed fields are shown \(the stored body could not be decoded/,
    );
    expect(logs.filter((l) => l.includes('"message":"alert published"'))[0]).toContain('"fallback":true');
  });

  it('alerts on an item whose stored validation issues are unreadable', async () => {
    const { handle, publisher } = setup();
    const item = toItem(storedRecord(loadFixture('redemption.rollback.failed'), { status: 'QUARANTINED' }));
    item.issues = { S: '{not json' };

    const result = await handle(batch(streamRecord(item)));

    expect(result.batchItemFailures).toEqual([]);
    expect(publisher.published[0]?.subject).toMatch(/^\[unvalidated\] Rollback failed/);
  });

  it('alerts on a quarantined rollback failure, flagged as unvalidated', async () => {
    const { handle, publisher } = setup();
    const record = storedRecord(loadFixture('redemption.rollback.failed'), {
      status: 'QUARANTINED',
      issues: [{ pointer: '/data', message: 'must be object' }],
    });

    await handle(batch(insertOf(record)));

    expect(publisher.published[0]?.subject).toBe(
      '[unvalidated] Rollback failed: already_rolled_back - Refer-gift-90873378',
    );
    expect(publisher.published[0]?.facts.validated).toBe(false);
  });

  it('replaces a message the topic refuses with the minimal alert', async () => {
    const { handle, publisher } = setup();
    publisher.rejectIf = (message) => message.facts.bodyDecoded;

    const result = await handle(batch(rollback(1)));

    expect(result.batchItemFailures).toEqual([]);
    expect(publisher.attempts).toHaveLength(2);
    expect(publisher.published[0]?.facts).toMatchObject({
      bodyDecoded: false,
      fallbackReason: 'SNS refused the full alert',
    });
  });

  it('reports the record when the topic refuses even the minimal alert', async () => {
    const { handle, publisher } = setup();
    publisher.rejectIf = () => true;
    const record = rollback(1);

    const result = await handle(batch(record));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: seq(record) }]);
    expect(publisher.attempts).toHaveLength(2);
  });

  it('reports a record the topic refuses for good alone, and still publishes the ones after it (poison)', async () => {
    // Prepare: the topic refuses every message about record 2, the minimal alert included.
    const { handle, publisher } = setup();
    const records = [rollback(1), rollback(2), rollback(3)];
    publisher.rejectIf = (message) => message.facts.eventId === 'evrrf_test_2';

    // Act: the first invocation, then Lambda's retry from the lowest reported sequence number.
    const first = await handle(batch(...records));
    const retry = await handle(batch(...records.slice(1)));

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: seq(records[1] as DynamoDBRecord) }]);
    expect(retry.batchItemFailures).toEqual([{ itemIdentifier: seq(records[1] as DynamoDBRecord) }]);
    expect(publisher.published.map((m) => m.facts.eventId)).toEqual(['evrrf_test_1', 'evrrf_test_3']);
  });

  it('publishes when the marker cannot be read (a possible duplicate beats a lost alert)', async () => {
    const { handle, publisher, ledger } = setup();
    ledger.failReads = true;

    const result = await handle(batch(rollback(1)));

    expect(result.batchItemFailures).toEqual([]);
    expect(publisher.published).toHaveLength(1);
  });

  it('counts a record as done when the alert went out but the marker write failed', async () => {
    const { handle, publisher, ledger, logs } = setup();
    ledger.failWrites = true;

    const result = await handle(batch(rollback(1)));

    expect(result.batchItemFailures).toEqual([]);
    expect(publisher.published).toHaveLength(1);
    expect(logs.some((l) => l.includes('alert published but its marker was not written'))).toBe(true);
  });

  it('fails the whole batch when a record to report has no sequence number', async () => {
    const { handle, publisher } = setup();
    publisher.failNext = 1;
    const record = rollback(1);
    delete record.dynamodb?.SequenceNumber;

    await expect(handle(batch(record))).rejects.toBeInstanceOf(UnidentifiableRecordError);
  });

  it('includes the customer email address only when configured', async () => {
    const loyalty = () => insertOf(storedRecord(loadFixture('redemption.rollback.failed.loyalty-card')));
    const off = setup();
    const on = setup({ includeCustomerEmail: true });

    await off.handle(batch(loyalty()));
    await on.handle(batch(loyalty()));

    expect(off.publisher.published[0]?.messageJson).not.toContain('ola@example.no');
    expect(on.publisher.published[0]?.messageJson).toContain('ola@example.no');
  });

  it('never logs a name, an email address or the body', async () => {
    const { handle, publisher, logs } = setup({ includeCustomerEmail: true });
    publisher.failSubjectContaining = 'LOYAL';

    await handle(batch(rollback(1), insertOf(storedRecord(loadFixture('redemption.rollback.failed.loyalty-card')))));

    expect(logs.length).toBeGreaterThan(2);
    expect(logs.join('\n')).not.toMatch(/Jack Webhook|Ola Nordmann|@example|Refer-gift-90873378|"body"/);
  });
});

describe('the alerts filter', () => {
  it('is the same rule in the pattern (for the event source mapping) and in code (local mode, handler)', () => {
    const cases: [DynamoDBRecord, boolean][] = [
      [rollback(1), true],
      [insertOf(storedRecord(loadFixture('redemption.rollback.failed'), { status: 'QUARANTINED' })), true],
      [insertOf(storedRecord(loadFixture('redemption.failed'))), false],
      [streamRecord(toItem(storedRecord(loadFixture('redemption.rollback.failed'))), 'MODIFY'), false],
    ];
    for (const [record, expected] of cases) {
      expect(matchesAlertFilter(record)).toBe(expected);
      const matchesPattern =
        (ALERTS_FILTER_PATTERN.eventName as readonly string[]).includes(record.eventName ?? '') &&
        (ALERTS_FILTER_PATTERN.dynamodb.NewImage.type.S as readonly string[]).includes(
          record.dynamodb?.NewImage?.type?.S ?? '',
        );
      expect(matchesPattern).toBe(expected);
    }
  });

  it('reads the image in the JSON shape Lambda delivers (binary as base64)', () => {
    const record = storedRecord(loadFixture('redemption.rollback.failed'));
    const image = toStreamImage(toItem(record));

    expect(typeof image.body?.B).toBe('string');
    expect(Buffer.from(image.body?.B as string, 'base64').equals(record.body)).toBe(true);
  });
});
