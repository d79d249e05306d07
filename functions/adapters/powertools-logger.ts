import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { Logger, LogLevel } from '../core/shared/ports';

/** The service name every function of a deployment logs and measures under, from its environment. */
export function serviceName(env: Readonly<Record<string, string | undefined>>): string {
  // The stack sets POWERTOOLS_SERVICE_NAME to its own name; outside AWS (local mode, tests) a fixed name.
  return env.POWERTOOLS_SERVICE_NAME?.trim() || 'voucherify-webhooks';
}

/**
 * A Powertools Logger for one function. Its lines carry the keys operators' Logs Insights queries expect (`level`,
 * `message`, `timestamp`, `service`, `xray_trace_id`, and after `addContext` `cold_start`, `function_name`,
 * `function_request_id`), plus `function` (ingest or alerts) so the local mode, which has no Lambda context, can tell
 * its two functions apart.
 */
export function createPowertoolsLogger(options: {
  readonly function: string;
  readonly level: LogLevel;
  readonly service: string;
}): PowertoolsLogger {
  return new PowertoolsLogger({
    serviceName: options.service,
    logLevel: options.level,
    persistentKeys: { function: options.function },
  });
}

/** The core's logging port on a Powertools Logger: the message and the flat fields, as one JSON line. */
export function powertoolsLogger(logger: PowertoolsLogger): Logger {
  return {
    log(level, message, fields) {
      if (fields === undefined) logger[level](message);
      else logger[level](message, fields);
    },
  };
}

/**
 * Wraps a Lambda handler so each invocation's lines carry the invocation's context (`cold_start`,
 * `function_request_id`, and in AWS the function's name, ARN and memory). The local mode passes only a request id;
 * the keys it does not give are left out of the lines.
 */
export function withLambdaContext<E, C extends Partial<Context>, R>(
  logger: PowertoolsLogger,
  handler: (event: E, context?: C) => Promise<R>,
): (event: E, context?: C) => Promise<R> {
  return (event, context) => {
    if (context) logger.addContext(context as Context);
    return handler(event, context);
  };
}
