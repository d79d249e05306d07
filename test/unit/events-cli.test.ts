/**
 * The CLI's pure parts: time windows, and replay's decisions with an in-memory repository and publisher (the real
 * queries and SNS are in test/integration/cli.test.ts).
 */

import { AlertSendError, EventNotFoundError, UsageError } from '../../cli/errors';
import { replayText } from '../../cli/format';
import { replayEvent } from '../../cli/replay';
import type { StoredEvent } from '../../cli/repository';
import { daysDescending, parseDuration, parseInstant, resolveWindow } from '../../cli/time';
import { fromItem, toItem } from '../../functions/adapters/dynamodb-event-store';
import { buildEventRecord } from '../../functions/core/shared/event-record';
import { compactBody, loadFixture, setPath } from '../../tools/fixtures';
import { RecordingPublisher } from '../helpers/alert-fakes';

const NOW = Date.parse('2026-11-22T12:00:00.000Z');
const DAY = 86_400_000;

describe('time windows', () => {
  it.each([
    ['30m', 30 * 60_000],
    ['24h', DAY],
    ['7d', 7 * DAY],
    ['2w', 14 * DAY],
  ])('--since %s is %d ms', (text, ms) => {
    expect(parseDuration(text, '--since')).toBe(ms);
  });

  it.each(['', '7', 'd', '-1d', '1.5h', '0d', '7 days'])('--since %j is refused', (text) => {
    expect(() => parseDuration(text, '--since')).toThrow(UsageError);
  });

  it('dates are UTC days (the end of the day for --to); date-times without a zone are UTC', () => {
    expect(parseInstant('2026-11-22', '--from')).toBe(Date.parse('2026-11-22T00:00:00.000Z'));
    expect(parseInstant('2026-11-22', '--to', { endOfDay: true })).toBe(Date.parse('2026-11-22T23:59:59.999Z'));
    expect(parseInstant('2026-11-22T10:00', '--from')).toBe(Date.parse('2026-11-22T10:00:00.000Z'));
    expect(parseInstant('2026-11-22T10:00:00+02:00', '--from')).toBe(Date.parse('2026-11-22T08:00:00.000Z'));
    expect(() => parseInstant('2026-13-40', '--from')).toThrow(UsageError);
    expect(() => parseInstant('22/11/2026', '--from')).toThrow('--from takes a date');
  });

  it('the window: --since, --from/--to, the default, or none', () => {
    expect(resolveWindow({ since: '1d' }, NOW, 7 * DAY)).toEqual({ fromMs: NOW - DAY, toMs: NOW });
    expect(resolveWindow({}, NOW, 7 * DAY)).toEqual({ fromMs: NOW - 7 * DAY, toMs: NOW });
    expect(resolveWindow({}, NOW, undefined)).toBeUndefined();
    expect(resolveWindow({ from: '2026-11-01' }, NOW, 7 * DAY)).toEqual({
      fromMs: Date.parse('2026-11-01T00:00:00.000Z'),
      toMs: NOW,
    });
    expect(() => resolveWindow({ since: '1d', to: '2026-11-01' }, NOW, undefined)).toThrow('not both');
    expect(() => resolveWindow({ since: '401d' }, NOW, undefined)).toThrow('at most 400 days');
  });

  it('the days a window touches, newest first', () => {
    expect(daysDescending(Date.parse('2026-11-20T23:00:00Z'), Date.parse('2026-11-22T00:00:00Z'))).toEqual([
      '2026-11-22',
      '2026-11-21',
      '2026-11-20',
    ]);
    expect(daysDescending(NOW, NOW)).toEqual(['2026-11-22']);
  });
});

