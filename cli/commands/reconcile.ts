/**
 * `voucherify-events reconcile`: what Voucherify's API knows failed (failed redemptions, failed rollbacks) and the
 * table lacks, because the webhook was switched off or failing. Lists them; with --import stores them as events marked
 * as found by reconciliation (rollback failures are then alerted once, through the table's stream).
 */

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDbErasureLedger } from '../../functions/adapters/dynamodb-erasure';
import { DynamoDbEventStore } from '../../functions/adapters/dynamodb-event-store';
import { erasingStore } from '../../functions/core/erasure/on-arrival';
import type { EventStore } from '../../functions/core/shared/ports';
import { terminalJson, terminalSafe } from '../../functions/core/shared/visible-text';
import {
  type CliDeps,
  COMMON_HELP,
  COMMON_OPTIONS,
  type Command,
  DEFAULT_WINDOW_MS,
  parse,
  WINDOW_OPTIONS,
} from '../command';
import { CliError, UsageError } from '../errors';
import { table } from '../format';
import { localDir, readState } from '../local-state';
import { findMissing, type ImportResult, importedEventId, importFailure } from '../reconcile/importer';
import { DynamoDbStoredFailures, type StoredFailures } from '../reconcile/stored';
import {
  type ApiCredentials,
  type ApiFailure,
  type FailuresSource,
  SdkFailuresSource,
} from '../reconcile/voucherify-api';
import { dynamoDbClient, explainAwsError, resolveTarget } from '../target';
import { iso, resolveWindow } from '../time';

type Env = CliDeps['env'];

export interface ReconcileDeps extends CliDeps {
  /** Replaces the SDK client (tests of the command's own logic); the SDK over HTTP otherwise. */
  readonly failuresSource?: (credentials: ApiCredentials) => FailuresSource;
}

export const RECONCILE_HELP = `Usage: voucherify-events reconcile [--since 7d | --from DATE --to DATE] [--import] [options]

Asks Voucherify's API (with the official SDK) for every failed redemption and failed rollback created in the window
(default: the last 7 days), matches them to stored events by redemption / rollback id, and lists the ones the table
lacks: what the webhook never delivered. Nothing is written without --import.
  --since DURATION   the last 30m, 24h, 7d, 2w
  --from DATE        2026-11-22 or 2026-11-22T10:00:00Z (UTC)
  --to DATE          inclusive; a date means the end of that day (--until is the same)
  --import           store each missing one as an event marked as found by reconciliation (source api-reconcile),
                     validated like a webhook; a rollback failure is then alerted once by the alerts function.
                     Running it again imports nothing more.
                     Each page and item of the API's answer is checked: an item that cannot be read is reported
                     and skipped (the others still imported); a listing cut short (a page that is not a list, the
                     page or item cap) is reported as INCOMPLETE. Either way the exit code is 1.
  --retention-days N the stored events' retention, as the stack's retentionDays (default 365); env RETENTION_DAYS
  --project-id ID    the Voucherify project id to record (the API's answer does not carry it); env VOUCHERIFY_PROJECT_ID
Voucherify API keys (first that applies):
  env VOUCHERIFY_APP_ID and VOUCHERIFY_SECRET_KEY (and VOUCHERIFY_API_URL for another region than eu1)
  --api-secret ARN   a Secrets Manager secret {"applicationId","secretKey","apiUrl"} (the stack output
                     VoucherifyApiSecretArn); env VOUCHERIFY_API_SECRET_ARN
${COMMON_HELP}`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  ...WINDOW_OPTIONS,
  until: { type: 'string' },
  import: { type: 'boolean' },
  'api-secret': { type: 'string' },
  'retention-days': { type: 'string' },
  'project-id': { type: 'string' },
} as const;

