import type { Logger } from './ports';

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = { log() {} };

/**
 * A logger that adds `fields` to every line (a request's id, an event's id and type), so each line can be read, and
 * searched, on its own. Fields given to `log` win over these. The Lambda functions log through Powertools
 * (functions/adapters/powertools-logger.ts).
 */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return { log: (level, message, more) => logger.log(level, message, { ...fields, ...more }) };
}
