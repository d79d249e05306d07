#!/usr/bin/env node
/**
 * `npm run build`: builds what the package ships into dist/ (npm runs it as `prepare`, so before every `npm pack` and
 * for an install from git):
 * - dist/lambda/<name>/index.js (+ .map): each Lambda of FUNCTION_ENTRIES, bundled with LAMBDA_BUILD_OPTIONS
 *   (lib/runtime-settings.ts), which the construct deploys as they are when it finds no sources beside it;
 * - dist/index.js: the construct library (lib/index.ts) as one CommonJS file; only aws-cdk-lib and constructs (the
 *   peer dependencies) stay require()s, so a user's app needs nothing else at run time;
 * - dist/types/: its TypeScript declarations (tsconfig.build.json);
 * - dist/voucherify-events.js: the CLI, and dist/voucherify-smoke.js: the smoke, each self-contained (the AWS SDK
 *   clients inside), which the `bin` launchers in cli/ run in an install.
 *
 * Plain JavaScript on purpose: it runs before (and without) the TypeScript tooling. Without esbuild (an install with
 * `--omit=dev`) it builds nothing and says so instead of failing the install. tools/build-cli.js builds only the CLI.
 */
const { execFileSync } = require('node:child_process');
const { copyFileSync, existsSync, mkdirSync, rmSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
/** What a command-line bundle runs on: the oldest Node the package supports (package.json "engines"). */
const CLI_TARGET = 'node20';
/** The peer dependencies: the user's copies, never bundled (one aws-cdk-lib in the user's tree). */
const PEERS = ['aws-cdk-lib', 'constructs'];

function loadEsbuild() {
  try {
    return require('esbuild');
  } catch {
    return undefined;
  }
}

/**
 * Loads a TypeScript module of this repository (the shared settings) through esbuild, so this script needs no tsx.
 * @returns {any}
 */
function loadTypeScript(esbuild, file) {
  const { outputFiles } = esbuild.buildSync({
    entryPoints: [path.join(ROOT, file)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    write: false,
  });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', outputFiles[0].text)(module, module.exports, require);
  return module.exports;
}

/** A self-contained command: `main()` exported (the launchers and tests call it), every package inside. */
function commandOptions(entry, outfile) {
  return {
    entryPoints: [path.join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: CLI_TARGET,
    format: 'cjs',
    minify: true,
    mainFields: ['module', 'main'],
    legalComments: 'none',
    logLevel: 'warning',
  };
}

/** Builds the `voucherify-events` command into `outdir`/voucherify-events.js. */
function buildCli(esbuild, outdir) {
  esbuild.buildSync(commandOptions('cli/cli.ts', path.join(outdir, 'voucherify-events.js')));
}

function buildAll(esbuild) {
  const settings = loadTypeScript(esbuild, 'lib/runtime-settings.ts');
  rmSync(DIST, { recursive: true, force: true });

  for (const [name, entry] of Object.entries(settings.FUNCTION_ENTRIES)) {
    esbuild.buildSync({
      ...settings.LAMBDA_BUILD_OPTIONS,
      external: [...settings.LAMBDA_BUILD_OPTIONS.external],
      mainFields: [...settings.LAMBDA_BUILD_OPTIONS.mainFields],
      entryPoints: [path.join(ROOT, entry)],
      outfile: path.join(ROOT, settings.prebuiltBundleDir(name), settings.BUNDLE_FILE),
      absWorkingDir: ROOT,
    });
  }

  esbuild.buildSync({
    entryPoints: [path.join(ROOT, 'lib', 'index.ts')],
    outfile: path.join(DIST, 'index.js'),
    bundle: true,
    platform: 'node',
    target: CLI_TARGET,
    format: 'cjs',
    // Not minified: a user reading a stack trace from their synth lands in readable code.
    external: PEERS.flatMap((peer) => [peer, `${peer}/*`]),
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });

  buildCli(esbuild, DIST);
  esbuild.buildSync(commandOptions('cli/smoke.ts', path.join(DIST, 'voucherify-smoke.js')));

  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc');
  } catch {
    process.stderr.write('build: typescript is not installed; dist/types (the declarations) was not built\n');
    return;
  }
  execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  // tsc emits declarations for TypeScript files only: the generated validators' hand-written .d.ts goes beside them.
  const validators = 'functions/core/ingest/schemas/generated/validators.d.ts';
  mkdirSync(path.dirname(path.join(DIST, 'types', validators)), { recursive: true });
  copyFileSync(path.join(ROOT, validators), path.join(DIST, 'types', validators));
}

function main() {
  const esbuild = loadEsbuild();
  if (!esbuild) {
    // An install without esbuild cannot build; failing here would fail the whole `npm install` for files it may not
    // need (a checkout runs the sources through tsx).
    process.stderr.write('build: esbuild is not installed; dist/ was not built\n');
    return;
  }
  try {
    buildAll(esbuild);
  } catch (error) {
    // esbuild has printed its errors; tsc its own.
    if (!error?.errors && !error?.status) console.error(error);
    process.exitCode = 1;
  }
  if (!process.exitCode && !existsSync(path.join(DIST, 'index.js'))) process.exitCode = 1;
}

if (require.main === module) main();

module.exports = { buildCli, loadEsbuild };
