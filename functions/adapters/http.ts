import { NodeHttpHandler } from '@smithy/node-http-handler';

/** How long an SDK client inside a function waits, in milliseconds. */
export interface SdkTimeouts {
  /** For the TCP (and TLS) connection to be made. */
  readonly connectionTimeoutMs: number;
  /** For the whole request and its answer, once sent. */
  readonly requestTimeoutMs: number;
}

/**
 * The HTTP handler for the functions' SDK clients. A request that outlives `requestTimeoutMs` fails with a
 * `TimeoutError`, which the SDK retries as a transient error. `throwOnRequestTimeout` is what makes that true: without
 * it, @smithy/node-http-handler 4 only logs a warning when `requestTimeout` passes and goes on waiting, so a hung
 * DynamoDB or SNS holds the function until its own timeout (found by test/integration/faults.test.ts).
 */
export function sdkRequestHandler(timeouts: SdkTimeouts): NodeHttpHandler {
  return new NodeHttpHandler({
    connectionTimeout: timeouts.connectionTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    throwOnRequestTimeout: true,
  });
}