/** The API keys: the environment first, else the Secrets Manager secret. */
export async function resolveCredentials(
  env: Env,
  secretArn: string | undefined,
  region: string | undefined,
): Promise<ApiCredentials> {
  const apiUrl = env.VOUCHERIFY_API_URL?.trim() || undefined;
  const applicationId = env.VOUCHERIFY_APP_ID?.trim();
  const secretKey = env.VOUCHERIFY_SECRET_KEY?.trim();
  if (applicationId && secretKey) return { applicationId, secretKey, ...(apiUrl ? { apiUrl } : {}) };
  const arn = secretArn ?? env.VOUCHERIFY_API_SECRET_ARN;
  if (!arn)
    throw new UsageError(
      'no Voucherify API keys: set VOUCHERIFY_APP_ID and VOUCHERIFY_SECRET_KEY, or pass --api-secret <ARN> ' +
        '(the stack output VoucherifyApiSecretArn)',
    );
  const client = new SecretsManagerClient(region ? { region } : {});
  let text: string | undefined;
  try {
    ({ SecretString: text } = await client.send(new GetSecretValueCommand({ SecretId: arn })));
  } catch (cause) {
    throw new CliError(`could not read the Voucherify API keys from ${arn}: ${(cause as Error).message}`, { cause });
  } finally {
    client.destroy();
  }
  let value: Partial<Record<'applicationId' | 'secretKey' | 'apiUrl', unknown>> = {};
  try {
    value = JSON.parse(text ?? '{}') as typeof value;
  } catch {
    // reported below
  }
  if (typeof value.applicationId !== 'string' || typeof value.secretKey !== 'string' || !value.applicationId)
    throw new CliError(
      `the secret ${arn} holds no Voucherify API keys: put {"applicationId":"...","secretKey":"..."} in it ` +
        '(aws secretsmanager put-secret-value)',
    );
  const url = typeof value.apiUrl === 'string' && value.apiUrl ? value.apiUrl : apiUrl;
  return { applicationId: value.applicationId, secretKey: value.secretKey, ...(url ? { apiUrl: url } : {}) };
}

interface Row {
  readonly type: ApiFailure['type'];
  readonly id: string;
  readonly redemptionId: string;
  readonly date?: string;
  readonly failureCode?: string;
  readonly eventId: string;
  readonly import?: ImportResult;
}

