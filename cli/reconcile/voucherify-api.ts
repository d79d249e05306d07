import { VoucherifyServerSide } from '@voucherify/sdk';
import { CliError } from '../errors';
import { type ApiItemVerdict, readApiItem, readApiPage } from './api-schema';

/** The two webhook types reconcile looks for, and what each one's API object is. */
export type FailureType = 'redemption.failed' | 'redemption.rollback.failed';

/** One failed redemption or failed rollback as Voucherify's API lists it. */
export interface ApiFailure {
  readonly type: FailureType;
  /** `r_…` of a redemption, `rr_…` of a rollback: what the webhook's event carries as redemptionId / rollbackId. */
  readonly id: string;
  /** The redemption a rollback undoes (for a redemption: its own id). */
  readonly redemptionId: string;
  readonly date?: string;
  readonly failureCode?: string;
  /** The object as the API returned it: becomes the event's `data.redemption` / `data.redemption_rollback`. */
  readonly object: Readonly<Record<string, unknown>>;
}

/** The port: every failed redemption and rollback created in [fromMs, toMs). Throws CliError on a failure. */
export interface FailuresSource {
  listFailures(window: { readonly fromMs: number; readonly toMs: number }): Promise<ApiListing>;
}

export interface ApiListing {
  readonly failures: readonly ApiFailure[];
  /** Pages read and 429 answers waited out: said in the output, so a slow run explains itself. */
  readonly pages: number;
  readonly throttled: number;
  /** Listed items that could not be read (the schema, the id rule): reported and skipped, the others still used. */
  readonly skipped: readonly SkippedItem[];
  /**
   * Why the listing was cut short (a page that is not a list, the page or item cap, fewer items than the API's own
   * total): the failures are only those read before, so "nothing missing" cannot be concluded. Absent when complete.
   */
  readonly incomplete?: string;
}

/** One listed item reconcile could not use, and why. */
export interface SkippedItem {
  readonly page: number;
  /** Its position in the page, from 0. */
  readonly index: number;
  /** Its `id`, when it has a string one. */
  readonly id?: string;
  readonly reason: string;
}

/** How much one run reads before it stops and says the listing is incomplete (a server that never ends its list). */
export interface ListingLimits {
  readonly maxPages: number;
  readonly maxItems: number;
}

/** 10,000 pages of 100; 100,000 failures is far beyond a week of any project and still fits in memory. */
export const DEFAULT_LISTING_LIMITS: ListingLimits = { maxPages: 10_000, maxItems: 100_000 };

/** A 401/403 from Voucherify: the keys are wrong, revoked, or for another region's API. */
export class ApiCredentialsError extends CliError {}

/** Voucherify's API could not be read to the end (throttled too long, unreachable, an unexpected answer). */
export class ApiUnavailableError extends CliError {}

export interface ApiCredentials {
  readonly applicationId: string;
  readonly secretKey: string;
  /** `https://api.voucherify.io` (eu1, the SDK's default), `https://us1.api.voucherify.io`, `https://as1.api.voucherify.io`. */
  readonly apiUrl?: string;
}

export interface RetryPolicy {
  /** Tries of one page, the first included. */
  readonly maxTries: number;
  /** Back-off of the first retry when the answer names no Retry-After; doubled each retry, capped at maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxTries: 8,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Voucherify's largest page of redemptions. */
export const PAGE_SIZE = 100;

type Json = Record<string, unknown>;

interface SdkErrorShape {
  readonly message?: string;
  /** The body's `code` (Voucherify puts the HTTP status there too). */
  readonly code?: unknown;
  readonly key?: unknown;
  readonly cause?: { readonly response?: { readonly status?: number; readonly headers?: Record<string, unknown> } };
}

/** The HTTP status of a failed SDK call: from the response (exposeErrorCause), else the body's `code`. */
function statusOf(error: unknown): number | undefined {
  const shape = error as SdkErrorShape | undefined;
  const status = shape?.cause?.response?.status ?? shape?.code;
  return typeof status === 'number' ? status : undefined;
}

/** Retry-After in milliseconds (seconds or an HTTP date), or undefined. */
export function retryAfterMs(error: unknown, nowMs: number): number | undefined {
  const raw = (error as SdkErrorShape | undefined)?.cause?.response?.headers?.['retry-after'];
  if (raw === undefined || raw === null) return undefined;
  const text = String(raw).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Reads one listed object: a failed redemption or rollback, or undefined for anything else. Trusts the shape: call it
 * on an item {@link readApiItem} accepted (the SDK adapter does).
 */
export function toApiFailure(value: unknown): ApiFailure | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const object = value as Json;
  const id = str(object.id);
  if (!id || object.result !== 'FAILURE') return undefined;
  // A rollback names the redemption it undoes as a string (`redemption: "r_…"`); a redemption has no such field.
  const isRollback =
    object.object === 'redemption_rollback' || (object.object === undefined && !!str(object.redemption));
  const date = str(object.date);
  const failureCode = str(object.failure_code);
  return {
    type: isRollback ? 'redemption.rollback.failed' : 'redemption.failed',
    id,
    redemptionId: isRollback ? (str(object.redemption) ?? '') : id,
    ...(date ? { date } : {}),
    ...(failureCode ? { failureCode } : {}),
    object,
  };
}

/** The SDK call reconcile makes, so a test can count calls without replacing the SDK. */
type ListRedemptions = (params: {
  result: 'FAILURE';
  created_at: { after: string; before: string };
  limit: number;
  page: number;
}) => Promise<unknown>;

/**
 * The adapter over the official `@voucherify/sdk`: pages through `GET /v1/redemptions?result=FAILURE` (failed
 * redemptions and failed rollbacks alike) for the window, 100 a page, until a short page. Each page and each item is
 * checked against a schema of the fields reconcile uses (./api-schema.ts): a bad item is skipped and reported, a bad
 * page or a cap reached makes the listing incomplete. A 429 is waited out
 * (Retry-After when given, else doubling back-off) and the same page asked again; 5xx and network errors likewise.
 * 401/403 ends the run at once with {@link ApiCredentialsError}.
 *
 * The window's end is fixed before the first page, so failures created while paging cannot shift the pages; ids are
 * de-duplicated all the same.
 */
export class SdkFailuresSource implements FailuresSource {
  private readonly list: ListRedemptions;

