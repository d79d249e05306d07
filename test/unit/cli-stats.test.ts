/** `stats` counting (cli/stats.ts): what the table is read for is in test/integration/cli.test.ts. */

import { statsText } from '../../cli/format';
import type { EventSummary } from '../../cli/repository';
import { countEvents, StatsCounter, statsJson } from '../../cli/stats';

const WINDOW = { fromMs: Date.parse('2026-11-20T00:00:00.000Z'), toMs: Date.parse('2026-11-22T12:00:00.000Z') };

let sequence = 0;
function summary(fields: Partial<EventSummary> = {}): EventSummary {
  sequence += 1;
  return {
    eventId: `evt_${sequence}`,
    receivedAt: '2026-11-21T10:00:00.000Z',
    status: 'ACCEPTED',
    type: 'redemption.succeeded',
    ...fields,
  };
}

const rollbackFailed = (fields: Partial<EventSummary> = {}) =>
  summary({ type: 'redemption.rollback.failed', failureCode: 'already_rolled_back', ...fields });

describe('countEvents', () => {
  it('counts by status, by type and status, and by failure code', () => {
    // Prepare
    const summaries = [
      summary(),
      summary({ status: 'QUARANTINED' }),
      rollbackFailed(),
      rollbackFailed({ failureCode: 'voucher_expired' }),
      summary({ type: undefined }),
    ];

    // Act
    const stats = statsJson(countEvents(summaries, WINDOW, 5));

    // Assess
    expect(stats.window).toBe(WINDOW);
    expect(stats.total).toBe(5);
    expect(stats.byStatus).toEqual({ ACCEPTED: 4, QUARANTINED: 1 });
    expect(stats.byType).toEqual({
      'redemption.succeeded': { ACCEPTED: 1, QUARANTINED: 1 },
      'redemption.rollback.failed': { ACCEPTED: 2 },
      '(none)': { ACCEPTED: 1 },
    });
    expect(stats.byFailureCode).toEqual({ already_rolled_back: 1, voucher_expired: 1 });
    expect(stats.failures).toBe(2);
  });

  it('skips events received outside the window, and keeps both of its ends', () => {
    // Prepare
    const summaries = [
      summary({ receivedAt: '2026-11-19T23:59:59.999Z' }),
      summary({ receivedAt: '2026-11-20T00:00:00.000Z' }),
      summary({ receivedAt: '2026-11-22T12:00:00.000Z' }),
      summary({ receivedAt: '2026-11-22T12:00:00.001Z' }),
    ];

    // Act
    const stats = countEvents(summaries, WINDOW, 5);

    // Assess
    expect(stats.total).toBe(2);
  });

  it('ranks campaigns and vouchers among failures only: most first, ties by name (locale order), at most `top`', () => {
    // Prepare
    const summaries = [
      rollbackFailed({ campaignId: 'camp_b', campaignName: 'Spring', voucherCode: 'V-2' }),
      rollbackFailed({ campaignId: 'camp_b', voucherCode: 'V-2' }),
      rollbackFailed({ campaignId: 'camp_a', voucherCode: 'V-1' }),
      rollbackFailed({ campaignName: 'Named only', voucherCode: 'V-3' }),
      summary({ campaignId: 'camp_c', voucherCode: 'V-9' }),
      summary({ campaignId: 'camp_c', voucherCode: 'V-9' }),
    ];

    // Act
    const stats = countEvents(summaries, WINDOW, 2);

    // Assess
    expect(stats.topCampaigns).toEqual([
      { campaign: 'camp_b', name: 'Spring', count: 2 },
      { campaign: 'camp_a', count: 1 },
    ]);
    expect(stats.topVouchers).toEqual([
      { voucher: 'V-2', count: 2 },
      { voucher: 'V-1', count: 1 },
    ]);
  });

  it('an empty window counts nothing, and the whole window is the longest gap', () => {
    // Act
    const stats = statsJson(countEvents([], WINDOW, 5));

    // Assess
    expect(stats).toEqual({
      window: WINDOW,
      total: 0,
      byStatus: {},
      byType: {},
      byFailureCode: {},
      failures: 0,
      topCampaigns: [],
      topVouchers: [],
      longestGap: {
        from: new Date(WINDOW.fromMs).toISOString(),
        to: new Date(WINDOW.toMs).toISOString(),
        ms: WINDOW.toMs - WINDOW.fromMs,
        fromWindowStart: true,
        toWindowEnd: true,
      },
    });
  });

  it('StatsCounter adds one summary at a time to the same result', () => {
    // Prepare
    const summaries = [summary(), rollbackFailed({ campaignId: 'camp_a' }), summary({ status: 'QUARANTINED' })];
    const counter = new StatsCounter(WINDOW);

    // Act
    for (const one of summaries) counter.add(one);

    // Assess
    expect(counter.result(5)).toEqual(countEvents(summaries, WINDOW, 5));
  });

  it('counts types, statuses and failure codes named like Object.prototype members as ordinary names', () => {
    // Prepare: webhook text that a plain object would resolve to its prototype (or to Object itself).
    const names = ['__proto__', 'constructor', 'hasOwnProperty', 'toString'];
    const summaries = names.flatMap((name) => [
      summary({ type: name, status: name, failureCode: name }),
      summary({ type: name, status: 'ACCEPTED', failureCode: name }),
    ]);

    // Act
    const stats = countEvents(summaries, WINDOW, 5);
    const text = statsText(stats);
    const json = JSON.parse(JSON.stringify(statsJson(stats)));

    // Assess: each name counted twice, nothing leaked onto Object.prototype, and the table and JSON say so.
    expect(({} as Record<string, unknown>).ACCEPTED).toBeUndefined();
    for (const name of names) {
      expect(stats.byType.get(name)).toEqual(
        new Map([
          [name, 1],
          ['ACCEPTED', 1],
        ]),
      );
      expect(stats.byFailureCode.get(name)).toBe(2);
      expect(stats.byStatus.get(name)).toBe(1);
      expect(Object.getOwnPropertyDescriptor(json.byFailureCode, name)?.value).toBe(2);
      expect(Object.getOwnPropertyDescriptor(json.byType, name)?.value).toEqual({ [name]: 1, ACCEPTED: 1 });
      expect(text).toMatch(new RegExp(`^ {2}${name} +2 +1 +0$`, 'm'));
      expect(text).toMatch(new RegExp(`^ {2}${name} +2$`, 'm'));
    }
    expect(stats.byStatus.get('ACCEPTED')).toBe(4);
  });
});
