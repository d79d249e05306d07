/**
 * The storm's workload: distinct events cloned from the fixtures (a third rollback failures, a third the other failure
 * type, a third other types), each with its own ids, and a shuffled list of deliveries in which every event appears
 * between 1 and `maxPerEvent` times. Deterministic for a seed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLLBACK_FAILED_TYPE } from '../../functions/core/alerts/facts';

const FIXTURES_DIR = join(__dirname, '..', '..', 'fixtures');

/** The fixtures each third of the events is cloned from, in turn. */
export const STORM_FIXTURES = {
  rollbackFailures: [
    'redemption.rollback.failed',
    'redemption.rollback.failed.promotion-tier',
    'redemption.rollback.failed.loyalty-card',
  ],
  redemptionFailures: ['redemption.failed', 'redemption.failed.gift-card', 'redemption.failed.nulls'],
  others: ['redemption.succeeded', 'redemption.rollback.succeeded', 'voucher.published'],
} as const;

export interface StormEvent {
  readonly eventId: string;
  readonly type: string;
  readonly fixture: string;
  /** The compact JSON bytes Voucherify would send (and sign). */
  readonly body: Buffer;
}

export interface StormPlan {
  readonly events: readonly StormEvent[];
  /** Indexes into `events`, in the order they are sent. */
  readonly deliveries: readonly number[];
}

export interface StormPlanOptions {
  readonly events: number;
  readonly deliveries: number;
  readonly maxPerEvent: number;
  readonly seed: number;
  /** Makes this run's ids unique, so runs against one table do not collide. */
  readonly tag: string;
}

/** mulberry32: a small seeded PRNG, so a plan can be repeated. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const templates = new Map<string, string>();
function template(name: string): Json {
  let text = templates.get(name);
  if (text === undefined) {
    text = readFileSync(join(FIXTURES_DIR, `${name}.json`), 'utf8');
    templates.set(name, text);
  }
  return JSON.parse(text) as Json;
}

/** A fixture with its own event id, send-out id, and redemption and rollback ids. */
export function cloneEvent(fixture: string, suffix: string): StormEvent {
  const envelope = template(fixture);
  const event = envelope.event as Json;
  event.id = `${String(event.id)}_${suffix}`;
  envelope.id = `${String(envelope.id)}_${suffix}`;
  const data = isObject(envelope.data) ? envelope.data : {};
  for (const key of ['redemption', 'redemption_rollback']) {
    const part = data[key];
    if (isObject(part) && typeof part.id === 'string') part.id = `${part.id}_${suffix}`;
  }
  return {
    eventId: event.id as string,
    type: String(envelope.type),
    fixture,
    body: Buffer.from(JSON.stringify(envelope)),
  };
}

/** The fixture for the i-th event: rollback failures, redemption failures and other types in turn. */
function fixtureFor(index: number): string {
  const group = [STORM_FIXTURES.rollbackFailures, STORM_FIXTURES.redemptionFailures, STORM_FIXTURES.others][
    index % 3
  ] as readonly string[];
  return group[Math.floor(index / 3) % group.length] as string;
}

/** Builds the events and the shuffled deliveries. */
export function stormPlan(options: StormPlanOptions): StormPlan {
  const { events: eventCount, deliveries: deliveryCount, maxPerEvent } = options;
  if (deliveryCount < eventCount || deliveryCount > eventCount * maxPerEvent) {
    throw new RangeError(
      `${deliveryCount} deliveries cannot give each of ${eventCount} events 1 to ${maxPerEvent} deliveries`,
    );
  }
  const random = seededRandom(options.seed);
  const events = Array.from({ length: eventCount }, (_, i) => cloneEvent(fixtureFor(i), `${options.tag}_${i}`));

  // Every event once, then the remaining deliveries to random events that are below the cap.
  const counts = new Array<number>(eventCount).fill(1);
  const open = Array.from({ length: eventCount }, (_, i) => i);
  for (let left = deliveryCount - eventCount; left > 0; left -= 1) {
    const slot = Math.floor(random() * open.length);
    const index = open[slot] as number;
    counts[index] = (counts[index] as number) + 1;
    if (counts[index] === maxPerEvent) open.splice(slot, 1);
  }
  const deliveries = counts.flatMap((count, index) => new Array<number>(count).fill(index));
  for (let i = deliveries.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j] as number, deliveries[i] as number];
  }
  return { events, deliveries };
}

export const isRollbackFailure = (event: StormEvent) => event.type === ROLLBACK_FAILED_TYPE;
