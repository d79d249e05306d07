import { isUtf8 } from 'node:buffer';
import type { ErasureLookup } from '../erasure/erase';
import { eraseOnArrival } from '../erasure/on-arrival';
import {
  errorSummary,
  ReceiverNotConfiguredError,
  SecretsUnavailableError,
  StorageUnavailableError,
} from '../shared/errors';
import { buildEventRecord, type EventRecord, eventKey } from '../shared/event-record';
import type { Metrics } from '../shared/metrics';
import { ingestMetrics } from '../shared/operational-metrics';
import type { BodyStore, EventStore, Logger, SecretSource } from '../shared/ports';
import { INLINE_BODY_MAX_BYTES } from '../shared/stored-body';
import { type Answer, type Outcome, toAnswer } from './answers';
import { parseJsonBody } from './json-body';
import type { LAMBDA_PAYLOAD_LIMIT_BYTES } from './limits';
import { SIGNATURE_HEADER, type SignatureVerdict, verifySignature } from './signature';
import { type SmokeVerdict, verifySmokeSignature } from './smoke-signature';
import { sourceAllowList } from './source-ip';
import { type ValidationIssue, type Validators, validateEvent, validatorsAheadOfTime } from './validation';

/** One HTTP request as every door (API Gateway, the local server, the CLI) hands it to the core. */
export interface IngestRequest {
  readonly method: string;
  readonly path: string;
  /** Header names lowercased. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw bytes as received (already base64-decoded if the door encoded them). */
  readonly body: Buffer;
  readonly requestId?: string;
  /**
   * The address the request came from, as the door saw the connection (API Gateway: `requestContext.http.sourceIp`,
   * not a header a caller can set). Only read when {@link IngestConfig.allowedSourceIps} is set; missing is refused.
   */
  readonly sourceIp?: string;
}

export interface IngestConfig {
  /** Path the webhook is served on. */
  readonly webhookPath: string;
  /**
   * The largest body answered 401 when its signature does not prove it comes from Voucherify; a larger one that is not
   * proven gets 413. Never a limit for an authentic body: every body the platform delivers is verified first, and an
   * authentic one is stored in full whatever its size (see {@link LAMBDA_PAYLOAD_LIMIT_BYTES} for what arrives).
   */
  readonly maxBodyBytes: number;
  /** How long stored events are kept (DynamoDB TTL). */
  readonly retentionDays: number;
  /**
   * IP addresses and CIDR blocks allowed to call (ALLOWED_SOURCE_IPS); any other source gets 403 before its signature
   * is checked. Defence in depth only: the signature is what proves a request comes from Voucherify.
   * @default - none: every source may call
   */
  readonly allowedSourceIps?: readonly string[];
}

export const DEFAULT_INGEST_CONFIG: IngestConfig = {
  webhookPath: '/webhooks/voucherify',
  maxBodyBytes: 256 * 1024,
  retentionDays: 365,
};

export interface IngestDeps {
  readonly secrets: SecretSource;
  readonly store: EventStore;
  /**
   * Where a body too large for its item goes (S3 in AWS). Without one, such an event is answered 503 (storage
   * unavailable) and Voucherify retries it.
   */
  readonly bodies?: BodyStore;
  /**
   * The erasure records (GDPR erasure, functions/core/erasure): an event of an erased customer is stored erased. Applied
   * to the whole body before a large one is moved beside its item, so no copy of the data reaches the bucket either.
   */
  readonly erasures?: ErasureLookup;
  readonly logger: Logger;
  readonly config: IngestConfig;
  readonly now?: () => number;
  readonly validators?: Validators;
  /** Where the outcome's metrics go (EMF on stdout in Lambda); none when absent. */
  readonly metrics?: Metrics;
  /** The smoke secret(s): accepted for `smoke_` event ids only (see smoke-signature.ts). None: no smoke secret. */
  readonly smokeSecrets?: SecretSource;
}

export interface IngestResult extends Answer {
  readonly outcome: Outcome;
}

