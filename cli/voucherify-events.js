#!/usr/bin/env node
// The `voucherify-events` command (package.json "bin", and `npm run events`); cli/launch.js says which code it runs.
require('./launch').launch({ command: 'voucherify-events', source: 'cli.ts', built: 'voucherify-events.js' });
