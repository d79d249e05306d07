import { validateEvent } from '../../functions/core/ingest/validation';
import { isRollbackFailure, stormPlan } from '../../tools/storm/plan';

const options = { events: 300, deliveries: 2_000, maxPerEvent: 15, seed: 7, tag: 't1' };

describe('stormPlan (the workload of npm run storm)', () => {
  const plan = stormPlan(options);

  it('delivers every event 1 to 15 times, 2,000 deliveries in all', () => {
    const counts = new Map<number, number>();
    for (const index of plan.deliveries) counts.set(index, (counts.get(index) ?? 0) + 1);

    expect(plan.deliveries).toHaveLength(2_000);
    expect(counts.size).toBe(300);
    expect(Math.min(...counts.values())).toBeGreaterThanOrEqual(1);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(15);
  });

  it('makes 300 distinct events, a third of them rollback failures, all valid envelopes', () => {
    expect(new Set(plan.events.map((e) => e.eventId)).size).toBe(300);
    expect(plan.events.filter(isRollbackFailure)).toHaveLength(100);
    expect(new Set(plan.events.map((e) => e.type)).size).toBeGreaterThanOrEqual(5);
    for (const event of plan.events)
      expect(validateEvent(JSON.parse(event.body.toString('utf8')))).toEqual({ ok: true });
  });

  it('shuffles (not grouped by event) and repeats for the same seed', () => {
    const again = stormPlan(options);
    const firstRuns = plan.deliveries.slice(0, 50);

    expect(again.deliveries).toEqual(plan.deliveries);
    expect(new Set(firstRuns).size).toBeGreaterThan(20);
    expect(stormPlan({ ...options, seed: 8 }).deliveries).not.toEqual(plan.deliveries);
  });

  it('refuses counts that cannot fit the 1..max rule', () => {
    expect(() => stormPlan({ ...options, deliveries: 299 })).toThrow(RangeError);
    expect(() => stormPlan({ ...options, deliveries: 4_501 })).toThrow(RangeError);
  });
});
