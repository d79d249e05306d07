import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { toApiGatewayEvent } from '../../local/runtime/api-gateway-event';
import { loadIngestHandler } from '../../local/runtime/handler';
import type { HttpApiHandler } from '../../local/runtime/server';
import { dynamodbEndpoint } from './dynamodb';

/**
 * A fresh copy of the deployed Lambda handler (functions/ingest/handler.ts), configured through the environment as the
 * stack configures it, on the shared DynamoDB Local. Each call evaluates the module anew (a cold start), so one test
 * file can hold handlers with different settings.
 */
export function coldStartHandler(settings: { tableName: string; webhookSecret: string }): HttpApiHandler {
  let handler: HttpApiHandler | undefined;
  jest.isolateModules(() => {
    handler = loadIngestHandler({ dynamodbEndpoint: dynamodbEndpoint(), ...settings });
  });
  if (!handler) throw new Error('the ingest handler did not load');
  return handler;
}

/** The API Gateway (HTTP API, payload 2.0) event for a request, built as the local server and `invoke` build it. */
export function apiEvent(request: {
  method?: string;
  path?: string;
  headers: Record<string, string | undefined>;
  body: Buffer;
}): APIGatewayProxyEventV2 {
  return toApiGatewayEvent({
    method: request.method ?? 'POST',
    path: request.path ?? '/webhooks/voucherify',
    headers: request.headers,
    body: request.body,
  });
}

export interface ParsedResult {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  readonly body: Record<string, unknown>;
  readonly rawBody: string;
}

/** Invokes a handler and parses its result, failing the test if it is not a structured JSON answer. */
export async function invoke(handler: HttpApiHandler, event: APIGatewayProxyEventV2): Promise<ParsedResult> {
  const result = (await handler(event, {
    awsRequestId: event.requestContext.requestId,
  })) as APIGatewayProxyStructuredResultV2;
  expect(typeof result.statusCode).toBe('number');
  const rawBody = result.body ?? '';
  return {
    statusCode: result.statusCode as number,
    headers: { ...result.headers },
    body: JSON.parse(rawBody) as Record<string, unknown>,
    rawBody,
  };
}

/**
 * An error answer as the contract says: JSON with a stable `code` and a sentence a caller can act on, and nothing
 * that must not leave the receiver (stack traces, the secret, a signature).
 */
export function expectErrorAnswer(
  result: ParsedResult,
  statusCode: number,
  code: string,
  mustNotContain: readonly string[] = [],
): void {
  expect({ statusCode: result.statusCode, code: result.body.code }).toEqual({ statusCode, code });
  expect(String(result.headers['content-type'])).toMatch(/^application\/json/);
  expect(Object.keys(result.body).sort()).toEqual(['code', 'message']);
  expect(result.body.message).toMatch(/^[A-Z].{10,}\.$/);
  expectNothingSecret(result.rawBody, mustNotContain);
}

/** No stack trace and none of the given strings (secrets, signatures) in a text. */
export function expectNothingSecret(text: string, mustNotContain: readonly string[]): void {
  expect(text).not.toMatch(/\bat .+\(.+:\d+:\d+\)|\n\s+at /);
  expect(text).not.toMatch(/Error:|Exception/);
  for (const value of mustNotContain) {
    if (value) expect(text).not.toContain(value);
  }
}
