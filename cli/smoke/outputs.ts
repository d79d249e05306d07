import { RECEIVER_OUTPUTS } from '../../functions/core/shared/receiver-output-names';
import { SmokeSetupError } from './target';

type OutputName = keyof typeof RECEIVER_OUTPUTS;

/** The outputs the smoke cannot run without. */
const REQUIRED: readonly OutputName[] = ['WebhookUrl', 'TableName', 'AlertTopicArn'];

/** CDK's unique id of an output inside a construct: the path's ids joined, then 8 upper-case hex digits. */
const HASH = '[0-9A-F]{8}';

/**
 * One receiver's outputs, by their plain names (`WebhookUrl`, `TableName`, …), found among a stack's outputs. The
 * ready-made stack's keys are the names themselves; a {@link VoucherifyWebhookReceiver} in a stack of your own gives
 * `<receiver id><name><hash>` (lib/constructs/receiver-outputs.ts). A stack with several receivers needs `receiver`,
 * the prefix (the construct id as CDK writes it into logical ids: `Voucherify`, or `BackendVoucherify` when nested).
 */
export function receiverOutputs(
  stack: string,
  outputs: Readonly<Record<string, string>>,
  receiver?: string,
): Partial<Record<OutputName, string>> {
  const names = Object.values(RECEIVER_OUTPUTS) as OutputName[];
  // prefix -> name -> value; the ready-made stack's receiver has the prefix ''.
  const found = new Map<string, Partial<Record<OutputName, string>>>();
  for (const [key, value] of Object.entries(outputs)) {
    for (const name of names) {
      const match = new RegExp(`^(?:([A-Za-z0-9]*)${name}${HASH}|${name})$`).exec(key);
      if (!match) continue;
      const prefix = match[1] ?? '';
      found.set(prefix, { ...found.get(prefix), [name]: value });
    }
  }
  const complete = [...found].filter(([, named]) => REQUIRED.every((name) => named[name]));
  if (receiver !== undefined) {
    const chosen = complete.find(([prefix]) => prefix === receiver);
    if (chosen) return chosen[1];
    throw new SmokeSetupError(
      `stack ${stack} has no receiver "${receiver}"${complete.length > 0 ? `; it has ${describe(complete)}` : ''}`,
    );
  }
  if (complete.length === 1) return (complete[0] as [string, Partial<Record<OutputName, string>>])[1];
  if (complete.length > 1)
    throw new SmokeSetupError(
      `stack ${stack} holds several receivers (${describe(complete)}): pick one with --receiver`,
    );
  throw new SmokeSetupError(
    `stack ${stack} has no receiver outputs (${REQUIRED.join(', ')}, or a VoucherifyWebhookReceiver's <id>WebhookUrl<hash> ...): ` +
      'is it a stack with the Voucherify webhook receiver, deployed by a version that has outputs?',
  );
}

function describe(receivers: readonly [string, unknown][]): string {
  return receivers
    .map(([prefix]) => (prefix === '' ? 'the stack’s own (no --receiver)' : `--receiver ${prefix}`))
    .join(', ');
}
