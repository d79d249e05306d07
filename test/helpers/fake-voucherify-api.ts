import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadFixture } from '../../tools/fixtures';

/**
 * A stand-in for Voucherify's API on 127.0.0.1, answering what `reconcile` asks through the official SDK:
 * `GET /v1/redemptions?result=FAILURE&created_at[after]=…&created_at[before]=…&limit=…&page=…`, with the list shape
 * of Voucherify's documentation (`object: "list"`, `data_ref: "redemptions"`, `total`, `redemptions`), newest first.
 * It checks the SDK's key headers (401 with Voucherify's error body when they are wrong) and can answer a page with
 * 429 (and a Retry-After) before answering it properly.
 */
export interface FakeVoucherifyApi {
  readonly url: string;
  /** Every request as received (path and query decoded), in order. */
  readonly requests: { readonly path: string; readonly query: URLSearchParams; readonly appId?: string }[];
  /** The next request for `page` gets 429 (once per call). */
  throttleOnce(page: number, retryAfter?: string): void;
  /**
   * Every later answer (200) for `page` is `body(the proper answer)` instead: a page that is not a list, a wrong
   * total, items of another shape. Answers that are not JSON objects are sent as they are.
   */
  rewritePage(page: number, body: (proper: Record<string, unknown>) => unknown): void;
  stop(): Promise<void>;
}

export interface ApiObject extends Record<string, unknown> {
  /** Usually a string; anything else to see what reconcile makes of an API that answers otherwise. */
  readonly id: unknown;
  readonly date: string;
  readonly result: 'SUCCESS' | 'FAILURE';
}

/** A failed redemption as the API lists it, shaped after the fixture's `data.redemption`. */
export function failedRedemption(id: string, date: string): ApiObject {
  const data = loadFixture('redemption.failed').data as Record<string, Record<string, unknown>>;
  return {
    ...data.redemption,
    id,
    date,
    object: 'redemption',
    result: 'FAILURE',
    status: 'FAILED',
    voucher: data.voucher ?? null,
  } as ApiObject;
}

/** A failed rollback as the API lists it (`object: redemption_rollback`, the parent redemption as an id). */
export function failedRollback(id: string, redemptionId: string, date: string): ApiObject {
  const data = loadFixture('redemption.rollback.failed').data as Record<string, Record<string, unknown>>;
  return { ...data.redemption_rollback, id, redemption: redemptionId, date, result: 'FAILURE' } as ApiObject;
}

export async function startFakeVoucherifyApi(options: {
  readonly objects: readonly ApiObject[];
  readonly appId: string;
  readonly secretKey: string;
}): Promise<FakeVoucherifyApi> {
  const requests: FakeVoucherifyApi['requests'][number][] = [];
  const throttled = new Map<number, string | undefined>();
  const rewrites = new Map<number, (proper: Record<string, unknown>) => unknown>();
  const newestFirst = [...options.objects].sort((a, b) => b.date.localeCompare(a.date));

  const answer = (request: IncomingMessage) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const appId = request.headers['x-app-id'] as string | undefined;
    requests.push({ path: url.pathname, query: url.searchParams, ...(appId ? { appId } : {}) });
    if (appId !== options.appId || request.headers['x-app-token'] !== options.secretKey)
      return {
        status: 401,
        body: { code: 401, key: 'unauthorized', message: 'Unauthorized', details: 'Cannot authenticate: invalid keys' },
      };
    if (request.method !== 'GET' || url.pathname !== '/v1/redemptions')
      return { status: 404, body: { code: 404, key: 'not_found', message: 'Resource not found' } };
    const page = Number(url.searchParams.get('page') ?? '1');
    const limit = Number(url.searchParams.get('limit') ?? '10');
    if (throttled.has(page)) {
      const retryAfter = throttled.get(page);
      throttled.delete(page);
      return {
        status: 429,
        body: { code: 429, key: 'too_many_requests', message: 'Too many requests' },
        headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
      };
    }
    const after = url.searchParams.get('created_at[after]');
    const before = url.searchParams.get('created_at[before]');
    const result = url.searchParams.get('result');
    const matching = newestFirst.filter(
      (o) =>
        (!result || o.result === result) &&
        (!after || Date.parse(o.date) > Date.parse(after)) &&
        (!before || Date.parse(o.date) < Date.parse(before)),
    );
    const proper = {
      object: 'list',
      data_ref: 'redemptions',
      total: matching.length,
      redemptions: matching.slice((page - 1) * limit, page * limit),
    };
    const rewrite = rewrites.get(page);
    return { status: 200, body: rewrite ? rewrite(proper) : proper };
  };

  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const { status, body, headers } = answer(request) as {
        status: number;
        body: unknown;
        headers?: Record<string, string>;
      };
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    throttleOnce: (page, retryAfter) => throttled.set(page, retryAfter),
    rewritePage: (page, body) => rewrites.set(page, body),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
