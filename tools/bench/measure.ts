/**
 * Timing helpers for the benchmark. Micro-benchmarks are timed in process CPU time (process.cpuUsage: user + system),
 * not wall time: this machine has 2 cores shared with other engineers' test runs, and CPU time does not count the
 * moments another process holds the core. Candidates are timed in interleaved rounds and compared round by round, so a
 * burst of outside load hits every candidate of a round alike and drops out of the ratios.
 */

/** The middle value (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The p-th percentile (0-100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Microseconds of CPU this process has used (all threads). */
export function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** One thing to time: `run(n)` does the work `n` times. */
export interface Candidate {
  readonly name: string;
  readonly run: (iterations: number) => unknown;
}

/** Per candidate, the CPU microseconds per operation measured in each round. */
export type RoundTimes = ReadonlyMap<string, readonly number[]>;

export interface RoundOptions {
  readonly rounds: number;
  /** CPU time one batch should take; batches shorter than a few ms are dominated by timer granularity. */
  readonly batchMs: number;
  /** CPU time each candidate runs before the first round, so the JIT has compiled it. */
  readonly warmupMs: number;
}

async function timeBatch(candidate: Candidate, iterations: number): Promise<number> {
  const start = cpuMicros();
  await candidate.run(iterations);
  return (cpuMicros() - start) / iterations;
}

/** How many iterations take about `targetMs` of CPU, found by doubling. */
async function calibrate(candidate: Candidate, targetMs: number): Promise<number> {
  let iterations = 1;
  for (;;) {
    const start = cpuMicros();
    await candidate.run(iterations);
    const spentMs = (cpuMicros() - start) / 1000;
    if (spentMs >= targetMs / 4 || iterations >= 1 << 22) {
      return Math.max(1, Math.round((iterations * targetMs) / Math.max(spentMs, 0.001)));
    }
    iterations *= 2;
  }
}

/**
 * Times every candidate in `rounds` interleaved rounds (the order rotates each round) after a warm-up, and returns
 * each candidate's CPU microseconds per operation, one value per round.
 */
export async function timeRounds(candidates: readonly Candidate[], options: RoundOptions): Promise<RoundTimes> {
  const iterations = new Map<string, number>();
  for (const candidate of candidates) {
    await candidate.run(Math.max(1, await calibrate(candidate, options.warmupMs)));
    iterations.set(candidate.name, await calibrate(candidate, options.batchMs));
  }
  const times = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[(i + round) % candidates.length] as Candidate;
      times.get(candidate.name)?.push(await timeBatch(candidate, iterations.get(candidate.name) as number));
    }
  }
  return times;
}

/** Median over rounds of a candidate's time. */
export function medianOf(times: RoundTimes, name: string): number {
  return median(times.get(name) ?? []);
}

/**
 * Median over rounds of (sum of `numerators`) / (sum of `denominators`), both taken in the same round: a per-round
 * ratio is immune to load that changes between rounds.
 */
export function ratioOf(times: RoundTimes, numerators: readonly string[], denominators: readonly string[]): number {
  const rounds = Math.min(...[...numerators, ...denominators].map((name) => times.get(name)?.length ?? 0));
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const sum = (names: readonly string[]) => names.reduce((total, name) => total + (times.get(name)?.[r] ?? 0), 0);
    ratios.push(sum(numerators) / sum(denominators));
  }
  return median(ratios);
}

/** A number with a fixed count of significant-looking decimals: 0.81, 12.3, 1,234. */
export function fmt(value: number, decimals?: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const places = decimals ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: places, maximumFractionDigits: places });
}
