import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

// The main help as a user gets it (the launcher, the TypeScript source through tsx).
describe('voucherify-events --help', () => {
  const help = execFileSync(process.execPath, [path.join(ROOT, 'cli', 'voucherify-events.js'), '--help'], {
    encoding: 'utf8',
  });
  const commandLines = help
    .slice(help.indexOf('Commands:\n') + 'Commands:\n'.length)
    .split('\n\n')[0]
    ?.split('\n') as string[];

  it('lists every command on its own line', () => {
    expect(commandLines.length).toBeGreaterThanOrEqual(5);
    for (const name of ['list', 'show', 'stats', 'replay', 'reconcile']) {
      expect(commandLines.some((line) => line.startsWith(`  ${name}`))).toBe(true);
    }
  });

  it('starts every description in one column, after the longest usage and three spaces', () => {
    const columns = commandLines.map((line) => /^ {2}\S.*?\S {3,}(?=\S)/.exec(line)?.[0].length);
    expect(columns.every((column) => column !== undefined)).toBe(true);
    expect(new Set(columns).size).toBe(1);
    // Exactly three spaces after the longest usage: the column is no wider than it needs to be.
    expect(commandLines.some((line) => /^ {2}\S.*?\S {3}(?=\S)/.exec(line)?.[0].length === columns[0])).toBe(true);
  });
});
