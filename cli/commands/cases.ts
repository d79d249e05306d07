import { DynamoDbCaseStore } from '../../functions/adapters/dynamodb-case-store';
import { updateCase } from '../../functions/core/alerts/alert-event';
import type { CaseSummary } from '../../functions/core/alerts/case-messages';
import {
  applyOperatorAction,
  CASE_STATES,
  type Case,
  type CaseState,
  CaseTransitionError,
  caseAgeMs,
  UNRESOLVED_STATES,
} from '../../functions/core/alerts/cases';
import {
  type CliDeps,
  COMMON_HELP,
  COMMON_OPTIONS,
  type Command,
  parse,
  positiveInteger,
  withSession,
} from '../command';
import { CliError, UsageError } from '../errors';
import { casesTable, caseText } from '../format';
import { actingIdentity } from '../identity';

/** No case with that key in the table. */
export class CaseNotFoundError extends CliError {
  override name = 'CaseNotFoundError';
}

const CASES_HELP = `Usage: voucherify-events cases [--open | --state open|acknowledged|resolved] [--limit N] [options]

Rollback-failure cases, newest first: one per rollback (its id, or the event id when there is none), however many
events carry it. Shows the key, state, when it was opened and its age, the failure code, the customer, the voucher or
campaign, who acknowledged it and how many events are linked. Read from the table's \`cases\` index (never a Scan).
  --open             only cases still owed work (open or acknowledged)
  --state S          only cases in state S
  --limit N          at most N cases (default 100, at most 10000)
One case with its history: voucherify-events show <case key>
${COMMON_HELP}`;

const ACK_HELP = `Usage: voucherify-events ack <case key> [--note TEXT] [--by NAME] [options]

Acknowledges a case: someone is on it. Recorded in its history with who (--by, else your AWS identity from STS, or
your OS user in the local mode), when and the note; the alert topic announces it (attributes case_key, case_state).
  --note TEXT        why, or what you are about to do
  --by NAME          who, instead of your identity
${COMMON_HELP}`;

const RESOLVE_HELP = `Usage: voucherify-events resolve <case key> --note TEXT [--by NAME] [options]

Resolves a case: what the customer was owed has been done. The note is required (what was done). Recorded in its
history with who and when; the alert topic announces it. A later failure of the same rollback reopens the case.
  --note TEXT        what was done (required)
  --by NAME          who, instead of your identity
${COMMON_HELP}`;

/** A case summary as `--json` gives it: the summary, plus its age in seconds at the time of the listing. */
function summaryJson(c: CaseSummary, now: number) {
  return { ...c, ageSeconds: Math.floor(caseAgeMs(c, now) / 1000) };
}

export const cases: Command = {
  name: 'cases',
  overview: '  cases              rollback-failure cases (--open, --state S): one per rollback, with who took it',
  help: CASES_HELP,
  async run(args, deps) {
    const { values } = parse(
      args,
      { ...COMMON_OPTIONS, open: { type: 'boolean' }, state: { type: 'string' }, limit: { type: 'string' } },
      0,
    );
    if (values.help) {
      deps.stdout(CASES_HELP);
      return 0;
    }
    if (values.open && values.state !== undefined) throw new UsageError('give --open or --state, not both');
    const state = values.state?.trim().toLowerCase();
    if (state !== undefined && !(CASE_STATES as readonly string[]).includes(state))
      throw new UsageError(`--state must be one of ${CASE_STATES.join(', ')}; got "${values.state}"`);
    const states: readonly CaseState[] = values.open ? UNRESOLVED_STATES : state ? [state as CaseState] : CASE_STATES;
    const limit = positiveInteger(values.limit, '--limit', 100, 10_000);
    const now = (deps.now ?? Date.now)();
    const { list, more } = await withSession(values, deps, (session) =>
      session.run(async () => {
        const store = new DynamoDbCaseStore(session.client, session.target.tableName);
        const lists = await Promise.all(states.map((s) => store.listByState(s, { newestFirst: true, limit })));
        const all = lists.flatMap((l) => l.cases).sort((a, b) => b.openedAt.localeCompare(a.openedAt));
        return { list: all.slice(0, limit), more: all.length > limit || lists.some((l) => l.more) };
      }),
    );
    if (values.json) {
      deps.stdout(JSON.stringify({ cases: list.map((c) => summaryJson(c, now)), more }, null, 2));
      return 0;
    }
    if (list.length === 0) {
      deps.stdout(`no ${values.open ? 'open ' : state ? `${state} ` : ''}cases`);
      return 0;
    }
    deps.stdout(casesTable(list, now));
    const open = list.filter((c) => c.state !== 'resolved').length;
    deps.stdout(
      `\n${list.length}${more ? '+' : ''} case${list.length === 1 ? '' : 's'} (${open} unresolved). ` +
        'One case: voucherify-events show <case key>',
    );
    return 0;
  },
};

