import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLLBACK_FAILED_TYPE } from '../../functions/core/alerts/facts';
import { SMOKE_EVENT_PREFIX } from '../../functions/core/shared/smoke-event';

const FIXTURES_DIR = join(__dirname, '..', '..', 'fixtures');

/** One synthetic event of a smoke run: its id, its type, and the compact JSON body Voucherify would send. */
export interface SmokeEvent {
  readonly eventId: string;
  readonly type: string;
  readonly body: Buffer;
}

export interface SmokeEvents {
  readonly failed: SmokeEvent;
  readonly rollbackFailed: SmokeEvent;
  /** Sent without a signature: must be refused, and never stored. */
  readonly unsigned: SmokeEvent;
}

type Envelope = Record<string, unknown> & { data: Record<string, unknown>; event: Record<string, unknown> };

/**
 * The run's events, cloned from the fixtures (real Voucherify payloads) with ids that start with `smoke_` (so the alert
 * subject says "smoke test"), the run id (so runs never collide), fresh timestamps and an obvious voucher code.
 */
export function smokeEvents(runId: string, now: number): SmokeEvents {
  const make = (fixture: string, suffix: string): SmokeEvent => {
    const envelope = JSON.parse(readFileSync(join(FIXTURES_DIR, `${fixture}.json`), 'utf8')) as Envelope;
    const eventId = `${SMOKE_EVENT_PREFIX}${runId}_${suffix}`;
    const at = new Date(now).toISOString();
    envelope.id = `${SMOKE_EVENT_PREFIX}${runId}_sendout_${suffix}`;
    envelope.created_at = at;
    envelope.event = { ...envelope.event, id: eventId, created_at: at };
    const voucher = envelope.data.voucher as Record<string, unknown> | null | undefined;
    if (voucher && typeof voucher === 'object') voucher.code = 'SMOKE-TEST';
    return { eventId, type: String(envelope.type), body: Buffer.from(JSON.stringify(envelope)) };
  };
  const rollbackFailed = make('redemption.rollback.failed', 'rollback_failed');
  if (rollbackFailed.type !== ROLLBACK_FAILED_TYPE) throw new Error('internal: the rollback fixture changed its type');
  return {
    failed: make('redemption.failed', 'redemption_failed'),
    rollbackFailed,
    unsigned: make('redemption.failed', 'unsigned'),
  };
}
