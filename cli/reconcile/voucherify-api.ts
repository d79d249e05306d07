import { VoucherifyServerSide } from '@voucherify/sdk';
import { CliError } from '../errors';

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
}

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

/** Stops a window that would page forever (a server that keeps answering full pages). */
const MAX_PAGES = 10_000;

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

/** Reads one listed object: a failed redemption or rollback, or undefined for anything else. */
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
}) => Promise<{ redemptions?: unknown[]; total?: number }>;

/**
 * The adapter over the official `@voucherify/sdk`: pages through `GET /v1/redemptions?result=FAILURE` (failed
 * redemptions and failed rollbacks alike) for the window, 100 a page, until a short page. A 429 is waited out
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
    let throttled = 0;
    let pages = 0;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await this.withRetry(
        page,
        () => this.list({ ...params, page }),
        () => throttled++,
      );
      pages++;
      const listed = Array.isArray(answer?.redemptions) ? answer.redemptions : [];
      for (const item of listed) {
        const failure = toApiFailure(item);
        if (failure) byId.set(failure.id, failure);
      }
      if (listed.length < PAGE_SIZE) break;
      if (typeof answer.total === 'number' && page * PAGE_SIZE >= answer.total) break;
    }
    return { failures: [...byId.values()], pages, throttled };
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
