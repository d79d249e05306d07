import type { ErasureLookup } from '../../functions/core/erasure/erase';
import { CachedErasureLookup, type ErasureIndex, erasedPrefix } from '../../functions/core/erasure/erased-index';

const ERASED = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

/** An index and a record store that count their reads. */
function stores(prefixes: string[]) {
  const reads = { index: 0, records: 0 };
  const index: ErasureIndex = {
    erasedPrefixes: async () => {
      reads.index += 1;
      return new Set(prefixes);
    },
  };
  const records: ErasureLookup = {
    find: async (key) => {
      reads.records += 1;
      return key === ERASED ? { at: '2026-12-07T00:00:00.000Z', erasureId: 'er_1' } : undefined;
    },
  };
  return { reads, index, records };
}

describe('erasure on arrival through the index of erased customers', () => {
  it('reads no record for a customer the index does not name, and the index once per refresh', async () => {
    // Prepare
    let now = 0;
    const { reads, index, records } = stores([erasedPrefix(ERASED)]);
    const lookup = new CachedErasureLookup(index, records, { refreshMs: 60_000, now: () => now });

    // Act
    for (let i = 0; i < 100; i++) expect(await lookup.find(OTHER)).toBeUndefined();

    // Assess
    expect(reads).toEqual({ index: 1, records: 0 });
    now = 60_000;
    await lookup.find(OTHER);
    expect(reads.index).toBe(2);
  });

  it('reads the record of a customer the index names, and finds the erasure', async () => {
    const { reads, index, records } = stores([erasedPrefix(ERASED)]);
    const lookup = new CachedErasureLookup(index, records);
    expect(await lookup.find(ERASED)).toEqual({ at: '2026-12-07T00:00:00.000Z', erasureId: 'er_1' });
    expect(reads.records).toBe(1);
  });

  it('a prefix that matches by chance costs one record read and erases nothing', async () => {
    const collision = `${erasedPrefix(ERASED)}${'c'.repeat(48)}`;
    const { reads, index, records } = stores([erasedPrefix(ERASED)]);
    expect(await new CachedErasureLookup(index, records).find(collision)).toBeUndefined();
    expect(reads.records).toBe(1);
  });

  it('an erasure filed after the index was read is seen from the next refresh on', async () => {
    let now = 0;
    const prefixes: string[] = [];
    const { index, records } = stores(prefixes);
    const lookup = new CachedErasureLookup(index, records, { refreshMs: 60_000, now: () => now });
    expect(await lookup.find(ERASED)).toBeUndefined();
    prefixes.push(erasedPrefix(ERASED));
    now = 59_999;
    expect(await lookup.find(ERASED)).toBeUndefined();
    now = 60_000;
    expect(await lookup.find(ERASED)).toMatchObject({ erasureId: 'er_1' });
  });

  it('prefetch starts the first read of the index before find asks, and find uses it rather than reading again', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { reads, index, records } = stores([erasedPrefix(ERASED)]);
    const gated: ErasureIndex = { erasedPrefixes: () => gate.then(() => index.erasedPrefixes()) };
    const lookup = new CachedErasureLookup(gated, records);

    lookup.prefetch();
    lookup.prefetch();
    const found = lookup.find(ERASED);
    release();

    expect(await found).toMatchObject({ erasureId: 'er_1' });
    expect(await lookup.find(OTHER)).toBeUndefined();
    expect(reads.index).toBe(1);
  });

  it('prefetch reads only on a cold start: once something is cached, refreshes stay with find', async () => {
    let now = 0;
    const { reads, index, records } = stores([]);
    const lookup = new CachedErasureLookup(index, records, { refreshMs: 60_000, now: () => now });
    await lookup.find(OTHER);
    now = 120_000;
    for (let i = 0; i < 50; i++) lookup.prefetch();
    await Promise.resolve();
    expect(reads.index).toBe(1);
  });

  it('a prefetch that fails is not left unhandled, and find reads again and answers with its own outcome', async () => {
    let failures = 1;
    const { reads, index, records } = stores([erasedPrefix(ERASED)]);
    const flaky: ErasureIndex = {
      erasedPrefixes: async () => {
        if (failures-- > 0) throw new Error('ProvisionedThroughputExceededException');
        return index.erasedPrefixes();
      },
    };
    const lookup = new CachedErasureLookup(flaky, records);
    lookup.prefetch();
    await new Promise((resolve) => setImmediate(resolve));
    // Once per instance: a failed prefetch is not tried again by the next requests' prefetch.
    lookup.prefetch();
    expect(failures).toBe(0);
    expect(reads.index).toBe(0);
    expect(await lookup.find(ERASED)).toMatchObject({ erasureId: 'er_1' });
    expect(reads.index).toBe(1);
  });

  it('a find waiting on a prefetch that fails answers with that failure, without spending a second read', async () => {
    let reads = 0;
    let fail: (error: Error) => void = () => {};
    const lookup = new CachedErasureLookup(
      {
        erasedPrefixes: () => {
          reads += 1;
          return new Promise((_, reject) => {
            fail = reject;
          });
        },
      },
      stores([]).records,
    );
    lookup.prefetch();
    const found = lookup.find(ERASED);
    fail(new Error('TimeoutError'));
    await expect(found).rejects.toThrow('TimeoutError');
    expect(reads).toBe(1);
  });

  it('find answers with the error of its own read when the index cannot be read', async () => {
    const lookup = new CachedErasureLookup(
      { erasedPrefixes: async () => Promise.reject(new Error('unavailable')) },
      stores([]).records,
    );
    lookup.prefetch();
    await expect(lookup.find(ERASED)).rejects.toThrow('unavailable');
  });
});
