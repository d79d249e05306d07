// Starts one of the package's commands (package.json "bin": voucherify-events, voucherify-smoke).
// - In a checkout of this repository (the TypeScript source beside this file, tsx installed): the source, through tsx's
//   require hook, so the command runs exactly the code the tests run and is never an older build.
// - In an installed package (no sources: npm packs only dist/ and these launchers) or a checkout without
//   devDependencies: dist/<command>.js, the self-contained JavaScript `npm run build` made (npm's `prepare`).
const { existsSync } = require('node:fs');
const path = require('node:path');

function hasTsx() {
  try {
    require.resolve('tsx/cjs');
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `main()` of the command whose source is cli/<source> and whose build is dist/<built>.
 * @param {{ command: string, source: string, built: string }} target
 */
function launch({ command, source, built }) {
  const sourceFile = path.join(__dirname, source);
  if (existsSync(sourceFile) && hasTsx()) {
    require('tsx/cjs');
    return require(sourceFile).main();
  }
  let entry;
  try {
    entry = require(path.join(__dirname, '..', 'dist', built));
  } catch (error) {
    if (error?.code !== 'MODULE_NOT_FOUND') throw error;
    process.stderr.write(
      `${command}: dist/${built} is missing and tsx is not installed; run \`npm run build\` (needs esbuild) or ` +
        'install the devDependencies\n',
    );
    process.exit(1);
  }
  return entry.main();
}

module.exports = { launch };
