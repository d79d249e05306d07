import { formatDuration, gapText, isDelivery, longestGap } from '../../cli/gap';

const T0 = Date.parse('2026-11-20T00:00:00.000Z');
const HOUR = 3_600_000;
const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();
const WINDOW = { fromMs: T0, toMs: T0 + 48 * HOUR };

describe('longestGap', () => {
  it('finds the longest stretch between two deliveries, whatever their order', () => {
    const gap = longestGap([at(40), at(2), at(4), at(20), at(47)], WINDOW);

    expect(gap).toEqual({ from: at(20), to: at(40), ms: 20 * HOUR, fromWindowStart: false, toWindowEnd: false });
  });

  it('counts the stretch since the last delivery up to the window end (the feed went quiet)', () => {
    const gap = longestGap([at(1), at(2), at(3)], WINDOW);

    expect(gap).toMatchObject({ from: at(3), to: at(48), ms: 45 * HOUR, toWindowEnd: true, fromWindowStart: false });
  });

  it('counts the stretch from the window start to the first delivery', () => {
    const gap = longestGap([at(40), at(44), at(47)], WINDOW);

    expect(gap).toMatchObject({ from: at(0), to: at(40), fromWindowStart: true, toWindowEnd: false });
  });

  it('with no delivery, the whole window; times outside the window and unreadable ones are ignored', () => {
    const gap = longestGap([at(-5), at(60), 'not a date'], WINDOW);

    expect(gap).toEqual({ from: at(0), to: at(48), ms: 48 * HOUR, fromWindowStart: true, toWindowEnd: true });
  });

  it('ties go to the earliest gap', () => {
    const gap = longestGap([at(12), at(24), at(36)], WINDOW);

    expect(gap.from).toBe(at(0));
  });
});

describe('gap output', () => {
  it('formats durations and says which end is the window', () => {
    expect(formatDuration(2 * 24 * HOUR + 3 * HOUR + 5 * 60_000)).toBe('2d 3h 05m');
    expect(formatDuration(4 * HOUR)).toBe('4h 00m');
    expect(formatDuration(12 * 60_000)).toBe('12m');
    expect(formatDuration(40_000)).toBe('40s');
    expect(gapText(longestGap([at(1)], WINDOW))).toBe(
      `Longest gap between deliveries: 1d 23h 00m (${at(1)} .. ${at(48)} (window end: nothing since))`,
    );
  });

  it('imported events are not deliveries', () => {
    expect(isDelivery('evrrf_0e3ac8bf0a0531c400')).toBe(true);
    expect(isDelivery('api-reconcile:rr_1')).toBe(false);
  });
});