  constructor(
    credentials: ApiCredentials,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly now: () => number = Date.now,
    private readonly limits: ListingLimits = DEFAULT_LISTING_LIMITS,
  ) {
    const client = VoucherifyServerSide({
      applicationId: credentials.applicationId,
      secretKey: credentials.secretKey,
      ...(credentials.apiUrl ? { apiUrl: credentials.apiUrl.replace(/\/+$/, '') } : {}),
      // The axios error is kept so the HTTP status and Retry-After header can be read.
      exposeErrorCause: true,
    });
    this.list = (params) => client.redemptions.list(params) as ReturnType<ListRedemptions>;
  }

  async listFailures(window: { fromMs: number; toMs: number }): Promise<ApiListing> {
    const params = {
      result: 'FAILURE' as const,
      created_at: { after: new Date(window.fromMs).toISOString(), before: new Date(window.toMs).toISOString() },
      limit: PAGE_SIZE,
    };
    const byId = new Map<string, ApiFailure>();
    const skipped: SkippedItem[] = [];
    let throttled = 0;
    let pages = 0;
    let items = 0;
    let incomplete: string | undefined;
    for (let page = 1; ; page++) {
      if (page > this.limits.maxPages) {
        incomplete = `stopped after ${this.limits.maxPages} pages (the page cap) and the API still answered full pages`;
        break;
      }
      const answer = await this.withRetry(
        page,
        () => this.list({ ...params, page }),
        () => throttled++,
      );
      pages++;
      // The answer is not trusted: a page that is not a list ends the listing as incomplete (what comes after it is
      // unknown), never as an empty page that would read as "nothing missing".
      const read = readApiPage(answer);
      if (!read.ok) {
        incomplete = `page ${page} is not a list of redemptions (${read.reason})`;
        break;
      }
      const listed = read.redemptions;
      for (const [index, item] of listed.entries()) {
        const verdict: ApiItemVerdict = readApiItem(item);
        if (verdict.kind === 'skip')
          skipped.push({ page, index, ...(verdict.id ? { id: verdict.id } : {}), reason: verdict.reason });
        if (verdict.kind !== 'failure') continue;
        const failure = toApiFailure(item);
        if (failure) byId.set(failure.id, failure);
      }
      items += listed.length;
      if (listed.length < PAGE_SIZE) {
        // A short page ends the list; the API's own total says whether it ended where it should.
        if (read.total !== undefined && items < read.total)
          incomplete = `the API said ${read.total} failures but its list ended after ${items}`;
        break;
      }
      if (items >= this.limits.maxItems) {
        incomplete = `stopped after ${items} listed items (the item cap)`;
        break;
      }
      // No stop on `total` with a full page: a count that is too small must not cut the listing short. A list that is
      // an exact number of pages costs one more (empty) page.
    }
    return { failures: [...byId.values()], pages, throttled, skipped, ...(incomplete ? { incomplete } : {}) };
  }

  private async withRetry<T>(page: number, call: () => Promise<T>, onThrottled: () => void): Promise<T> {
    let delay = this.retry.baseDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const status = statusOf(error);
        if (status === 401 || status === 403)
          throw new ApiCredentialsError(
            `Voucherify refused the API keys (${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}): check ` +
              'VOUCHERIFY_APP_ID and VOUCHERIFY_SECRET_KEY (or the --api-secret secret), and that VOUCHERIFY_API_URL ' +
              "is the project's region (https://api.voucherify.io, https://us1.api.voucherify.io, ...)",
            { cause: error },
          );
        const retryable = status === 429 || status === undefined || status >= 500;
        if (status === 429) onThrottled();
        // No answer at all (a wrong VOUCHERIFY_API_URL, no network): a few tries, not minutes of back-off.
        const tries = status === undefined ? Math.min(3, this.retry.maxTries) : this.retry.maxTries;
        if (!retryable || attempt >= tries) {
          const what = status === undefined ? describe(error) : `HTTP ${status}: ${describe(error)}`;
          throw new ApiUnavailableError(
            `could not list failed redemptions from Voucherify (page ${page}, ${attempt} tr${attempt === 1 ? 'y' : 'ies'}; ${what}); nothing was imported`,
            { cause: error },
          );
        }
        const wait = Math.min(this.retry.maxDelayMs, retryAfterMs(error, this.now()) ?? delay);
        await this.retry.sleep(wait);
        delay = Math.min(this.retry.maxDelayMs, delay * 2);
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
