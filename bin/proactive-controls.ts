/**
 * AWS Control Tower's proactive controls (the CloudFormation Guard rules bundled with `@cdklabs/cdk-validator-cfnguard`)
 * as a CDK policy-validation plugin: every synth (`npm run synth`, `cdk synth`, `cdk deploy`, the infra tests) checks
 * the template against them and fails on any violation. The exemptions below are the rules this stack does not meet
 * on purpose; SECURITY.md ("AWS proactive controls") gives the same list with the reasons.
 */
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { type App, Validations } from 'aws-cdk-lib';

export interface GuardExemption {
  /** The control's id in the Control Tower documentation. */
  readonly control: string;
  /** The rule file's name, which is how the plugin disables a rule (for the whole app: the plugin has no finer scope). */
  readonly rule: string;
  /** Why the stack does not meet it. */
  readonly reason: string;
}

export const GUARD_EXEMPTIONS: readonly GuardExemption[] = [
  {
    control: 'CT.APIGATEWAY.PR.5',
    rule: 'ct-apigateway-pr-5',
    reason:
      'The webhook route has no API Gateway authorizer: Voucherify can neither sign with SigV4 nor send a JWT. Each ' +
      'request is authenticated by its HMAC signature (x-voucherify-signature over the raw body), checked by the ' +
      'ingest function before anything is stored; unsigned or wrongly signed requests get 401.',
  },
  {
    control: 'CT.CLOUDWATCH.PR.2',
    rule: 'ct-cloudwatch-pr-2',
    reason:
      'Log retention is the logRetentionDays setting (default 30 days), not a year: the events table is the record ' +
      'of every event, and the logs carry event and customer ids, kept no longer than operations need. Setting ' +
      'logRetentionDays to 365 or more meets the control.',
  },
  {
    control: 'CT.CLOUDWATCH.PR.3',
    rule: 'ct-cloudwatch-pr-3',
    reason:
      'The log groups are encrypted at rest by CloudWatch Logs with its own keys. A customer-managed key would add a ' +
      'key policy admitting the Logs service, a monthly key cost and a way to lose the logs by disabling the key; the ' +
      'same trade-off as the events table (AWS managed key), taken the same way.',
  },
  {
    control: 'CT.LAMBDA.PR.2',
    rule: 'ct-lambda-pr-2',
    reason:
      'The one Lambda permission (API Gateway invoking ingest) does carry a SourceArn: this API, its webhook route. ' +
      'The rule accepts only a literal string or a plain Ref/GetAtt there, and the ARN is an Fn::Join; the IAM ' +
      'simulation (test/infra/iam-reference.test.ts) shows that another API, another account and anonymous callers ' +
      'cannot invoke.',
  },
  {
    control: 'CT.LAMBDA.PR.3',
    rule: 'ct-lambda-pr-3',
    reason:
      'The functions reach only AWS public endpoints (DynamoDB, Secrets Manager, SNS) and no private resource. In a ' +
      'VPC they would need a NAT gateway or four interface endpoints (a fixed monthly cost larger than the whole ' +
      'stack at webhook volumes) and gain no isolation, since all their traffic goes to those endpoints anyway.',
  },
  {
    control: 'CT.S3.PR.2',
    rule: 'ct-s3-pr-2',
    reason:
      'The bodies bucket has no server access logs: only the ingest function writes to it and only the alerts ' +
      'function and operators read it, all through IAM roles scoped to its bodies/ prefix; CloudTrail data events ' +
      'are the audit trail where one is required. A log bucket would be one more bucket to secure.',
  },
  {
    control: 'CT.S3.PR.4',
    rule: 'ct-s3-pr-4',
    reason:
      'Nothing reacts to a body being written: the item that points at it is written right after, and the alerts ' +
      'read the table stream, not the bucket. An event notification would have no consumer.',
  },
  {
    control: 'CT.S3.PR.9',
    rule: 'ct-s3-pr-9',
    reason:
      'Object Lock would stop the lifecycle rule (the retention) and an erasure request from deleting a body. The ' +
      'bodies hold personal data that must go when its retention ends or when a customer asks.',
  },
  {
    control: 'CT.S3.PR.11',
    rule: 'ct-s3-pr-11',
    reason:
      'The bodies bucket is not versioned: each object is written once under a key derived from its bytes and never ' +
      'overwritten, so versions would only keep what the retention or an erasure deletes.',
  },
];

/** The plugin with the bundled Control Tower rules, minus the exemptions. */
export function proactiveControls(exemptions: readonly GuardExemption[] = GUARD_EXEMPTIONS): CfnGuardValidator {
  return new CfnGuardValidator({ disabledRules: exemptions.map((e) => e.rule) });
}

/** Checks every stack of `app` against the proactive controls when it is synthesized. */
export function addProactiveControls(app: App, exemptions: readonly GuardExemption[] = GUARD_EXEMPTIONS): App {
  Validations.of(app).addPlugins(proactiveControls(exemptions));
  return app;
}
