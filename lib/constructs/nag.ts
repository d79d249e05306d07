import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** One reviewed exception to a cdk-nag rule, in the shape `NagSuppressions.addResourceSuppressions` takes. */
export interface NagSuppression {
  /** The rule, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  /** Why the finding does not apply here (cdk-nag requires at least 10 characters). */
  readonly reason: string;
  /** The findings of a granular rule this covers (e.g. `Resource::*`); every finding of the rule when absent. */
  readonly appliesTo?: readonly (string | { readonly regex: string })[];
}

/** The CloudFormation metadata key cdk-nag reads suppressions from. */
const NAG_METADATA_KEY = 'cdk_nag';

interface NagMetadataRule {
  id: string;
  reason: string;
  applies_to?: (string | { regex: string })[];
  is_reason_encoded?: boolean;
}

/**
 * Records cdk-nag suppressions on `construct`'s CloudFormation resource (and, with `applyToChildren`, on every resource
 * under it), as the `cdk_nag` metadata cdk-nag reads, in the format its own `NagSuppressions.addResourceSuppressions`
 * writes. Written here instead of calling cdk-nag so the package needs cdk-nag only where the checks run (this
 * repository's tests), never in a user's app; test/infra/nag.test.ts proves the suppressions still take effect.
 */
export function addNagSuppressions(
  construct: IConstruct,
  suppressions: readonly NagSuppression[],
  applyToChildren = false,
): void {
  for (const suppression of suppressions) {
    if (suppression.reason.length < 10) {
      throw new Error(
        `${construct.node.id}: the suppression of ${suppression.id} needs a reason of 10 characters or more`,
      );
    }
  }
  const targets = applyToChildren ? construct.node.findAll() : [construct];
  for (const target of targets) {
    const resource = target.node.defaultChild ?? target;
    if (!(resource instanceof CfnResource)) continue;
    const existing = (resource.getMetadata(NAG_METADATA_KEY) as { rules_to_suppress?: NagMetadataRule[] } | undefined)
      ?.rules_to_suppress;
    // Serialised for de-duplication, as cdk-nag does: the same suppression added twice is kept once.
    const rules = new Set(
      [...(existing ?? []), ...suppressions.map(toMetadataRule)].map((rule) => JSON.stringify(rule)),
    );
    resource.addMetadata(NAG_METADATA_KEY, { rules_to_suppress: [...rules].map((rule) => JSON.parse(rule)) });
  }
}

/** cdk-nag's stored form: `applies_to`, and a reason with characters beyond Latin-1 stored base64 with a flag. */
function toMetadataRule(suppression: NagSuppression): NagMetadataRule {
  const encoded = [...suppression.reason].some((character) => (character.codePointAt(0) ?? 0) > 255);
  return {
    id: suppression.id,
    reason: encoded ? Buffer.from(suppression.reason).toString('base64') : suppression.reason,
    ...(suppression.appliesTo ? { applies_to: [...suppression.appliesTo] } : {}),
    ...(encoded ? { is_reason_encoded: true } : {}),
  };
}
