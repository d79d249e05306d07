import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The repository root: the nearest folder above this file that holds `package-lock.json`. Found by walking up from
 * `__dirname` so it is the same whether this file runs as TypeScript (tsx, ts-jest) or as compiled JavaScript in an
 * output folder.
 */
export const PROJECT_ROOT = findUp(__dirname, 'package-lock.json');

/** The lock file esbuild's bundling is keyed on (NodejsFunction would otherwise search from the current directory). */
export const LOCK_FILE = path.join(PROJECT_ROOT, 'package-lock.json');

/** The entry file of one Lambda, `functions/<name>/handler.ts` (or `.js` when only compiled sources exist). */
export function functionEntry(name: string): string {
  for (const extension of ['ts', 'js']) {
    const candidate = path.join(PROJECT_ROOT, 'functions', name, `handler.${extension}`);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`no handler for the "${name}" function: expected functions/${name}/handler.ts under ${PROJECT_ROOT}`);
}

function findUp(start: string, file: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, file))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no ${file} found in ${start} or any folder above it`);
    dir = parent;
  }
}
