import type { Logger, LogLevel } from './ports';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A JSON-lines logger: one object per line with level, message, timestamp and the given fields, which CloudWatch Logs
 * Insights can query directly. `write` defaults to stdout.
 */
export function jsonLogger(
  options: { level?: LogLevel; base?: Record<string, unknown>; write?: (line: string) => void } = {},
): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  return {
    log(level, message, fields) {
      if (ORDER[level] < threshold) return;
      write(JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...options.base, ...fields }));
    },
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = { log() {} };

/**
 * A logger that adds `fields` to every line (a request's id, an event's id and type), so each line can be read, and
 * searched, on its own. Fields given to `log` win over these.
 */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return { log: (level, message, more) => logger.log(level, message, { ...fields, ...more }) };
}
