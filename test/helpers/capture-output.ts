/**
 * Captures what is written to process.stdout and process.stderr while `work` runs, line by line, and keeps it off the
 * terminal. Powertools writes through a Console bound to those two streams, as Lambda's runtime reads them.
 */
export async function captureOutput<T>(
  work: () => T | Promise<T>,
): Promise<{ result: T; stdout: string[]; stderr: string[] }> {
  const captured = { stdout: [] as string[], stderr: [] as string[] };
  const restore: (() => void)[] = [];
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name];
    const original = stream.write;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      captured[name].push(...text.split('\n').filter((line) => line !== ''));
      rest.find((arg): arg is () => void => typeof arg === 'function')?.();
      return true;
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = original;
    });
  }
  try {
    const result = await work();
    return { result, ...captured };
  } finally {
    for (const undo of restore) undo();
  }
}

/** The lines that parse as JSON objects, parsed. */
export function jsonLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? [value as Record<string, unknown>]
        : [];
    } catch {
      return [];
    }
  });
}
