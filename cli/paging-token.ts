import { createHash } from 'node:crypto';
import { UsageError } from './errors';
import type { ListFilters } from './repository';
import type { Window } from './time';

/**
 * The `list --next` token: the repository's cursor, the window of the first page (a relative `--since` must not
 * slide between pages) and a fingerprint of the filters (a token is only good for the list it came from).
 */
interface Token {
  readonly v: 1;
  readonly c: string;
  readonly from: number;
  readonly to: number;
  readonly f: string;
}

export interface PagePosition {
  /** The repository's cursor (`<receivedAt>#<eventId>`). */
  readonly cursor: string;
  readonly window: Window;
}

function fingerprint(filters: ListFilters): string {
  const canonical = JSON.stringify([
    filters.type,
    filters.status,
    filters.customer,
    filters.campaign,
    filters.voucher,
    filters.failureCode,
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

export function encodePageToken(position: PagePosition, filters: ListFilters): string {
  const token: Token = {
    v: 1,
    c: position.cursor,
    from: position.window.fromMs,
    to: position.window.toMs,
    f: fingerprint(filters),
  };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

/** The position a token points at; a usage error for anything not printed by `list` with these same filters. */
export function decodePageToken(text: string, filters: ListFilters): PagePosition {
  let token: Partial<Token>;
  try {
    token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Token>;
  } catch (cause) {
    throw new UsageError('--next takes the token printed under the previous page', { cause });
  }
  if (
    token.v !== 1 ||
    typeof token.c !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T[\d:.]+Z#/.test(token.c) ||
    typeof token.from !== 'number' ||
    typeof token.to !== 'number'
  )
    throw new UsageError('--next takes the token printed under the previous page');
  if (token.f !== fingerprint(filters))
    throw new UsageError('this --next token belongs to a list with other filters; repeat the same filters');
  return { cursor: token.c, window: { fromMs: token.from, toMs: token.to } };
}
