/**
 * AWS Control Tower's proactive controls (cfn-guard rules bundled with @cdklabs/cdk-validator-cfnguard), run as the
 * CDK policy-validation plugin exactly as bin/app.ts adds it: the stack passes all of them but the named exemptions;
 * each exemption is still needed (the rule does fail without it, on the resources it is about) and is written up in
 * SECURITY.md; and a resource that breaks a control fails the synth.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { addProactiveControls, GUARD_EXEMPTIONS, type GuardExemption } from '../../bin/proactive-controls';
import { VoucherifyWebhooksStack } from '../../lib/voucherify-webhooks-stack';
import { newApp, STACK_NAME } from '../helpers/infra';

interface Violation {
  readonly control: string;
  readonly paths: string[];
}

/** What a synth with the controls reports: the violations (none when it passes). */
function synthWithControls(
  exemptions: readonly GuardExemption[],
  context: Record<string, unknown> = {},
  extend: (stack: VoucherifyWebhooksStack) => void = () => {},
): { passed: boolean; violations: Violation[] } {
  const app: App = addProactiveControls(newApp(context), exemptions);
  extend(VoucherifyWebhooksStack.fromContext(app, STACK_NAME));
  try {
    app.synth();
    return { passed: true, violations: [] };
  } catch (error) {
    const report = path.join(app.outdir, 'validation-report.json');
    if (!existsSync(report)) throw error;
    const json = JSON.parse(readFileSync(report, 'utf8')) as {
      pluginReports: {
        violations: { description: string; violatingConstructs: { constructPath: string }[] }[];
      }[];
    };
    const violations = json.pluginReports.flatMap((plugin) =>
      plugin.violations.map((v) => ({
        control: /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(v.description)?.[1] ?? v.description,
        paths: v.violatingConstructs.map((c) => c.constructPath).sort(),
      })),
    );
    return { passed: false, violations };
  }
}

const EVERYTHING_ON = {
  alertEmails: 'oncall@example.com',
  allowedSourceRegions: 'eu1',
  tableName: 'voucherify-events',
  ingestFunctionName: 'voucherify-ingest',
  removalPolicy: 'destroy',
  deletionProtection: 'false',
  // A Slack and a Teams channel: the chat topic, its channel configurations and their role.
  chatChannels: JSON.stringify([
    { platform: 'slack', name: 'voucherify-cases', workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
    {
      platform: 'teams',
      name: 'voucherify-cases-teams',
      tenantId: '00000000-1111-2222-3333-444444444444',
      teamId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      channelId: '19%3a0123456789abcdef%40thread.tacv2',
    },
  ]),
};

describe.each([
  ['default settings', {}],
  ['every option on', EVERYTHING_ON],
])('Control Tower proactive controls, %s', (_, context) => {
  it('the stack passes every control but the named exemptions', () => {
    // Act
    const result = synthWithControls(GUARD_EXEMPTIONS, context);

    // Assess
    expect(result.violations).toEqual([]);
    expect(result.passed).toBe(true);
  });
});

describe('the exemptions', () => {
  it('are each still needed: without them, exactly those controls fail, on the resources they are about', () => {
    // Act
    let root = '';
    const { violations } = synthWithControls([], {}, (stack) => {
      root = stack.receiver.node.path;
    });

    // Assess
    const byControl = Object.fromEntries(violations.map((v) => [v.control, v.paths]));
    expect(Object.keys(byControl).sort()).toEqual(GUARD_EXEMPTIONS.map((e) => e.control).sort());
    const logGroups = [
      `${root}/Alerts/FunctionLogGroup/Resource`,
      `${root}/Alerts/SweepFunctionLogGroup/Resource`,
      `${root}/Api/AccessLogs/Resource`,
      `${root}/IngestFunctionLogGroup/Resource`,
    ];
    expect(byControl).toEqual({
      'CT.APIGATEWAY.PR.5': [`${root}/Api/HttpApi/ANY--webhooks--voucherify/Resource`],
      'CT.CLOUDWATCH.PR.2': logGroups,
      'CT.CLOUDWATCH.PR.3': logGroups,
      'CT.LAMBDA.PR.2': [`${root}/Api/HttpApi/ANY--webhooks--voucherify/Handler-Permission`],
      'CT.LAMBDA.PR.3': [
        `${root}/Alerts/Function/Resource`,
        `${root}/Alerts/SweepFunction/Resource`,
        `${root}/IngestFunction/Resource`,
      ],
      'CT.S3.PR.2': [`${root}/Bodies/Bucket/Resource`],
      'CT.S3.PR.4': [`${root}/Bodies/Bucket/Resource`],
      'CT.S3.PR.9': [`${root}/Bodies/Bucket/Resource`],
      'CT.S3.PR.11': [`${root}/Bodies/Bucket/Resource`],
    });
  });

  it('are written up in SECURITY.md: each control, its rule and its reason', () => {
    // Prepare
    const security = readFileSync(path.join(__dirname, '../../SECURITY.md'), 'utf8');

    // Act / Assess
    for (const exemption of GUARD_EXEMPTIONS) {
      expect(security).toContain(exemption.control);
      expect(security).toContain(`\`${exemption.rule}\``);
      expect(exemption.reason.length).toBeGreaterThanOrEqual(150);
    }
  });

  it('retention of a year or more meets CT.CLOUDWATCH.PR.2 without its exemption', () => {
    // Prepare
    const without = GUARD_EXEMPTIONS.filter((e) => e.control !== 'CT.CLOUDWATCH.PR.2');

    // Act
    const result = synthWithControls(without, { logRetentionDays: '365' });

    // Assess
    expect(result).toEqual({ passed: true, violations: [] });
  });
});

describe('the controls are live (negative control)', () => {
  it('a queue added with neither a dead-letter queue nor a redrive-allow policy fails the synth (CT.SQS.PR.1)', () => {
    // Act
    const result = synthWithControls(GUARD_EXEMPTIONS, {}, (stack) => {
      new Queue(stack, 'CarelessQueue', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
    });

    // Assess
    expect(result.passed).toBe(false);
    expect(result.violations).toEqual([{ control: 'CT.SQS.PR.1', paths: [`${STACK_NAME}/CarelessQueue/Resource`] }]);
  });
});
