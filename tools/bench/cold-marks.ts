/**
 * Timings a cold-start run collects inside the bundle it loads, on a global both sides can see: the harness and the
 * function bundle are separate files, each with its own copy of this module.
 *
 * The key is also used by `bundles.ts`, whose esbuild plugins put timing code into the bundle.
 */
export const COLD_MARKS_KEY = '__benchColdMarks';

export interface ColdMarks {
  /** Milliseconds spent creating the validators: evaluating their modules, plus compiling when done at load. */
  validatorsMs: number;
}

/** The marks of this process, created on first use. */
export function coldMarks(): ColdMarks {
  const holder = globalThis as unknown as Record<string, ColdMarks | undefined>;
  holder[COLD_MARKS_KEY] ??= { validatorsMs: 0 };
  return holder[COLD_MARKS_KEY];
}
