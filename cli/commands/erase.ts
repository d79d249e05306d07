import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  type ErasurePlan,
  erasureStatus,
  erasureSubject,
  planErasure,
  runErasure,
} from '../../functions/core/erasure/erase';
import type { Holder } from '../../functions/core/erasure/holders';
import { DEFAULT_INGEST_CONFIG } from '../../functions/core/ingest/ingest';
import {
  type CliDeps,
  COMMON_HELP,
  COMMON_OPTIONS,
  type Command,
  nonEmpty,
  parse,
  positiveInteger,
  withSession,
} from '../command';
import { erasePlanText, erasureResultText, erasureStatusText } from '../erase-text';
import { erasureDeps } from '../erasure';
import { UsageError } from '../errors';
import type { Target } from '../target';

const HELP = `Usage: voucherify-events erase --customer <customer id> [--dry-run] [--yes] [--by WHO] [--json]
       voucherify-events erase --status <customer id> [--json]

Removes one customer's personal data from every stored event (GDPR article 17): the name, email, phone, address,
metadata, ids and free text of the customer and of the order, in the stored body and in the lifted attributes and
index keys. Ids of events, redemptions, rollbacks, orders, vouchers and campaigns, amounts, codes and failure codes
stay, so counts and cases still work. An erasure record (when, by whom, how many, the customer id hashed) is kept
for the retention period, and later events of the customer are stored erased on arrival. Each item is rewritten with
a conditional write: run it again to finish a run that stopped. Exit code 1 when anything was left.

  --customer ID        the Voucherify customer id (cust_...); find it from a source id with list --customer
  --dry-run            list what would change; write nothing
  --yes                do not ask (without it, erase asks on a terminal and refuses without one)
  --by WHO             who asked for it, for the record (default: the AWS identity; in local mode the OS user)
  --retention-days N   keep the erasure record this long (default ${DEFAULT_INGEST_CONFIG.retentionDays}, the stack's default retentionDays)
  --status ID          whether data of this customer is still stored, and its erasure record
${COMMON_HELP}
Where else copies of the data live (alert emails, backups, the stream, logs): docs/operating.md, "Erasing a customer".`;

/** What tests replace: the question on the terminal and the caller's identity. */
export interface EraseDeps extends CliDeps {
  /** Asks the question; resolves to the answer, or undefined when there is no terminal to ask on. */
  readonly confirm?: (question: string) => Promise<boolean | undefined>;
  /** Who runs the command, when `--by` is not given. */
  readonly callerIdentity?: (target: Target) => Promise<string>;
  /** Changes the holder list (tests add a case holder over an in-memory store). */
  readonly erasureHolders?: (defaults: readonly Holder[]) => readonly Holder[];
}

async function askOnTerminal(question: string): Promise<boolean | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(`${question} [y/N] `)).trim());
  } finally {
    terminal.close();
  }
}

/** The AWS identity (STS GetCallerIdentity needs no permission); in local mode, the OS user. */
async function awsIdentity(target: Target): Promise<string> {
  if (target.endpoint !== undefined) return `local:${userInfo().username}`;
  const sts = new STSClient({ ...(target.region ? { region: target.region } : {}), maxAttempts: 2 });
  try {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    return Arn ?? 'unknown';
  } finally {
    sts.destroy();
  }
}

/** A customer id as the flags give it: one of --customer and --status, not blank. */
function customerOf(values: { customer?: string; status?: string }): { id: string; status: boolean } {
  const customer = nonEmpty(values.customer, '--customer');
  const status = nonEmpty(values.status, '--status');
  if (customer !== undefined && status !== undefined) throw new UsageError('give either --customer or --status');
  const id = customer ?? status;
  if (id === undefined) throw new UsageError('erase needs --customer <customer id> (or --status <customer id>)');
  return { id, status: status !== undefined };
}

function count(plan: ErasurePlan): number {
  return plan.found.reduce((sum, found) => sum + found.copies.length, 0);
}

export const erase: Command = {
  name: 'erase',
  overview: "  erase              remove one customer's personal data (--dry-run, --status)",
  help: HELP,
  async run(args, cliDeps) {
    const deps = cliDeps as EraseDeps;
    const { values } = parse(
      args,
      {
        ...COMMON_OPTIONS,
        customer: { type: 'string' },
        status: { type: 'string' },
        'dry-run': { type: 'boolean' },
        yes: { type: 'boolean' },
        by: { type: 'string' },
        'retention-days': { type: 'string' },
      },
      0,
    );
    if (values.help) {
      deps.stdout(HELP);
      return 0;
    }
    const customer = customerOf(values);
    const by = nonEmpty(values.by, '--by');
    const retentionDays = positiveInteger(values['retention-days'], '--retention-days', 365, 3650);
    const subject = erasureSubject(customer.id);

    return withSession(values, deps, async (session) => {
      const base = erasureDeps(session.client, session.target.tableName, deps.now);
      const erasure = deps.erasureHolders ? { ...base, holders: deps.erasureHolders(base.holders) } : base;
      if (customer.status) {
        const status = await session.run(() => erasureStatus(erasure, subject));
        deps.stdout(
          values.json
            ? JSON.stringify({ customerKey: subject.customerKey, ...status }, null, 2)
            : erasureStatusText(subject, status),
        );
        return status.stored === 0 ? 0 : 1;
      }

      const plan = await session.run(() => planErasure(erasure, subject));
      if (values['dry-run']) {
        deps.stdout(
          values.json
            ? JSON.stringify(
                { dryRun: true, customerKey: subject.customerKey, found: plan.found, record: plan.record ?? null },
                null,
                2,
              )
            : erasePlanText(plan),
        );
        return 0;
      }
      if (!values.yes) {
        if (!values.json) deps.stdout(erasePlanText(plan, { preview: true }));
        const answer = await (deps.confirm ?? askOnTerminal)(
          `Erase the personal data of ${customer.id} from ${count(plan)} item(s) in ${session.target.tableName}?`,
        );
        if (answer === undefined)
          throw new UsageError('no terminal to ask on: run with --yes to erase, or --dry-run to see what would change');
        if (!answer) {
          deps.stderr('not erased (answered no)');
          return 1;
        }
      }
      const who = by ?? (await session.run(() => (deps.callerIdentity ?? awsIdentity)(session.target)));
      const result = await session.run(() => runErasure(erasure, plan, { by: who, retentionDays }));
      deps.stdout(
        values.json
          ? JSON.stringify({ customerKey: subject.customerKey, ...result }, null, 2)
          : erasureResultText(subject, result),
      );
      const failed = result.holders.some((holder) => holder.failed.length > 0);
      return result.left === 0 && !failed ? 0 : 1;
    });
  },
};
