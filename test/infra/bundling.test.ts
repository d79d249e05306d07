import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { VoucherifyWebhooksStack } from '../../lib/voucherify-webhooks-stack';
import { ingestFunction, newApp, STACK_NAME } from '../helpers/infra';

// The one test that lets NodeFunction really run esbuild (in-process, no Docker), as `cdk synth` does in a checkout.
describe('ingest bundle', () => {
  let bundleDir: string;
  beforeAll(() => {
    // Asset metadata on, as the CDK CLI sets it: it is also what `sam local invoke` uses to find the bundle.
    const app = newApp({ 'aws:cdk:enable-asset-metadata': true }, { bundle: true });
    VoucherifyWebhooksStack.fromContext(app, STACK_NAME);
    const assembly = app.synth();
    const template = Template.fromJSON(assembly.getStackByName(STACK_NAME).template);
    const metadata = ingestFunction(template).resource.Metadata;
    expect(metadata['aws:asset:is-bundled']).toBe(true);
    bundleDir = path.join(assembly.directory, metadata['aws:asset:path']);
  });

  it('is one minified file with its source map', () => {
    const bundle = path.join(bundleDir, 'index.js');
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    expect(readFileSync(bundle, 'utf8')).toMatch(/\/\/# sourceMappingURL=index\.js\.map\s*$/);
    // Minified and tree-shaken: well under a megabyte with both SDK clients inside.
    expect(statSync(bundle).size).toBeLessThan(1_000_000);
  });

  it('carries the AWS SDK clients itself instead of requiring the runtime copy, but the S3 client of rare bodies', () => {
    const code = readFileSync(path.join(bundleDir, 'index.js'), 'utf8');
    const required = [...new Set(code.match(/require\(["'](@aws-sdk|@smithy)\/[^"']+["']\)/g) ?? [])];
    // Left out are the SDK's optional SigV4a signers, looked up inside a try (or named in an error message; neither
    // DynamoDB nor Secrets Manager uses SigV4a), and the S3 client, required only when a body overflows its item
    // (lib/runtime-settings.ts says why).
    expect(required.filter((call) => !/signature-v4(-crt|a)/.test(call))).toEqual(['require("@aws-sdk/client-s3")']);
    // ...and the clients' own operations are inside the bundle.
    expect(code.includes('"PutItem"')).toBe(true);
    expect(code.includes('"GetSecretValue"')).toBe(true);
  });

  it('loads on Node and exports the handler', () => {
    const out = execFileSync(
      process.execPath,
      ['-e', 'process.stdout.write(typeof require(process.argv[1]).handler)', path.join(bundleDir, 'index.js')],
      {
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'eu-west-1',
          TABLE_NAME: 'events',
          WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook-AbCdEf',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        encoding: 'utf8',
      },
    );
    expect(out).toBe('function');
  });
});
