import type { ValidationIssue } from './validation';

/** What the receiver decided about one request. Drives the HTTP answer, the log line and the metrics. */
export type Outcome =
  | { kind: 'accepted'; eventId: string }
  | { kind: 'duplicate'; eventId: string }
  | { kind: 'quarantined'; eventId: string; issues: readonly ValidationIssue[] }
  /** `signed`: the body carries a valid signature, i.e. Voucherify itself is calling from an unlisted address. */
  | { kind: 'source_not_allowed'; sourceIp: string; signed: boolean }
  | { kind: 'signature_missing' }
  | { kind: 'signature_malformed' }
  | { kind: 'signature_invalid' }
  | { kind: 'payload_too_large'; bytes: number; limit: number }
  | { kind: 'receiver_not_configured' }
  | { kind: 'secrets_unavailable' }
  | { kind: 'storage_unavailable' }
  | { kind: 'not_found'; path: string }
  | { kind: 'method_not_allowed'; method: string }
  | { kind: 'internal_error' };

export interface Answer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

const error = (statusCode: number, code: string, message: string, headers: Record<string, string> = {}): Answer => ({
  statusCode,
  headers: { ...JSON_HEADERS, ...headers },
  body: { code, message },
});

/**
 * The one place outcomes become HTTP answers. Voucherify retries any non-2xx up to 12 times and then disables the
 * webhook, so: an authentic event always gets a 2xx (even one we cannot validate: it is quarantined, not bounced;
 * even a large one: the signature is checked before the size); 401/403/413/404/405 go only to requests that are not
 * proven authentic; our own trouble is a 503 so it retries later.
 */
export function toAnswer(outcome: Outcome): Answer {
  switch (outcome.kind) {
    case 'accepted':
      return { statusCode: 202, headers: JSON_HEADERS, body: { status: 'accepted', eventId: outcome.eventId } };
    case 'duplicate':
      return { statusCode: 200, headers: JSON_HEADERS, body: { status: 'duplicate', eventId: outcome.eventId } };
    case 'quarantined':
      return {
        statusCode: 202,
        headers: JSON_HEADERS,
        body: {
          status: 'quarantined',
          eventId: outcome.eventId,
          message: 'The event is authentic but does not match the expected schema; it was stored for inspection.',
          errors: outcome.issues,
        },
      };
    // Only reachable with the optional allow-list on (ALLOWED_SOURCE_IPS): a request from outside Voucherify's
    // published sender addresses is refused before its signature is looked at, and nothing is stored.
    case 'source_not_allowed':
      return error(
        403,
        'source_not_allowed',
        `Requests from ${outcome.sourceIp || 'an unknown address'} are not accepted: this receiver only accepts webhooks from the sender addresses it is configured with.`,
      );
    case 'signature_missing':
      return error(401, 'signature_missing', 'The x-voucherify-signature header is missing.');
    case 'signature_malformed':
      return error(
        401,
        'signature_malformed',
        'The x-voucherify-signature header must be a 64-character hex HMAC-SHA256 of the body.',
      );
    case 'signature_invalid':
      return error(
        401,
        'signature_invalid',
        'The x-voucherify-signature header does not match the body under any configured webhook secret.',
      );
    case 'payload_too_large':
      return error(
        413,
        'payload_too_large',
        `The body is ${outcome.bytes} bytes and its signature does not prove it comes from Voucherify; unsigned bodies are looked at up to ${outcome.limit} bytes.`,
      );
    case 'receiver_not_configured':
      return error(
        503,
        'receiver_not_configured',
        'No webhook secret is configured, so the signature cannot be checked. Retry later.',
        { 'retry-after': '60' },
      );
    case 'secrets_unavailable':
      return error(503, 'secrets_unavailable', 'The webhook secret could not be read just now. Retry later.', {
        'retry-after': '30',
      });
    case 'storage_unavailable':
      return error(503, 'storage_unavailable', 'The event could not be stored just now. Retry later.', {
        'retry-after': '30',
      });
    case 'not_found':
      return error(404, 'not_found', 'Nothing here. Voucherify webhooks go to POST /webhooks/voucherify.');
    case 'method_not_allowed':
      return error(405, 'method_not_allowed', `${outcome.method} is not allowed here; use POST.`, { allow: 'POST' });
    case 'internal_error':
      return error(500, 'internal_error', 'The receiver failed unexpectedly. Retry later.');
  }
}
