import { alertNotice, buildAnnouncement, buildDigest, buildReminder } from '../../functions/core/alerts/case-messages';
import { burstWindowStart, caseSettingsProblems } from '../../functions/core/alerts/case-settings';
import {
  applyOperatorAction,
  type Case,
  CaseTransitionError,
  caseKeyOf,
  caseThreadId,
  decideOnFailure,
} from '../../functions/core/alerts/cases';
import { buildAlertMessage } from '../../functions/core/alerts/message';
import { loadFixture } from '../../tools/fixtures';
import { storedRecord } from '../helpers/stream-records';

const AT = '2026-12-07T10:01:00.000Z';
const NOW = Date.parse(AT);

function opened(key = 'rrf_1', eventId = 'ev_1'): Case {
  const decision = decideOnFailure(undefined, { key, eventId, facts: { failureCode: 'invalid_redemption' }, at: AT });
  if (decision.kind !== 'open') throw new Error('expected open');
  return decision.next;
}

describe('decideOnFailure', () => {
  it('opens, links, recognises a repeat, and reopens a resolved case', () => {
    // Prepare
    const first = opened();

    // Act
    const linked = decideOnFailure(first, { key: 'rrf_1', eventId: 'ev_2', facts: {}, at: AT });
    const repeat = decideOnFailure(first, { key: 'rrf_1', eventId: 'ev_1', facts: {}, at: AT });
    const resolved = applyOperatorAction(first, { kind: 'resolve', by: 'ann', note: 'credited', at: AT });
    const reopened = decideOnFailure(resolved, { key: 'rrf_1', eventId: 'ev_3', facts: {}, at: AT });

    // Assess
    expect(first).toMatchObject({ state: 'open', version: 1, openings: 1, eventIds: ['ev_1'] });
    expect(linked.kind).toBe('link');
    expect(linked.kind === 'link' && linked.next).toMatchObject({
      version: 2,
      eventIds: ['ev_1', 'ev_2'],
      eventCount: 2,
    });
    expect(repeat.kind).toBe('already');
    expect(reopened.kind).toBe('reopen');
    expect(reopened.kind === 'reopen' && reopened.next).toMatchObject({
      state: 'open',
      openings: 2,
      openingEventId: 'ev_3',
    });
    expect(reopened.kind === 'reopen' && reopened.next.resolvedBy).toBeUndefined();
  });

  it('refuses what the state does not allow, and a resolution without a note', () => {
    const acked = applyOperatorAction(opened(), { kind: 'acknowledge', by: 'ann', at: AT });
    expect(() => applyOperatorAction(acked, { kind: 'acknowledge', by: 'bob', at: AT })).toThrow(CaseTransitionError);
    expect(() => applyOperatorAction(acked, { kind: 'resolve', by: 'bob', at: AT })).toThrow(/needs a note/);
    const resolved = applyOperatorAction(acked, { kind: 'resolve', by: 'bob', note: ' done\u0007 ', at: AT });
    expect(resolved.history.at(-1)).toEqual({ at: AT, action: 'resolved', by: 'bob', note: 'done' });
    expect(() => applyOperatorAction(resolved, { kind: 'acknowledge', by: 'c', at: AT })).toThrow(/is resolved/);
  });
});

