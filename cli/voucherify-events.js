#!/usr/bin/env node
// The `voucherify-events` command (package.json "bin", and `npm run events`): runs the CLI's TypeScript through
// tsx's require hook, so there is no build step and the command runs exactly the code the tests run.
require('tsx/cjs');
require('./cli.ts').main();