/** `ack` and `resolve`: one conditional update of the case (re-read and re-decided if someone wrote meanwhile). */
async function moveCase(
  kind: 'acknowledge' | 'resolve',
  args: readonly string[],
  deps: CliDeps,
  help: string,
): Promise<number> {
  const { values, positionals } = parse(
    args,
    { ...COMMON_OPTIONS, note: { type: 'string' }, by: { type: 'string' } },
    1,
  );
  if (values.help) {
    deps.stdout(help);
    return 0;
  }
  const name = kind === 'acknowledge' ? 'ack' : 'resolve';
  const key = positionals[0];
  if (!key) throw new UsageError(`${name} needs a case key: voucherify-events ${name} <case key>`);
  if (kind === 'resolve' && (values.note === undefined || values.note.trim() === ''))
    throw new UsageError('resolve needs --note: say what was done for the customer');
  const moved = await withSession(values, deps, async (session) => {
    const by = await session.run(() =>
      deps.identity ? deps.identity(session.target, values.by) : actingIdentity(session.target, deps.env, values.by),
    );
    const at = new Date((deps.now ?? Date.now)()).toISOString();
    const store = new DynamoDbCaseStore(session.client, session.target.tableName);
    try {
      return await session.run(() =>
        updateCase(store, key, (current) => {
          if (!current) throw new CaseNotFoundError(`no case with key "${key}" (see voucherify-events cases)`);
          return applyOperatorAction(current, {
            kind,
            by,
            at,
            ...(values.note !== undefined ? { note: values.note } : {}),
          });
        }),
      );
    } catch (error) {
      if (error instanceof CaseTransitionError) throw new CliError(error.message, { cause: error });
      throw error;
    }
  });
  if (!moved) throw new CaseNotFoundError(`no case with key "${key}"`);
  if (values.json) {
    deps.stdout(JSON.stringify(moved, null, 2));
    return 0;
  }
  const who = kind === 'acknowledge' ? moved.acknowledgedBy : moved.resolvedBy;
  deps.stdout(
    `Case ${moved.key} ${moved.state} by ${who} at ${moved.updatedAt}. ` +
      'The alert topic announces it (attributes case_key and case_state) within seconds.',
  );
  return 0;
}

export const ack: Command = {
  name: 'ack',
  overview: '  ack <key>          acknowledge a case (someone is on it); --note, --by',
  help: ACK_HELP,
  run: (args, deps) => moveCase('acknowledge', args, deps, ACK_HELP),
};

export const resolve: Command = {
  name: 'resolve',
  overview: '  resolve <key>      resolve a case: --note "what was done" (required), --by',
  help: RESOLVE_HELP,
  run: (args, deps) => moveCase('resolve', args, deps, RESOLVE_HELP),
};

/** `show <case key>`: the case, its history and its linked events (text), or the case as JSON. */
export function printCase(found: Case, json: boolean, deps: CliDeps): number {
  const now = (deps.now ?? Date.now)();
  if (json) {
    deps.stdout(JSON.stringify({ case: { ...found, ageSeconds: Math.floor(caseAgeMs(found, now) / 1000) } }, null, 2));
    return 0;
  }
  deps.stdout(caseText(found, now));
  return 0;
}
