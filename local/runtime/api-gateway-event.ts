import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** Builds an HTTP API (payload 2.0) event, as API Gateway would, for the local server, `npm run invoke` and tests. */
export function toApiGatewayEvent(request: {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: Buffer;
  sourceIp?: string;
  requestId?: string;
}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) headers[name.toLowerCase()] = value;
  const contentType = headers['content-type'] ?? '';
  // API Gateway passes text bodies through and base64-encodes the rest; mirror that so both paths get exercised.
  const isText = /^(application\/(json|[\w.+-]*\+json)|text\/)/i.test(contentType);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${request.method} ${request.path}`,
    rawPath: request.path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: request.method,
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: request.requestId ?? `local-${now.getTime().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      routeKey: `${request.method} ${request.path}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: isText ? request.body.toString('utf8') : request.body.toString('base64'),
    isBase64Encoded: !isText,
  };
}
