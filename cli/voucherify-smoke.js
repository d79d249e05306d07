#!/usr/bin/env node
// The `voucherify-smoke` command (package.json "bin"; `npm run smoke` in a checkout): the end-to-end check of a
// deployment or the local mode. cli/launch.js says which code it runs.
require('./launch').launch({ command: 'voucherify-smoke', source: 'smoke.ts', built: 'voucherify-smoke.js' });
