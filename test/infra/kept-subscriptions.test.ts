/**
 * Subscriptions survive redeploys: alert emails and chat channels are kept in cdk.json, so every deploy (a person's,
 * a pipeline's) builds the same subscriptions. One given only with `-c` would be removed by the next deploy without
 * it, so the app stops the synth and says where to put it, instead of letting on-call lose its alerts silently.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import { readKeptContext, SettingsError } from '../../lib/config';
import { VoucherifyWebhooksStack } from '../../lib/voucherify-webhooks-stack';
import { newApp, STACK_NAME } from '../helpers/infra';

const KEPT = {
  alertEmails: ['oncall@example.com', 'payments@example.com'],
  chatChannels: [{ platform: 'slack', name: 'voucherify-cases', workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' }],
};

/** A deploy as the CDK CLI runs it: cdk.json's context, plus whatever `-c` adds on top. */
function deploy(commandLine: Record<string, unknown> = {}, kept: Record<string, unknown> = KEPT): Template {
  const app = newApp({ ...kept, ...commandLine });
  return Template.fromStack(VoucherifyWebhooksStack.fromContext(app, STACK_NAME, {}, { keptContext: kept }));
}

/** What the deploy subscribes: email endpoints and chat channel configurations. */
function subscriptions(template: Template) {
  return {
    emails: Object.values(template.findResources('AWS::SNS::Subscription'))
      .filter((s) => s.Properties.Protocol === 'email')
      .map((s) => s.Properties.Endpoint)
      .sort(),
    slack: Object.values(template.findResources('AWS::Chatbot::SlackChannelConfiguration')).map(
      (c) => c.Properties.ConfigurationName,
    ),
  };
}

function settingsError(run: () => unknown): SettingsError {
  try {
    run();
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error('expected a SettingsError');
}

describe('a deploy with the flag and one without it', () => {
  it('give the same subscriptions when the flag repeats what cdk.json keeps (any order, any spacing)', () => {
    const plain = subscriptions(deploy());
    const flagged = subscriptions(
      deploy({
        alertEmails: ' payments@example.com,oncall@example.com',
        chatChannels: JSON.stringify(KEPT.chatChannels),
      }),
    );
    expect(plain).toEqual({ emails: ['oncall@example.com', 'payments@example.com'], slack: ['voucherify-cases'] });
    expect(flagged).toEqual(plain);
  });

  it('never differ silently: an address given only with -c stops the synth and says to keep it in cdk.json', () => {
    const error = settingsError(() => deploy({ alertEmails: 'new@example.com' }, {}));
    expect(error.problems).toEqual([
      expect.stringMatching(
        /^alertEmails differs from cdk\.json \(given with -c\?\): a later deploy without it would remove those subscriptions without a word\. Put the value into the "context" of cdk\.json/,
      ),
    ]);
    expect(error.message).toContain('this deploy has "new@example.com"');
  });

  it('also refuses -c that drops or changes a kept channel, or turns the chat topic on for one deploy', () => {
    expect(settingsError(() => deploy({ alertEmails: 'oncall@example.com' })).problems).toEqual([
      expect.stringMatching(/^alertEmails differs from cdk\.json/),
    ]);
    expect(settingsError(() => deploy({ chatChannels: '[]' })).problems).toEqual([
      expect.stringMatching(/^chatChannels differs from cdk\.json/),
    ]);
    expect(settingsError(() => deploy({ chatTopic: 'true' }, {})).problems).toEqual([
      expect.stringMatching(/^chatTopic differs from cdk\.json/),
    ]);
  });

  it('leaves the other settings to -c as before', () => {
    expect(() => deploy({ retentionDays: '90', logLevel: 'debug' })).not.toThrow();
  });
});

describe('readKeptContext', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kept-context-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the context of cdk.json over cdk.context.json, and nothing where neither exists', () => {
    expect(readKeptContext(dir)).toEqual({});
    writeFileSync(join(dir, 'cdk.context.json'), JSON.stringify({ alertEmails: ['old@example.com'], other: 1 }));
    writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ app: 'x', context: { alertEmails: ['a@example.com'] } }));
    expect(readKeptContext(dir)).toEqual({ alertEmails: ['a@example.com'], other: 1 });
  });

  it('says which file is broken', () => {
    writeFileSync(join(dir, 'cdk.json'), '{ "context": ');
    expect(() => readKeptContext(dir)).toThrow(/cdk\.json is not valid JSON/);
  });
});

describe('the app (bin/app.ts) as the CDK CLI runs it', () => {
  const run = promisify(execFile);
  const outdir = mkdtempSync(join(tmpdir(), 'kept-app-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('fails `cdk deploy -c alertEmails=…` when cdk.json does not keep the address', async () => {
    // The CLI hands the app its merged context in CDK_CONTEXT_JSON and runs it in the project folder (cdk.json).
    const context = { alertEmails: 'oncall@example.com', 'aws:cdk:bundling-stacks': [] };
    const result = await run('npx', ['tsx', 'bin/app.ts'], {
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('alertEmails differs from cdk.json (given with -c?)');
  });
});
