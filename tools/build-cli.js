#!/usr/bin/env node
/**
 * `node tools/build-cli.js [DIR]`: builds only the `voucherify-events` command, into DIR/voucherify-events.js (default
 * dist/), exactly as `npm run build` (tools/build-package.js) does for the package. The CLI tests build into a temporary
 * folder with it.
 */
const path = require('node:path');
const { buildCli, loadEsbuild } = require('./build-package');

const esbuild = loadEsbuild();
if (!esbuild) {
  process.stderr.write('build-cli: esbuild is not installed; voucherify-events.js was not built\n');
  process.exit(0);
}
try {
  buildCli(esbuild, path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'dist')));
} catch {
  // esbuild has printed the errors.
  process.exit(1);
}
