import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BUNDLE_FILE, FUNCTION_ENTRIES, type FunctionName, prebuiltBundleDir } from './runtime-settings';

/** The `name` in this project's package.json, which marks the package root wherever the code runs from. */
const PACKAGE_NAME = 'voucherify-webhook-receiver';

/**
 * The package root: the nearest folder above this file whose package.json is this package's. Found by walking up from
 * `__dirname`, so it is the same whether this code runs as TypeScript in a checkout (tsx, ts-jest), or as the compiled
 * bundle in `dist/` of an installed package (`node_modules/voucherify-webhook-receiver`). Not `package-lock.json`:
 * npm never packs a lock file, so in an install that search would end in the user's own project.
 */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

/** Where one Lambda's code comes from: its TypeScript source (a checkout) or its pre-built bundle (an install). */
export interface FunctionEntry {
  readonly name: FunctionName;
  /** The handler source, bundled with esbuild at synth. Set in a checkout of this repository. */
  readonly sourceFile?: string;
  /** The folder of the pre-built bundle (`index.js` exporting `handler`). Set in an installed package. */
  readonly bundleDir?: string;
}

/**
 * Where the code of function `name` is. A checkout bundles from the sources (so a synth never ships a stale build);
 * an installed package has no sources and ships the bundles `npm run build` made when it was packed, so a user's synth
 * needs neither esbuild nor this repository.
 */
export function functionEntry(name: FunctionName): FunctionEntry {
  const sourceFile = path.join(PACKAGE_ROOT, FUNCTION_ENTRIES[name]);
  if (existsSync(sourceFile)) return { name, sourceFile };
  const bundleDir = path.join(PACKAGE_ROOT, prebuiltBundleDir(name));
  if (existsSync(path.join(bundleDir, BUNDLE_FILE))) return { name, bundleDir };
  throw new Error(
    `no code for the "${name}" function: neither its source ${FUNCTION_ENTRIES[name]} nor its pre-built bundle ` +
      `${prebuiltBundleDir(name)}/${BUNDLE_FILE} is under ${PACKAGE_ROOT} (in a checkout, run \`npm run build\` to build it)`,
  );
}

function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && readName(manifest) === PACKAGE_NAME) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json named "${PACKAGE_NAME}" in ${start} or any folder above it`);
    dir = parent;
  }
}

function readName(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}
