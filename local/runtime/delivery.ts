import { readFileSync } from 'node:fs';
import { DEFAULT_INGEST_CONFIG } from '../../functions/core/ingest/ingest';
import { SIGNATURE_HEADER, sign, stripJsonWhitespace } from '../../functions/core/ingest/signature';

/** A request body and the headers Voucherify would send with it. */
export interface Delivery {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** Things worth telling the user (the file is not JSON, say); the delivery is still made. */
  readonly warnings: readonly string[];
}

export interface PrepareOptions {
  readonly secret: string;
  /** Send the file's bytes as they are instead of the compact form. */
  readonly raw?: boolean;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Turns a JSON file's bytes into a signed delivery, as Voucherify makes one: the compact JSON (whitespace outside
 * strings removed byte for byte, never re-serialised), signed with HMAC-SHA256 in `x-voucherify-signature`.
 */
export function prepareDelivery(fileBytes: Buffer, options: PrepareOptions): Delivery {
  const warnings: string[] = [];
  let body = fileBytes;
  if (!options.raw) {
    if (body.subarray(0, 3).equals(UTF8_BOM)) body = body.subarray(3);
    body = stripJsonWhitespace(body);
  }
  try {
    JSON.parse(body.toString('utf8'));
  } catch {
    warnings.push('the body is not valid JSON; the receiver will store it as QUARANTINED');
  }
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'voucherify-webhook-receiver/send',
      [SIGNATURE_HEADER]: sign(body, options.secret),
    },
    warnings,
  };
}

/** The bytes of a file to send, or an error that names the file and what is wrong with it. */
export function readDeliveryFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(error);
    throw new Error(`cannot read ${path}: ${why}`);
  }
}

/** The receiver did not answer at all (nothing listening, DNS, timeout). */
export class ReceiverUnreachableError extends Error {
  override name = 'ReceiverUnreachableError';
}

export interface DeliveryResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyText: string;
  /** The body parsed as JSON, when it is JSON. */
  readonly json?: unknown;
}

/** POSTs a delivery and returns the answer, whatever its status. Throws `ReceiverUnreachableError` on no answer. */
export async function postDelivery(url: string, delivery: Delivery, timeoutMs = 15_000): Promise<DeliveryResponse> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new ReceiverUnreachableError(`no answer from ${url} (${describeFetchFailure(error, timeoutMs)})`, {
      cause: error,
    });
  }
  const bodyText = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    json = undefined;
  }
  return {
    status: response.status,
    statusText: response.statusText,
    headers: Object.fromEntries(response.headers.entries()),
    bodyText,
    ...(json === undefined ? {} : { json }),
  };
}

/** The most useful word on why fetch failed: the socket error code (ECONNREFUSED, ENOTFOUND) or the timeout. */
function describeFetchFailure(error: unknown, timeoutMs: number): string {
  // Read by shape, not instanceof: fetch's errors may come from another realm (a test sandbox).
  const failure = error as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (failure?.name === 'TimeoutError') return `nothing within ${timeoutMs} ms`;
  if (typeof failure?.cause?.code === 'string') return failure.cause.code;
  if (typeof failure?.cause?.message === 'string') return failure.cause.message;
  return typeof failure?.message === 'string' ? failure.message : String(error);
}

/** The local receiver's URL when no state file says otherwise (PORT, default 3000). */
export function defaultWebhookUrl(env: NodeJS.ProcessEnv = process.env): string {
  const port = env.PORT?.trim() || '3000';
  return `http://127.0.0.1:${port}${env.WEBHOOK_PATH?.trim() || DEFAULT_INGEST_CONFIG.webhookPath}`;
}
