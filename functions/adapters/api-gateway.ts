import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Answer } from '../core/ingest/answers';
import type { IngestRequest } from '../core/ingest/ingest';

/**
 * An HTTP API (payload 2.0) event as the core's request: raw bytes (base64-decoded when flagged), lowercased headers,
 * the source address.
 */
export function fromApiGatewayEvent(event: APIGatewayProxyEventV2): IngestRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  // API Gateway sends `body: null` for a request without one, whatever the type says: both are an empty body.
  const body =
    event.body == null ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return {
    method: event.requestContext?.http?.method ?? 'POST',
    path: event.rawPath ?? event.requestContext?.http?.path ?? '/',
    headers,
    body,
    requestId: event.requestContext?.requestId,
    // The address of the connection to API Gateway (the X-Forwarded-For header is the caller's to write).
    sourceIp: event.requestContext?.http?.sourceIp,
  };
}

export function toApiGatewayResult(answer: Answer): APIGatewayProxyStructuredResultV2 {
  return { statusCode: answer.statusCode, headers: { ...answer.headers }, body: JSON.stringify(answer.body) };
}

/** Wraps a core request handler as a Lambda handler for an HTTP API route. */
export function apiGatewayHandler(
  handle: (request: IngestRequest) => Promise<Answer>,
): (
  event: APIGatewayProxyEventV2,
  context?: Pick<Context, 'awsRequestId'>,
) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event, context) => {
    const request = fromApiGatewayEvent(event);
    const answer = await handle(
      request.requestId || !context ? request : { ...request, requestId: context.awsRequestId },
    );
    return toApiGatewayResult(answer);
  };
}
