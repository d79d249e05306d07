#!/usr/bin/env node
// The `voucherify-events` command (package.json "bin", and `npm run events`).
// - In a checkout with the dev tools (tsx installed): the TypeScript source, through tsx's require hook, so the command
//   runs exactly the code the tests run and is never an older build.
// - In an install without devDependencies (`npm ci --omit=dev`): dist/voucherify-events.js, the JavaScript that
//   `npm install` built with esbuild (the `prepare` script, tools/build-cli.js).
const path = require('node:path');

function hasTsx() {
  try {
    require.resolve('tsx/cjs');
    return true;
  } catch {
    return false;
  }
}

if (hasTsx()) {
  require('tsx/cjs');
  require('./cli.ts').main();
} else {
  let cli;
  try {
    cli = require(path.join(__dirname, '..', 'dist', 'voucherify-events.js'));
  } catch (error) {
    if (error?.code !== 'MODULE_NOT_FOUND') throw error;
    process.stderr.write(
      'voucherify-events: dist/voucherify-events.js is missing and tsx is not installed; run `npm run build` ' +
        '(needs esbuild) or install the devDependencies\n',
    );
    process.exit(1);
  }
  cli.main();
}
