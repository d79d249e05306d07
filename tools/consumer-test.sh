#!/usr/bin/env bash
# `npm run consumer-test [-- VERSION...]`: uses the package as a new user does. Packs it (`npm pack`, which runs the
# build), installs the tarball into fresh CDK apps in a temporary folder outside the repository, once beside each
# aws-cdk-lib VERSION (default: `latest` and the oldest that package.json's peerDependencies accept), and checks:
#   - a plain JavaScript app (`node app.js`) and a TypeScript app (`tsc` with the `cdk init` compiler options, then
#     node) synthesize a stack holding the receiver: the ingest function from its pre-built bundle, the webhook route;
#   - the user's tree holds one aws-cdk-lib (`npm ls aws-cdk-lib`), and neither esbuild nor cdk-nag;
#   - the commands run from the install: `npx voucherify-events --help`, `npx voucherify-smoke --help`.
# Needs the npm registry (for aws-cdk-lib); exits non-zero on the first failed check.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

oldest=$(node -p "/>=\s*([0-9.]+)/.exec(require('./package.json').peerDependencies['aws-cdk-lib'])[1]")
versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then versions=(latest "$oldest"); fi
# The compiler the apps are built with: the one this repository pins.
typescript=$(node -p "require('./package.json').devDependencies.typescript")

work=$(mktemp -d "${TMPDIR:-/tmp}/voucherify-consumer-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { printf 'consumer-test: FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf '  ok  %s\n' "$*"; }

echo "== npm pack"
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -1)"
[ -f "$tarball" ] || fail "npm pack wrote no tarball"
printf '  %s, %s bytes\n' "$(basename "$tarball")" "$(stat -c %s "$tarball")"

