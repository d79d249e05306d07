import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { sdkRequestHandler } from '../../functions/adapters/http';

/** A server on loopback that accepts requests and never answers them. */
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('sdkRequestHandler', () => {
  it('fails a request that gets no answer with a TimeoutError after requestTimeoutMs, on every attempt', async () => {
    // Prepare: the functions' setting with short timeouts, two attempts.
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 2,
      requestHandler: sdkRequestHandler({ connectionTimeoutMs: 200, requestTimeoutMs: 300 }),
    });
    const started = Date.now();

    // Act
    const error = await client
      .send(new PutItemCommand({ TableName: 'events', Item: { pk: { S: 'x' } } }))
      .then(
        () => undefined,
        (cause: unknown) => cause,
      )
      .finally(() => client.destroy());

    // Assess: an error the SDK retried (2 attempts), well before any outer timeout.
    expect(error).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 2 } });
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