/** A repository holding stored events in memory, recording what replay writes. */
function memoryRepository(events: StoredEvent[]) {
  const byId = new Map(events.map((e) => [e.record.eventId, e]));
  const writes: string[] = [];
  return {
    writes,
    byId,
    repository: {
      get: async (id: string) => byId.get(id),
      promote: async (id: string, at: string) => {
        const stored = byId.get(id);
        if (stored?.record.status !== 'QUARANTINED') return 'not quarantined' as const;
        writes.push(`promote ${id}`);
        byId.set(id, {
          ...stored,
          record: { ...stored.record, status: 'ACCEPTED', issues: undefined },
          promotedAt: at,
        });
        return 'promoted' as const;
      },
      markReplayAlerted: async (
        id: string,
        marker: { at: string; messageId: string },
        options: { overwrite?: boolean } = {},
      ) => {
        const stored = byId.get(id);
        if (!stored || (stored.replayAlertedAt && !options.overwrite)) return 'already' as const;
        writes.push(`mark ${id} ${marker.messageId}`);
        byId.set(id, { ...stored, replayAlertedAt: marker.at, replayAlertMessageId: marker.messageId });
        return 'marked' as const;
      },
    },
  };
}

function stored(name: string, status: 'ACCEPTED' | 'QUARANTINED', change?: (e: Record<string, unknown>) => void) {
  const envelope = loadFixture(name);
  change?.(envelope);
  const record = buildEventRecord({
    eventId: envelope.event.id,
    status,
    rawBody: compactBody(envelope),
    parsed: envelope,
    receivedAtMs: NOW - DAY,
    retentionDays: 30,
    ...(status === 'QUARANTINED' ? { issues: [{ pointer: '/data', message: 'was refused' }] } : {}),
  });
  // Through the item layout, as the CLI reads it.
  return { record: fromItem(toItem(record)) } as StoredEvent;
}

