#!/usr/bin/env node
/**
 * Builds the `voucherify-events` command into dist/voucherify-events.js: one CommonJS file, esbuild-bundled from
 * cli/cli.ts, the packages of "dependencies" left as require()s. npm runs it as `prepare` on every `npm install` /
 * `npm ci`, so an install without devDependencies (no tsx there) still has a command that runs on plain Node.
 *
 * Plain JavaScript on purpose: it runs before (and without) the TypeScript tooling. `node tools/build-cli.js DIR`
 * writes to DIR instead (the tests build into a temporary folder).
 */
const path = require('node:path');

const outdir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'dist'));

let esbuild;
try {
  esbuild = require('esbuild');
} catch {
  // An install without esbuild cannot build; the launcher then runs the source through tsx if that is installed and
  // says what is missing if not. Failing here would fail the whole `npm install` for a command it may not need.
  process.stderr.write('build-cli: esbuild is not installed; dist/voucherify-events.js was not built\n');
  process.exit(0);
}

esbuild
  .build({
    entryPoints: [path.join(__dirname, '..', 'cli', 'cli.ts')],
    outfile: path.join(outdir, 'voucherify-events.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'warning',
  })
  .catch(() => {
    // esbuild has printed the errors.
    process.exit(1);
  });
