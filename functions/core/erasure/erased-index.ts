import type { ErasureLookup } from './erase';
import type { ErasureMark } from './erased-event';

/**
 * How many hex digits of a customer key the erasure index keeps: 16 (64 bits). A prefix that matches by chance only
 * costs the full record's read, which then says "not erased"; 23,000 or so prefixes fit the one item.
 */
export const ERASED_PREFIX_LENGTH = 16;

/** The prefix of a customer key the erasure index holds. */
export function erasedPrefix(customerKey: string): string {
  return customerKey.slice(0, ERASED_PREFIX_LENGTH);
}

/** The set of erased customers' key prefixes (one small item, read by the ingest function once a minute). */
export interface ErasureIndex {
  erasedPrefixes(): Promise<ReadonlySet<string>>;
}

/**
 * How long an ingest instance trusts the index it read. An erasure filed meanwhile is seen by every instance within
 * this time; an event arriving before that is stored unerased, which `erase` says and `erase --status` finds (a
 * re-run erases it).
 */
export const ERASURE_INDEX_REFRESH_MS = 60_000;

/**
 * Erasure on arrival at a bounded price: instead of reading the customer's erasure record on every webhook (0.5 read
 * units and a round trip each, which halved the end-to-end throughput), an instance reads the index of erased
 * customers once a minute and reads a record only for a customer in it. Most events cost nothing.
 */
export class CachedErasureLookup implements ErasureLookup {
  private cached?: { readonly prefixes: ReadonlySet<string>; readonly readAt: number };
  /** The first read of the index, started by {@link prefetch} before anything was cached. */
  private first?: Promise<{ readonly prefixes: ReadonlySet<string>; readonly readAt: number }>;
  private prefetched = false;

  constructor(
    private readonly index: ErasureIndex,
    private readonly records: ErasureLookup,
    private readonly options: { readonly refreshMs?: number; readonly now?: () => number } = {},
  ) {}

  /**
   * On a cold start, starts the first read of the index at once, so that it runs beside the webhook secret's read
   * instead of after it: one DynamoDB round trip less before the first answer. Once per instance, whatever the read's
   * outcome: a later refresh is read when due, by {@link find}, which runs only for authentic events, so unsigned
   * requests cannot make reads. A request whose `find` waits on a failed prefetch answers with that failure.
   */
  prefetch(): void {
    if (this.prefetched || this.cached) return;
    this.prefetched = true;
    const readAt = (this.options.now ?? Date.now)();
    const first = this.index.erasedPrefixes().then((prefixes) => ({ prefixes, readAt }));
    this.first = first;
    first.catch(() => {
      if (this.first === first) this.first = undefined;
    });
  }

  async find(customerKey: string): Promise<ErasureMark | undefined> {
    if (!this.cached && this.first) {
      const first = this.first;
      this.first = undefined;
      // A request that waited on the prefetched read answers with its outcome; reading again after a failure would
      // spend the SDK's retries twice (a hung DynamoDB would then outlast the function's timeout). A prefetch that
      // failed before any request waited on it is forgotten (see prefetch), and the next find reads anew.
      this.cached = await first;
    }
    const now = (this.options.now ?? Date.now)();
    const refreshMs = this.options.refreshMs ?? ERASURE_INDEX_REFRESH_MS;
    if (!this.cached || now - this.cached.readAt >= refreshMs)
      this.cached = { prefixes: await this.index.erasedPrefixes(), readAt: now };
    if (!this.cached.prefixes.has(erasedPrefix(customerKey))) return undefined;
    return this.records.find(customerKey);
  }
}