describe('replayEvent', () => {
  const rollback = () => stored('redemption.rollback.failed', 'QUARANTINED');

  it('promotes a quarantined event that passes today, and only once', async () => {
    const memory = memoryRepository([rollback()]);
    const deps = { repository: memory.repository, now: () => NOW };
    const id = 'evrrf_0e3ac8bf0a0531c400';

    const first = await replayEvent(id, { dryRun: false, alert: false }, deps);
    const second = await replayEvent(id, { dryRun: false, alert: false }, deps);

    expect(first).toMatchObject({ before: 'QUARANTINED', after: 'ACCEPTED', action: 'promoted' });
    expect(second).toMatchObject({ before: 'ACCEPTED', after: 'ACCEPTED', action: 'already accepted' });
    expect(memory.writes).toEqual([`promote ${id}`]);
  });

  it('a dry run writes and sends nothing', async () => {
    const memory = memoryRepository([rollback()]);
    const publisher = new RecordingPublisher();
    const result = await replayEvent(
      'evrrf_0e3ac8bf0a0531c400',
      { dryRun: true, alert: true },
      { repository: memory.repository, publisher, now: () => NOW },
    );
    expect(result).toMatchObject({ action: 'would promote', alert: { result: 'would send' } });
    expect(memory.writes).toEqual([]);
    expect(publisher.attempts).toEqual([]);
  });

  it('still invalid: stays quarantined, says why, sends no alert', async () => {
    const broken = stored('redemption.rollback.failed', 'QUARANTINED', (e) => setPath(e, 'created_at', 'soon'));
    const memory = memoryRepository([broken]);
    const publisher = new RecordingPublisher();
    const result = await replayEvent(
      'evrrf_0e3ac8bf0a0531c400',
      { dryRun: false, alert: true },
      { repository: memory.repository, publisher, now: () => NOW },
    );
    expect(result).toMatchObject({
      action: 'still invalid',
      after: 'QUARANTINED',
      issues: [{ pointer: '/created_at' }],
      alert: { result: 'not sent', reason: 'still quarantined' },
    });
    expect(publisher.attempts).toEqual([]);
  });

  it('--alert: a validated alert once, marked; other types are not alerted', async () => {
    const memory = memoryRepository([rollback(), stored('redemption.failed', 'ACCEPTED')]);
    const publisher = new RecordingPublisher();
    const deps = { repository: memory.repository, publisher, now: () => NOW };

    const first = await replayEvent('evrrf_0e3ac8bf0a0531c400', { dryRun: false, alert: true }, deps);
    const again = await replayEvent('evrrf_0e3ac8bf0a0531c400', { dryRun: false, alert: true }, deps);
    const other = await replayEvent('evrf_0e3ac5685d2431c105', { dryRun: false, alert: true }, deps);

    expect(first.alert).toEqual({ result: 'sent', messageId: 'msg-1' });
    expect(again.alert).toEqual({ result: 'already sent', at: new Date(NOW).toISOString(), by: 'replay' });
    expect(other.alert).toEqual({ result: 'not sent', reason: 'not a redemption.rollback.failed' });
    expect(publisher.published).toHaveLength(1);
    expect(publisher.published[0]?.subject).not.toContain('[unvalidated]');
    expect(publisher.published[0]?.facts.validated).toBe(true);
  });

  it('--alert sends nothing for an event whose alert the alerts function already published, unless --force', async () => {
    // Prepare: ACCEPTED and alerted from the stream.
    const alerted = { ...stored('redemption.rollback.failed', 'ACCEPTED'), alertedAt: '2026-11-21T12:00:01.000Z' };
    const memory = memoryRepository([alerted]);
    const publisher = new RecordingPublisher();
    const deps = { repository: memory.repository, publisher, now: () => NOW };
    const id = 'evrrf_0e3ac8bf0a0531c400';

    // Act
    const plain = await replayEvent(id, { dryRun: false, alert: true }, deps);
    const dry = await replayEvent(id, { dryRun: true, alert: true, force: true }, deps);
    const forced = await replayEvent(id, { dryRun: false, alert: true, force: true }, deps);
    const forcedAgain = await replayEvent(id, { dryRun: false, alert: true, force: true }, deps);

    // Assess
    expect(plain.alert).toEqual({ result: 'already sent', at: alerted.alertedAt, by: 'alerts function' });
    expect(replayText(plain)).toContain('alert: already sent at 2026-11-21T12:00:01.000Z (by the alerts function;');
    expect(dry.alert).toEqual({ result: 'would send', resentAfter: alerted.alertedAt });
    expect(forced.alert).toEqual({ result: 'sent', messageId: 'msg-1', resentAfter: alerted.alertedAt });
    expect(replayText(forced)).toContain('alert: re-sent (message msg-1; first sent at 2026-11-21T12:00:01.000Z)');
    expect(forcedAgain.alert).toEqual({ result: 'sent', messageId: 'msg-2', resentAfter: new Date(NOW).toISOString() });
    expect(publisher.published).toHaveLength(2);
  });

  it('a publish that fails is an AlertSendError, and nothing is marked (the next replay tries again)', async () => {
    const memory = memoryRepository([stored('redemption.rollback.failed', 'ACCEPTED')]);
    const publisher = new RecordingPublisher();
    publisher.failNext = 1;
    const deps = { repository: memory.repository, publisher, now: () => NOW };

    await expect(replayEvent('evrrf_0e3ac8bf0a0531c400', { dryRun: false, alert: true }, deps)).rejects.toThrow(
      AlertSendError,
    );
    expect(memory.writes).toEqual([]);
    const retry = await replayEvent('evrrf_0e3ac8bf0a0531c400', { dryRun: false, alert: true }, deps);
    expect(retry.alert).toMatchObject({ result: 'sent' });
  });

  it('an unknown id is EventNotFoundError; --alert without a publisher is AlertSendError', async () => {
    const memory = memoryRepository([stored('redemption.rollback.failed', 'ACCEPTED')]);
    await expect(
      replayEvent('nope', { dryRun: false, alert: false }, { repository: memory.repository, now: () => NOW }),
    ).rejects.toThrow(EventNotFoundError);
    await expect(
      replayEvent(
        'evrrf_0e3ac8bf0a0531c400',
        { dryRun: false, alert: true },
        { repository: memory.repository, now: () => NOW },
      ),
    ).rejects.toThrow(AlertSendError);
  });
});
