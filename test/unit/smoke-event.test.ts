import { buildAlertMessage } from '../../functions/core/alerts/message';
import { SUBJECT_MAX_LENGTH } from '../../functions/core/alerts/text';
import { isSmokeEvent, SMOKE_EVENT_PREFIX } from '../../functions/core/shared/smoke-event';
import { type Envelope, loadFixture, setPath } from '../../tools/fixtures';
import { storedRecord } from '../helpers/stream-records';

const NOW = Date.parse('2026-11-22T10:00:00.000Z');

function subjectOf(envelope: Envelope, status: 'ACCEPTED' | 'QUARANTINED' = 'ACCEPTED'): string {
  return buildAlertMessage({ record: storedRecord(envelope, { status }), envelope, now: NOW }).subject;
}

describe('isSmokeEvent', () => {
  it.each([
    ['smoke_1a2b_rollback_failed', true],
    [`${SMOKE_EVENT_PREFIX}x`, true],
    ['evrrf_0e3ac8bf0a0531c400', false],
    ['evt_smoke_1', false],
    ['Smoke_1', false],
    ['sha256:smoke_', false],
  ])('%s -> %s', (eventId, expected) => {
    expect(isSmokeEvent(eventId)).toBe(expected);
  });
});

describe('the alert subject of a smoke event', () => {
  it('starts with [smoke test] and still names the failure', () => {
    // Prepare
    const envelope = setPath(loadFixture('redemption.rollback.failed'), 'event.id', 'smoke_abc_rollback_failed');

    // Act
    const subject = subjectOf(envelope);

    // Assess
    expect(subject).toBe('[smoke test] Rollback failed: already_rolled_back - Refer-gift-90873378');
  });

  it('is unchanged for a real event', () => {
    const subject = subjectOf(loadFixture('redemption.rollback.failed'));

    expect(subject).toBe('Rollback failed: already_rolled_back - Refer-gift-90873378');
  });

  it('keeps both flags and the length limit for a quarantined smoke event with a long voucher code', () => {
    const envelope = setPath(loadFixture('redemption.rollback.failed'), 'event.id', 'smoke_abc');
    setPath(envelope, 'data.voucher.code', 'X'.repeat(300));

    const subject = subjectOf(envelope, 'QUARANTINED');

    expect(subject.startsWith('[smoke test] [unvalidated] Rollback failed: already_rolled_back - XXX')).toBe(true);
    expect(subject).toHaveLength(SUBJECT_MAX_LENGTH);
  });
});
