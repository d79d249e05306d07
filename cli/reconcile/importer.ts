import {
  type ValidationIssue,
  type Validators,
  validateEvent,
  validatorsAheadOfTime,
} from '../../functions/core/ingest/validation';
import { buildEventRecord, RECONCILE_SOURCE } from '../../functions/core/shared/event-record';
import type { EventStore, PutOutcome } from '../../functions/core/shared/ports';
import { matchKey } from './stored';
import type { ApiFailure } from './voucherify-api';

/** The API failures the table lacks, oldest first (so an import stopped midway leaves the newest for the rerun). */
export function findMissing(failures: readonly ApiFailure[], stored: ReadonlySet<string>): ApiFailure[] {
  return failures
    .filter((failure) => !stored.has(matchKey(failure.type, failure.id)))
    .sort((a, b) => (a.date ?? '').localeCompare(b.date ?? '') || a.id.localeCompare(b.id));
}

/**
 * The stored event's id for an imported failure: fixed by the redemption or rollback id, so importing it again is the
 * same conditional PutItem on the same key and stores nothing (the webhook's own `event.id`, `evred_…`, is not in the
 * API's answer). A webhook delivery of the same failure arriving after the import has its own `event.id` and is stored
 * beside it; see docs/operating.md, "Reconcile against Voucherify's API".
 */
export const importedEventId = (failure: ApiFailure): string => importedEventIdOf(failure.id);

/** The stored event's id for the API's redemption or rollback id. */
export const importedEventIdOf = (apiId: string): string => `${RECONCILE_SOURCE}:${apiId}`;

type Json = Record<string, unknown>;

const obj = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;

/**
 * The webhook envelope (v2024-01-01) Voucherify would have sent for the failure, built from the API object, so the
 * event goes through the same schema, field lifting, storage and alert as a delivered one. What the API does not say
 * is marked, never invented: `source.object` is `api-reconcile`, the send-out id and the project id say so.
 */
export function envelopeFor(failure: ApiFailure, nowMs: number, projectId: string | undefined): Json {
  const object = failure.object as Json;
  const data: Json =
    failure.type === 'redemption.rollback.failed'
      ? {
          redemption_rollback: object,
          // The API names the parent by id only; the webhook carries it as an object.
          redemption: failure.redemptionId ? { id: failure.redemptionId, object: 'redemption' } : null,
        }
      : { redemption: object };
  for (const name of ['customer', 'voucher', 'promotion_tier', 'order'] as const) {
    if (obj(object[name])) data[name] = object[name];
  }
  const eventId = importedEventId(failure);
  return {
    id: eventId,
    project_id: projectId ?? 'unknown (found by reconciliation)',
    created_at: new Date(nowMs).toISOString(),
    type: failure.type,
    data,
    source: { id: null, object: RECONCILE_SOURCE, target_url: null },
    event: {
      id: eventId,
      type: failure.type,
      created_at: failure.date ?? null,
      entity_id: failure.id,
      // Who or what caused the failure is not in the API's list answer: left out rather than guessed.
      group_id: null,
      event_source: null,
    },
  };
}

export interface ImportResult {
  readonly eventId: string;
  readonly type: ApiFailure['type'];
  readonly id: string;
  /** `imported` now; `already imported` by an earlier run (the conditional write found the key). */
  readonly action: 'imported' | 'already imported';
  readonly status: 'ACCEPTED' | 'QUARANTINED';
  readonly issues?: readonly ValidationIssue[];
}

export interface ImportDeps {
  readonly store: EventStore;
  readonly now: () => number;
  readonly retentionDays: number;
  readonly validators?: Validators;
  readonly projectId?: string;
}

/**
 * Stores one missing failure as an event: the same validation (a payload our schema refuses is QUARANTINED, never
 * dropped), the same record and the same single conditional PutItem as a webhook delivery, marked with
 * `source = api-reconcile`. One write per event, so an import that stops midway leaves whole events or none. A stored
 * rollback failure reaches the alerts function through the table's stream, like any other: alerted once, marked as
 * found by reconciliation.
 */
export async function importFailure(failure: ApiFailure, deps: ImportDeps): Promise<ImportResult> {
  const now = deps.now();
  const envelope = envelopeFor(failure, now, deps.projectId);
  const rawBody = Buffer.from(JSON.stringify(envelope));
  const parsed = JSON.parse(rawBody.toString('utf8')) as unknown;
  const result = validateEvent(parsed, deps.validators ?? validatorsAheadOfTime);
  const issues = result.ok ? undefined : result.issues;
  const record = buildEventRecord({
    eventId: importedEventId(failure),
    status: issues ? 'QUARANTINED' : 'ACCEPTED',
    rawBody,
    parsed,
    receivedAtMs: now,
    retentionDays: deps.retentionDays,
    source: RECONCILE_SOURCE,
    ...(issues ? { issues } : {}),
  });
  const put: PutOutcome = await deps.store.putIfAbsent(record);
  return {
    eventId: record.eventId,
    type: failure.type,
    id: failure.id,
    action: put === 'created' ? 'imported' : 'already imported',
    status: record.status,
    ...(issues ? { issues } : {}),
  };
}
