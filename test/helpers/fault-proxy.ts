import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the proxy does with one request:
 * - `pass`: forwards it and relays the answer;
 * - `hang`: never answers (the client's own timeout has to end it);
 * - `dropAnswer`: forwards it (so the write happens) and then cuts the connection instead of answering;
 * - an error: answers with this status and AWS JSON error type, without forwarding.
 */
export type Fault = 'pass' | 'hang' | 'dropAnswer' | { readonly status: number; readonly type: string };

/** DynamoDB's answer when a table's throughput is exceeded. */
export const THROTTLED: Fault = {
  status: 400,
  type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
};
/** DynamoDB's answer when it fails on its side. */
export const INTERNAL_ERROR: Fault = { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' };

/** A local endpoint in front of a real one (DynamoDB Local) that fails the requests it is told to fail. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: give it to the client under test as its endpoint. */
  readonly endpoint: string;
  /** Every request, in order: its operation (`PutItem`) and what was done with it. */
  readonly calls: { readonly operation: string; readonly fault: string }[];
  /** Applies `faults` to the next requests for `operation`, in order; after them, requests pass. */
  plan(operation: string, faults: readonly Fault[]): void;
  close(): Promise<void>;
}

function faultName(fault: Fault): string {
  return typeof fault === 'string' ? fault : `${fault.status} ${fault.type.split('#').pop()}`;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/** Forwards a request to `upstream` and resolves with its whole answer. */
function forward(
  upstream: URL,
  incoming: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host },
      },
      (answer) => {
        readAll(answer).then(
          (answerBody) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: answerBody }),
          reject,
        );
      },
    );
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

/** Starts a fault-injecting proxy for an AWS JSON-protocol endpoint (operations named by `x-amz-target`). */
export async function startFaultProxy(upstreamEndpoint: string): Promise<FaultProxy> {
  const upstream = new URL(upstreamEndpoint);
  const plans = new Map<string, Fault[]>();
  const calls: { operation: string; fault: string }[] = [];
  const sockets = new Set<Socket>();

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const body = await readAll(incoming);
    const operation =
      String(incoming.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    const fault = plans.get(operation)?.shift() ?? 'pass';
    calls.push({ operation, fault: faultName(fault) });
    if (fault === 'hang') return;
    if (typeof fault === 'object') {
      response
        .writeHead(fault.status, { 'content-type': 'application/x-amz-json-1.0' })
        .end(JSON.stringify({ __type: fault.type, message: `injected: ${faultName(fault)}` }));
      return;
    }
    const answer = await forward(upstream, incoming, body);
    if (fault === 'dropAnswer') {
      incoming.socket.destroy();
      return;
    }
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    response.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) }).end(answer.body);
  };

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch(() => incoming.socket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    plan: (operation, faults) => plans.set(operation, [...(plans.get(operation) ?? []), ...faults]),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
