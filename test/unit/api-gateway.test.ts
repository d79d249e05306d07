import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { apiGatewayHandler, fromApiGatewayEvent } from '../../functions/adapters/api-gateway';
import { staticSecrets } from '../../functions/adapters/secrets';
import { DEFAULT_INGEST_CONFIG, makeIngest } from '../../functions/core/ingest/ingest';
import { toApiGatewayEvent } from '../../local/runtime/api-gateway-event';
import { TEST_SECRET } from '../../tools/fixtures';
import { MemoryEventStore } from '../helpers/memory-store';

function unsignedEvent(body: string | null | undefined): APIGatewayProxyEventV2 {
  const event = toApiGatewayEvent({ method: 'POST', path: '/webhooks/voucherify', headers: {}, body: Buffer.alloc(0) });
  // API Gateway sends `body: null` (or no body) for a POST without one; the type says string, the wire says otherwise.
  return { ...event, body: body as string, isBase64Encoded: false };
}

describe('the API Gateway door: a missing body is an empty body', () => {
  const handler = apiGatewayHandler(
    makeIngest({
      secrets: staticSecrets(TEST_SECRET),
      store: new MemoryEventStore(),
      logger: { log: () => undefined },
      config: DEFAULT_INGEST_CONFIG,
    }),
  );

  it.each([null, undefined, ''])('reads body %p as zero bytes', (body) => {
    expect(fromApiGatewayEvent(unsignedEvent(body)).body).toEqual(Buffer.alloc(0));
  });

  it.each([null, undefined, ''])(
    'answers 401 signature_missing to an unsigned POST with body %p, not a 5xx',
    async (body) => {
      const result = await handler(unsignedEvent(body));

      expect(result.statusCode).toBe(401);
      expect(JSON.parse(result.body as string)).toMatchObject({ code: 'signature_missing' });
    },
  );
});
