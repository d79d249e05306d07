import { userInfo } from 'node:os';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { UsageError } from './errors';
import type { Target } from './target';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Who is acting on a case, as its history records it: `--by` when given; else, against AWS, the caller's identity
 * (STS GetCallerIdentity: the ARN of the user or assumed role, e.g. `arn:aws:sts::123456789012:assumed-role/Ops/alice`);
 * else, in the local mode, the OS user. GetCallerIdentity needs no permission, so it never blocks an operator.
 */
export async function actingIdentity(target: Target, env: Env, by: string | undefined): Promise<string> {
  if (by !== undefined) {
    const clean = by.replace(/[\p{Cc}]/gu, '').trim();
    if (clean === '' || clean.length > 200) throw new UsageError('--by must be a name of 1-200 characters');
    return clean;
  }
  if (target.endpoint !== undefined) return `${safeUserName(env)} (local)`;
  const sts = new STSClient({
    ...(target.region ? { region: target.region } : {}),
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000 }),
  });
  try {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (!Arn) throw new Error('STS answered without an ARN');
    return Arn;
  } finally {
    sts.destroy();
  }
}

function safeUserName(env: Env): string {
  try {
    return userInfo().username || env.USER || 'unknown user';
  } catch {
    return env.USER || 'unknown user';
  }
}