describe('case keys, windows and settings', () => {
  it('keys by the rollback id, else the event id; threads by a hash of the key', () => {
    expect(caseKeyOf({ eventId: 'ev_1', rollback: { id: 'rrf_9' } })).toBe('rrf_9');
    expect(caseKeyOf({ eventId: 'ev_1', rollback: { id: '\u0000' } })).toBe('ev_1');
    expect(caseKeyOf({ eventId: 'ev_1' })).toBe('ev_1');
    expect(caseThreadId('rrf_9')).toMatch(/^case-[0-9a-f]{32}$/);
    expect(caseThreadId('rrf_9')).toBe(caseThreadId('rrf_9'));
  });

  it('aligns windows to the clock and refuses a window that does not divide a day', () => {
    expect(burstWindowStart(Date.parse('2026-12-07T10:14:59.999Z'), 15)).toBe('2026-12-07T10:00:00.000Z');
    expect(burstWindowStart(Date.parse('2026-12-07T10:15:00.000Z'), 15)).toBe('2026-12-07T10:15:00.000Z');
    expect(caseSettingsProblems({ burstLimit: 10, burstWindowMinutes: 15, reminderHours: 24 })).toEqual([]);
    expect(caseSettingsProblems({ burstLimit: 0, burstWindowMinutes: 7, reminderHours: -1 })).toHaveLength(3);
  });
});

describe('case messages and their chat notices', () => {
  const summary = (key: string, code: string, campaign: string) => ({
    key,
    state: 'open' as const,
    openedAt: AT,
    openings: 1,
    eventCount: 1,
    facts: { failureCode: code, campaignId: campaign, customerSourceId: `src_${key}` },
  });

  it('the alert says its case, with attributes and a notice threaded by the case', () => {
    const envelope = loadFixture('redemption.rollback.failed');
    const message = buildAlertMessage({
      record: storedRecord(envelope),
      envelope,
      now: NOW,
      case: { key: 'rrf_0e3ac8beeea431c302', state: 'open', opening: 1 },
    });
    expect(message.attributes).toMatchObject({ case_key: 'rrf_0e3ac8beeea431c302', case_state: 'open' });
    expect(message.emailText).toContain('Case rrf_0e3ac8beeea431c302');
    const notice = alertNotice(message.facts);
    expect(notice).toMatchObject({ kind: 'alert', caseKey: 'rrf_0e3ac8beeea431c302' });
    expect(notice.threadId).toBe(caseThreadId('rrf_0e3ac8beeea431c302'));
    // Never the customer's name in a chat notice.
    expect(JSON.stringify(notice)).not.toContain('Jack Webhook');
  });

  it('a digest counts by failure code and campaign and lists the first keys', () => {
    const cases = Array.from({ length: 12 }, (_, i) =>
      summary(`rrf_${i}`, i < 8 ? 'invalid_redemption' : 'already_rolled_back', 'camp_A'),
    );
    const { message, notice } = buildDigest({
      window: { start: '2026-12-07T10:00:00.000Z', end: '2026-12-07T10:15:00.000Z' },
      cases,
      alerted: 10,
      now: NOW,
    });
    const body = JSON.parse(JSON.parse(message.messageJson).default);
    expect(body).toMatchObject({
      kind: 'voucherify.cases.digest',
      cases: 12,
      byFailureCode: { invalid_redemption: 8, already_rolled_back: 4 },
    });
    expect(body.caseKeys).toHaveLength(10);
    expect(message.subject).toBe('Rollback failures: 12 more in one burst (digest)');
    expect(notice.kind).toBe('digest');
    expect(notice.nextSteps[0]).toContain('cases --open');
  });

  it('a reminder lists oldest first; an announcement carries the case key and new state', () => {
    const { message } = buildReminder({
      cases: [summary('rrf_old', 'x', 'c')],
      olderThanHours: 24,
      now: NOW + 30 * 3_600_000,
    });
    expect(JSON.parse(message.messageJson).email).toContain('rrf_old');
    const resolved = applyOperatorAction(opened('rrf_7'), { kind: 'resolve', by: 'ann', note: 'refunded', at: AT });
    const announced = buildAnnouncement(resolved);
    expect(announced.message.attributes).toMatchObject({ case_key: 'rrf_7', case_state: 'resolved' });
    expect(announced.message.subject).toBe('Case resolved: rrf_7');
    expect(announced.notice).toMatchObject({ kind: 'resolved', caseKey: 'rrf_7', threadId: caseThreadId('rrf_7') });
  });
});