# The template checks, run by node inside the app folder: the receiver's ingest function, deployed from the pre-built
# bundle shipped in the package, and its route.
cat >"$work/check-template.js" <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const [outdir, stackName] = process.argv.slice(2);
const template = JSON.parse(fs.readFileSync(path.join(outdir, `${stackName}.template.json`), 'utf8'));
const resources = Object.entries(template.Resources);
const fail = (message) => { console.error(`template: ${message}`); process.exit(1); };
const functions = resources.filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler');
const ingest = functions.find(([id]) => /IngestFunction[0-9A-F]{8}$/.test(id));
if (!ingest) fail(`no ingest function among ${functions.map(([id]) => id).join(', ') || 'no functions'}`);
if (ingest[1].Properties.Runtime !== 'nodejs24.x') fail(`ingest runs on ${ingest[1].Properties.Runtime}`);
const route = resources.find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.RouteKey === 'ANY /webhooks/voucherify');
if (!route) fail('no ANY /webhooks/voucherify route');
const assetPath = ingest[1].Metadata?.['aws:asset:path'];
const bundle = assetPath && path.join(outdir, assetPath, 'index.js');
if (!bundle || !fs.existsSync(bundle)) fail(`the ingest asset ${assetPath} holds no index.js`);
// Loads as Lambda would load it (the settings it reads at cold start; nothing is called).
Object.assign(process.env, {
  AWS_REGION: 'eu-west-1',
  TABLE_NAME: 'events',
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook-AbCdEf',
  // Lambda runs it on Node 24; the SDK's end-of-support notice for this machine's Node is not the package's concern.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});
if (typeof require(path.resolve(bundle)).handler !== 'function') fail('the ingest bundle exports no handler');
console.log(`  ok  ${stackName}: ${resources.length} resources, ${functions.length} functions, route ${route[1].Properties.RouteKey}, ingest bundle ${fs.statSync(bundle).size} bytes`);
EOF

# One app per version, side by side: each installs and synthesizes on its own (the installs are mostly network time).
check_version() {
  local version=$1
  local app="$work/app-$version"
  mkdir -p "$app"
  cd "$app"
  echo "== aws-cdk-lib@$version"
  printf '{ "name": "consumer-app", "version": "0.0.0", "private": true }\n' >package.json
  npm install --no-audit --no-fund --loglevel=error "aws-cdk-lib@$version" constructs@10 "typescript@$typescript" \
    @types/node@20 "$tarball" >install.log 2>&1 || { cat install.log; fail "npm install beside aws-cdk-lib@$version"; }
  if grep -q EBADENGINE install.log; then cat install.log; fail "EBADENGINE"; fi
  installed=$(node -p "require('aws-cdk-lib/package.json').version")
  ok "installed beside aws-cdk-lib $installed"

  # Plain JavaScript: no TypeScript anywhere at run time.
  cat >app.js <<'EOF'
const { App, Stack } = require('aws-cdk-lib');
const { VoucherifyWebhookReceiver } = require('voucherify-webhook-receiver');

const app = new App({ outdir: 'cdk.out.js', context: { 'aws:cdk:enable-asset-metadata': true } });
const stack = new Stack(app, 'ConsumerJs', { env: { account: '123456789012', region: 'eu-west-1' } });
new VoucherifyWebhookReceiver(stack, 'Receiver', { retentionDays: 7 });
app.synth();
EOF
  node app.js || fail "node app.js"
  node ../check-template.js cdk.out.js ConsumerJs || fail "the JavaScript app's template"

  # TypeScript with the compiler options `cdk init app --language typescript` writes (strict, no skipLibCheck), so the
  # package's declarations are checked too; a topic of the user's own crosses into the construct's props.
  cat >tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["es2022"],
    "declaration": true,
    "strict": true,
    "noImplicitAny": true,
    "strictNullChecks": true,
    "noImplicitThis": true,
    "alwaysStrict": true,
    "noImplicitReturns": true,
    "experimentalDecorators": true,
    "strictPropertyInitialization": false,
    "typeRoots": ["./node_modules/@types"],
    "outDir": "build"
  },
  "files": ["app.ts"]
}
EOF
  cat >app.ts <<'EOF'
import { App, Stack } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { VoucherifyWebhookReceiver, type VoucherifyWebhookReceiverProps } from 'voucherify-webhook-receiver';

const app = new App({ outdir: 'cdk.out.ts', context: { 'aws:cdk:enable-asset-metadata': true } });
const stack = new Stack(app, 'ConsumerTs', { env: { account: '123456789012', region: 'eu-west-1' } });
const props: VoucherifyWebhookReceiverProps = { alertTopic: new Topic(stack, 'MyAlerts'), logLevel: 'info' };
const receiver = new VoucherifyWebhookReceiver(stack, 'Receiver', props);
receiver.ingestFunction.addEnvironment('EXAMPLE', 'value');
app.synth();
EOF
  npx tsc -p tsconfig.json || fail "tsc"
  node build/app.js || fail "node build/app.js"
  node ../check-template.js cdk.out.ts ConsumerTs || fail "the TypeScript app's template"

  copies=$(npm ls aws-cdk-lib --all --parseable | sort -u | grep -c 'node_modules/aws-cdk-lib$' || true)
  npm ls aws-cdk-lib --all
  [ "$copies" = 1 ] || fail "$copies copies of aws-cdk-lib in the user's tree"
  ok "one aws-cdk-lib in the user's tree"
  for unwanted in esbuild cdk-nag; do
    if [ -d "node_modules/$unwanted" ]; then fail "node_modules/$unwanted was installed"; fi
  done
  ok "no esbuild, no cdk-nag installed"

  npx --no-install voucherify-events --help | head -1 | grep -q '^Usage: voucherify-events' || fail "npx voucherify-events --help"
  ok "npx voucherify-events --help"
  npx --no-install voucherify-smoke --help | head -1 | grep -q '^Usage: ' || fail "npx voucherify-smoke --help"
  ok "npx voucherify-smoke --help"
}

pids=()
for version in "${versions[@]}"; do
  (check_version "$version") >"$work/log-$version" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!versions[@]}"; do
  wait "${pids[$i]}" || failed=1
  cat "$work/log-${versions[$i]}"
done
[ "$failed" = 0 ] || fail "see above"
echo "consumer-test: passed (aws-cdk-lib ${versions[*]})"