export async function reconcile(args: readonly string[], deps: ReconcileDeps): Promise<number> {
  const { values } = parse(args, OPTIONS, 0);
  if (values.help) {
    deps.stdout(RECONCILE_HELP);
    return 0;
  }
  if (values.until !== undefined && values.to !== undefined) throw new UsageError('give --to or --until, not both');
  const now = (deps.now ?? Date.now)();
  const window = resolveWindow({ ...values, to: values.to ?? values.until }, now, DEFAULT_WINDOW_MS);
  if (!window) throw new UsageError('no window');
  const retentionText = values['retention-days'] ?? deps.env.RETENTION_DAYS;
  const retentionDays = retentionText === undefined ? 365 : Number(retentionText);
  if (!Number.isInteger(retentionDays) || retentionDays < 1)
    throw new UsageError(`--retention-days must be a whole number of days, at least 1; got "${retentionText}"`);

  const local = (deps.localState ?? (() => readState(localDir(deps.env as NodeJS.ProcessEnv))))();
  const target = resolveTarget(values, deps.env, local);
  // Keys first: a wrong key must fail before anything is read or written.
  const credentials = await resolveCredentials(deps.env, values['api-secret'], target.region);
  const source = (deps.failuresSource ?? ((c: ApiCredentials) => new SdkFailuresSource(c)))(credentials);

  // The whole API listing is read before anything is written: a 401 or a 429 that outlasts the retries stops the
  // run with nothing imported.
  const listing = await source.listFailures({ fromMs: window.fromMs, toMs: window.toMs });

  const client = dynamoDbClient(target, deps.env);
  try {
    const stored: StoredFailures = new DynamoDbStoredFailures(client, target.tableName);
    // An imported failure of an erased customer is stored erased, like a webhook delivery.
    const store: EventStore = erasingStore(
      new DynamoDbEventStore(client, target.tableName),
      new DynamoDbErasureLedger(client, target.tableName),
    );
    // Events arrive after they happen (Voucherify retries for days) and imports are stored at import time: match
    // against everything received from the window's start until now.
    const known = await run(() => stored.keys({ fromMs: window.fromMs, toMs: Math.max(now, window.toMs) }), target);
    const missing = findMissing(listing.failures, known.keys);
    const rows: Row[] = [];
    for (const failure of missing) {
      const row: Row = {
        type: failure.type,
        id: failure.id,
        redemptionId: failure.redemptionId,
        ...(failure.date ? { date: failure.date } : {}),
        ...(failure.failureCode ? { failureCode: failure.failureCode } : {}),
        eventId: importedEventId(failure),
      };
      if (!values.import) {
        rows.push(row);
        continue;
      }
      const projectId = values['project-id'] ?? deps.env.VOUCHERIFY_PROJECT_ID;
      const result = await run(
        () =>
          importFailure(failure, {
            store,
            now: deps.now ?? Date.now,
            retentionDays,
            ...(deps.validators ? { validators: deps.validators } : {}),
            ...(projectId ? { projectId } : {}),
          }),
        target,
      );
      rows.push({ ...row, import: result });
      if (!values.json)
        deps.stderr(
          `${result.action}: ${result.type} ${terminalSafe(result.id)} as ${terminalSafe(result.eventId)} (${result.status})`,
        );
    }
    const imported = rows.filter((row) => row.import?.action === 'imported').length;
    // An incomplete listing or a skipped item means the gap cannot be proven closed: said, and a non-zero exit.
    const complete = listing.incomplete === undefined && listing.skipped.length === 0;
    const exitCode = complete ? 0 : INCOMPLETE_EXIT_CODE;
    if (values.json) {
      deps.stdout(
        terminalJson(
          {
            window: { from: iso(window.fromMs), to: iso(window.toMs) },
            api: { failures: listing.failures.length, pages: listing.pages, throttled: listing.throttled },
            complete,
            ...(listing.incomplete ? { incomplete: listing.incomplete } : {}),
            skipped: listing.skipped,
            stored: { matched: listing.failures.length - missing.length, indexEntriesRead: known.indexEntries },
            missing: rows,
            imported: values.import ? imported : null,
          },
          2,
        ),
      );
      return exitCode;
    }
    for (const item of listing.skipped)
      deps.stderr(
        `skipped: page ${item.page} item ${item.index}${item.id ? ` (id ${terminalSafe(item.id)})` : ''}: ${terminalSafe(item.reason)}`,
      );
    if (listing.incomplete) deps.stderr(`incomplete: ${terminalSafe(listing.incomplete)}`);
    if (rows.length > 0) deps.stdout(missingTable(rows));
    const summary =
      `${listing.failures.length} failed redemption${listing.failures.length === 1 ? '' : 's'}/rollbacks in ` +
      `Voucherify (${iso(window.fromMs)} .. ${iso(window.toMs)}; ${listing.pages} page${listing.pages === 1 ? '' : 's'}` +
      `${listing.throttled ? `, ${listing.throttled} throttled and retried` : ''}), ` +
      `${listing.failures.length - missing.length} stored, ${missing.length} missing` +
      (complete ? '' : ' among those read');
    deps.stdout(
      values.import
        ? `${summary}; imported ${imported}${rows.length - imported ? `, ${rows.length - imported} already imported` : ''}`
        : `${summary}${missing.length ? ' (run with --import to store them)' : ''}`,
    );
    if (!complete)
      deps.stdout(
        `INCOMPLETE: ${[
          listing.incomplete,
          listing.skipped.length
            ? `${listing.skipped.length} listed item${listing.skipped.length === 1 ? '' : 's'} could not be read`
            : undefined,
        ]
          .filter(Boolean)
          .join('; ')}. More may be missing than this says: run it again, or narrow the window.`,
      );
    return exitCode;
  } finally {
    client.destroy();
  }
}

/** The exit code of a run whose listing was cut short or had unreadable items (1 as for any failure). */
export const INCOMPLETE_EXIT_CODE = 1;

async function run<T>(call: () => Promise<T>, target: Parameters<typeof explainAwsError>[1]): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw explainAwsError(error, target);
  }
}

function missingTable(rows: readonly Row[]): string {
  return table(
    [
      { title: 'TYPE' },
      { title: 'ID', max: 80 },
      { title: 'REDEMPTION', max: 80 },
      { title: 'CREATED' },
      { title: 'FAILURE CODE', max: 40 },
      { title: 'STORED AS', max: 120 },
    ],
    rows.map((row) => [
      row.type,
      row.id,
      row.redemptionId,
      row.date ?? '-',
      row.failureCode ?? '-',
      row.import ? `${row.eventId} (${row.import.action})` : '(missing)',
    ]),
  );
}

/** The command as the entry (cli.ts) lists it. */
export const reconcileCommand: Command = {
  name: 'reconcile',
  overview:
    "  reconcile          failed redemptions and rollbacks in Voucherify's API that the table lacks; --import stores them",
  help: RECONCILE_HELP,
  run: (args, deps) => reconcile(args, deps),
};