/** Builds the request handler at the heart of every door: verify, parse, validate, store once, answer. */
export function makeIngest(deps: IngestDeps): (request: IngestRequest) => Promise<IngestResult> {
  const now = deps.now ?? Date.now;
  const validators = deps.validators ?? validatorsAheadOfTime;
  const { config, logger } = deps;
  const allowList = config.allowedSourceIps?.length ? sourceAllowList(config.allowedSourceIps) : undefined;

  /** Whether a request carries a valid signature; false when it cannot be told (no secret, store down). */
  async function isSignedByVoucherify(request: IngestRequest): Promise<boolean> {
    try {
      return verifySignature(request.body, request.headers[SIGNATURE_HEADER], await deps.secrets.get()).ok;
    } catch {
      return false;
    }
  }

  /** The signature verdict, re-reading the secrets once on a mismatch (a secret added since they were cached). */
  async function verify(
    request: IngestRequest,
    secrets: readonly string[],
  ): Promise<{ verdict: SignatureVerdict; smoke?: SmokeVerdict }> {
    const header = request.headers[SIGNATURE_HEADER];
    let verdict = verifySignature(request.body, header, secrets);
    if (!verdict.ok && verdict.reason === 'mismatch' && deps.secrets.refresh && (await deps.secrets.refresh()))
      verdict = verifySignature(request.body, header, await deps.secrets.get());
    if (verdict.ok || verdict.reason !== 'mismatch' || !deps.smokeSecrets) return { verdict };
    // Not Voucherify's signature: perhaps the smoke's, which only a smoke_ event may carry (raw form only).
    const smoke = await verifySmokeSignature(request.body, header, deps.smokeSecrets);
    return smoke.ok ? { verdict: smoke.verdict, smoke } : { verdict, smoke };
  }

  /**
   * The record with its body moved beside the item when the item could not hold it: written first, so the item never
   * points at nothing; an object left by an item write that fails (or finds the event already stored) is removed by
   * the bucket's lifecycle rule with the retention, and never replaces another event's body (see overflowBodyKey).
   */
  async function withOverflow(record: EventRecord): Promise<EventRecord> {
    if (record.body.length <= INLINE_BODY_MAX_BYTES) return record;
    if (!deps.bodies)
      throw new StorageUnavailableError(`no body store for a stored body of ${record.body.length} bytes`);
    const bodyRef = await deps.bodies.put(record.eventId, record.body);
    return { ...record, body: Buffer.alloc(0), bodyRef };
  }

  async function decide(request: IngestRequest): Promise<{ outcome: Outcome; fields: Record<string, unknown> }> {
    // First and cheapest: with the allow-list on, nothing from elsewhere reaches the secret, the HMAC or the table.
    if (allowList && !allowList.allows(request.sourceIp)) {
      const sourceIp = request.sourceIp ?? '';
      // Refused either way (the operator chose the list). But a *signed* request refused here is Voucherify sending
      // from an address the list lacks: after 12 tries it switches the webhook off, so that case is counted apart
      // and alarmed on. Only then is the secret read and the HMAC computed.
      const signed = await isSignedByVoucherify(request);
      return { outcome: { kind: 'source_not_allowed', sourceIp, signed }, fields: { sourceIp, signed } };
    }
    const path = request.path.length > 1 && request.path.endsWith('/') ? request.path.slice(0, -1) : request.path;
    if (path !== config.webhookPath) return { outcome: { kind: 'not_found', path }, fields: {} };
    if (request.method !== 'POST')
      return { outcome: { kind: 'method_not_allowed', method: request.method }, fields: {} };
    // On a cold start the erasure index is read beside the secret, not after it (see CachedErasureLookup.prefetch).
    deps.erasures?.prefetch?.();
    const secrets = await deps.secrets.get();
    if (secrets.length === 0) throw new ReceiverNotConfiguredError('no webhook secret is configured');
    // Verified before the size is looked at: an authentic event is never bounced for its size (Voucherify would retry
    // it 12 times and then switch the webhook off). Verifying costs a few linear passes whatever the body's shape.
    const { verdict, smoke } = await verify(request, secrets);
    if (!verdict.ok) {
      if (request.body.length > config.maxBodyBytes)
        return {
          outcome: { kind: 'payload_too_large', bytes: request.body.length, limit: config.maxBodyBytes },
          fields: { signature: verdict.reason },
        };
      return {
        outcome: { kind: `signature_${verdict.reason === 'mismatch' ? 'invalid' : verdict.reason}` },
        fields: smoke?.ok === false && smoke.reason === 'not a smoke event id' ? { smokeSecret: smoke.reason } : {},
      };
    }

    const receivedAtMs = now();
    // What is stored and read is what Voucherify signed: for a fallback match, the signed form, not the bytes received
    // (which may spell numbers, escapes or keys in ways that parse to something Voucherify never sent).
    const signed = verdict.signedBytes;
    const json = parseJsonBody(signed);
    const parsed = json.ok ? json.value : undefined;
    let issues: readonly ValidationIssue[] | undefined;
    if (!json.ok) {
      issues = [{ pointer: '/', message: `the body is not valid JSON (${json.error})` }];
    } else {
      const result = validateEvent(parsed, validators);
      if (!result.ok) issues = result.issues;
    }
    // JSON must be UTF-8. Bytes that are not were read with U+FFFD in their place, which keeps the id, the type (and so
    // the alert) and the searchable fields; but those fields are then not what was sent, so the event is flagged.
    if (!isUtf8(signed)) {
      issues = [{ pointer: '/', message: NOT_UTF8 }, ...(issues ?? [])];
    }

    // The idempotency key is the same for every byte variant of one signed delivery (see eventKey).
    const eventId = eventKey(parsed, signed);
    const record = buildEventRecord({
      eventId,
      status: issues ? 'QUARANTINED' : 'ACCEPTED',
      rawBody: signed,
      parsed,
      receivedAtMs,
      retentionDays: config.retentionDays,
      ...(issues ? { issues } : {}),
    });
    const fields = {
      eventId,
      eventType: record.type,
      sendoutId: record.sendoutId,
      failureCode: record.failureCode,
      signedForm: verdict.form,
      // Which configured secret matched (0 = the first of the JSON array): during a rotation, when no event has been
      // signed with the old one for Voucherify's retry window, the old one can go. The index only, never a secret.
      secretIndex: verdict.secretIndex,
      ...(smoke?.ok ? { signedWith: 'smoke secret' } : {}),
    };
    const erased = deps.erasures ? await eraseOnArrival(record, deps.erasures) : record;
    const put = await deps.store.putIfAbsent(await withOverflow(erased));
    if (put === 'exists') return { outcome: { kind: 'duplicate', eventId }, fields };
    // Authentic but not what our schema expects: keep it and answer 2xx. Bouncing it would make Voucherify retry it
    // 12 times and then switch the whole webhook off.
    if (issues)
      return { outcome: { kind: 'quarantined', eventId, issues }, fields: { ...fields, issueCount: issues.length } };
    return { outcome: { kind: 'accepted', eventId }, fields };
  }

  return async (request) => {
    const startedAtMs = now();
    let outcome: Outcome;
    let fields: Record<string, unknown> = {};
    try {
      ({ outcome, fields } = await decide(request));
    } catch (cause) {
      outcome = outcomeOfError(cause);
      fields = { error: errorSummary(cause) };
    }
    const answer = toAnswer(outcome);
    const level = answer.statusCode >= 500 ? 'error' : answer.statusCode >= 400 ? 'warn' : 'info';
    const latencyMs = now() - startedAtMs;
    logger.log(level, `webhook ${outcome.kind}`, {
      outcome: outcome.kind,
      statusCode: answer.statusCode,
      requestId: request.requestId,
      bodyBytes: request.body.length,
      latencyMs,
      ...fields,
    });
    try {
      deps.metrics?.record(ingestMetrics(outcome, { ...fields, latencyMs, requestId: request.requestId }));
    } catch (cause) {
      // The answer is decided and the event stored: a metrics bug must not turn it into a 500 and a retry.
      logger.log('error', 'metrics not recorded', { requestId: request.requestId, error: errorSummary(cause) });
    }
    return { ...answer, outcome };
  };
}

function outcomeOfError(cause: unknown): Outcome {
  if (cause instanceof ReceiverNotConfiguredError) return { kind: 'receiver_not_configured' };
  if (cause instanceof SecretsUnavailableError) return { kind: 'secrets_unavailable' };
  if (cause instanceof StorageUnavailableError) return { kind: 'storage_unavailable' };
  return { kind: 'internal_error' };
}

const NOT_UTF8 = 'the body is not valid UTF-8; the invalid bytes were read as U+FFFD (the stored body is unchanged)';
