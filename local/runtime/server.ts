import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { toApiGatewayResult } from '../../functions/adapters/api-gateway';
import { toAnswer } from '../../functions/core/ingest/answers';
import { toApiGatewayEvent } from './api-gateway-event';

/** A Lambda handler for an HTTP API route (payload format 2.0), like `functions/ingest/handler.ts`'s `handler`. */
export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
  context?: Pick<Context, 'awsRequestId'>,
) => Promise<APIGatewayProxyResultV2>;

import { LAMBDA_PAYLOAD_LIMIT_BYTES } from '../../functions/core/ingest/limits';

export { LAMBDA_PAYLOAD_LIMIT_BYTES };

/**
 * What the platform answers when a request cannot be handed to the function (its invocation payload, the event, is
 * over Lambda's 6 MB): the function never runs. The local server answers the same, so the limit shows here too.
 */
export const PLATFORM_TOO_LARGE = {
  statusCode: 413,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message: 'Request Entity Too Large' }),
} as const;

export interface LocalServerOptions {
  readonly handler: HttpApiHandler;
  /** 0 picks a free port. */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** The receiver's own limit for unproven bodies (MAX_BODY_BYTES); the handler applies it, as in AWS. */
  readonly maxBodyBytes: number;
  /**
   * The most bytes read from one request. A larger body, or one whose event would exceed Lambda's invocation limit,
   * gets the platform's 413 without reaching the handler; the rest reach it as in AWS.
   * @default LAMBDA_PAYLOAD_LIMIT_BYTES
   */
  readonly readLimitBytes?: number;
  /** One line per request; silent when absent. */
  readonly log?: (line: string) => void;
}

export interface LocalServer {
  /** `http://host:port`, without a path. */
  readonly origin: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * An HTTP server that does what API Gateway's HTTP API does for the receiver: turns each request into a payload 2.0
 * event (from the raw bytes, via `toApiGatewayEvent`), calls the Lambda handler and writes its result back.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const readLimit = options.readLimitBytes ?? LAMBDA_PAYLOAD_LIMIT_BYTES;
  const log = options.log ?? (() => {});

  const server = createServer((request, response) => {
    const started = Date.now();
    void serve(request, response, options.handler, readLimit).then(
      (summary) =>
        log(`${request.method} ${request.url} -> ${response.statusCode} ${summary} (${Date.now() - started} ms)`),
      (error: unknown) => {
        log(
          `${request.method} ${request.url} -> handler failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        if (!response.headersSent) writeResult(response, toApiGatewayResult(toAnswer({ kind: 'internal_error' })));
        else response.destroy();
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    origin: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  handler: HttpApiHandler,
  readLimit: number,
): Promise<string> {
  const read = await readBody(request, readLimit);
  if (!read.ok) {
    // Answer as the platform does and close: whatever else the client sends is discarded, never buffered.
    response.setHeader('connection', 'close');
    writeResult(response, PLATFORM_TOO_LARGE);
    return 'refused before reading the whole body (over what Lambda can be handed)';
  }

  const [path = '/', query = ''] = (request.url ?? '/').split('?', 2);
  const event = toApiGatewayEvent({
    method: request.method ?? 'GET',
    path,
    headers: flattenHeaders(request.headers),
    body: read.body,
    sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, ''),
  });
  // The platform's limit is on the whole event (the body as JSON text or base64, plus headers and context), not the body.
  const payloadBytes = Buffer.byteLength(JSON.stringify(event), 'utf8');
  if (payloadBytes > LAMBDA_PAYLOAD_LIMIT_BYTES) {
    writeResult(response, PLATFORM_TOO_LARGE);
    return `refused: the invocation payload would be ${payloadBytes} bytes, over Lambda's ${LAMBDA_PAYLOAD_LIMIT_BYTES}`;
  }
  const result = await handler({ ...event, rawQueryString: query }, { awsRequestId: event.requestContext.requestId });
  return writeResult(response, result);
}

type ReadResult = { ok: true; body: Buffer } | { ok: false; bytes: number };

function readBody(request: IncomingMessage, limit: number): Promise<ReadResult> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    return Promise.resolve({ ok: false, bytes: declared });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total <= limit) {
        chunks.push(chunk);
        return;
      }
      request.removeListener('data', onData);
      request.removeListener('end', onEnd);
      request.resume();
      resolve({ ok: false, bytes: total });
    };
    const onEnd = () => resolve({ ok: true, body: Buffer.concat(chunks, total) });
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('error', reject);
  });
}

/** Node's header object as API Gateway presents headers: one string per name, repeated values joined by commas. */
function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) flat[name] = Array.isArray(value) ? value.join(',') : value;
  return flat;
}

/** Writes a Lambda result as API Gateway does for payload 2.0 (a bare value becomes a 200 JSON body). */
function writeResult(response: ServerResponse, result: APIGatewayProxyResultV2): string {
  if (typeof result === 'string' || result === null || typeof result !== 'object' || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return '';
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) response.setHeader(name, String(value));
  if (result.cookies?.length) response.setHeader('set-cookie', result.cookies);
  const body = result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  response.statusCode = result.statusCode ?? 200;
  response.end(body);
  return summarize(result.body);
}

function summarize(body: string | undefined): string {
  try {
    const parsed = JSON.parse(body ?? '') as { status?: unknown; code?: unknown; eventId?: unknown };
    return [parsed.status ?? parsed.code, parsed.eventId].filter((part) => typeof part === 'string').join(' ');
  } catch {
    return '';
  }
}
