/**
 * The README's operator policies ("IAM to run the smoke", "IAM to erase a customer"), read from their JSON block and
 * simulated for one IAM user with AWS's reference data (@cloud-copilot/iam-simulate), as AWS would judge a request.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

const ROOT = join(__dirname, '..', '..', '..');
export const README_ACCOUNT = '123456789012';
export const README_REGION = 'eu-west-1';

/** The first ```json block after a README heading. */
export function readmePolicy(heading: string): unknown {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(heading);
  if (at < 0) throw new Error(`README: no heading "${heading}"`);
  const block = /```json\n([\s\S]*?)\n```/.exec(readme.slice(at));
  if (!block) throw new Error(`README: no \`\`\`json block under "${heading}"`);
  return JSON.parse(block[1] as string);
}

export interface OperatorCall {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
}

/** The verdict for one call by a user holding only `policy` (or the simulator's errors, which fail a test). */
export async function operatorVerdict(policy: unknown, call: OperatorCall, user: string): Promise<string> {
  const simulation: Simulation = {
    request: {
      principal: `arn:aws:iam::${README_ACCOUNT}:user/${user}`,
      action: call.action,
      resource: { resource: call.resource, accountId: README_ACCOUNT },
      contextVariables: call.context ?? {},
    },
    identityPolicies: [{ name: user, policy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') return `error: ${JSON.stringify(result.errors)}`;
  return result.overallResult;
}
