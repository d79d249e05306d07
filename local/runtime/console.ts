/**
 * The local mode's console. The functions run in this process and write what they would write in Lambda: Powertools
 * JSON log lines (stdout; warnings and errors on stderr) and EMF metric lines (stdout). In a terminal those bury the
 * lines a person reads, so by default they are turned into readable lines or left out:
 * - EMF lines are left out (CloudWatch would turn them into metrics; locally nothing reads them);
 * - the alerts function's outcome per record (`alert published`, `alert duplicate`) becomes one line;
 * - any other warning or error becomes one line with its event id and error, except the ingest outcome lines for
 *   4xx answers, which the receiver's request line already shows;
 * - other info and debug lines are left out.
 * Verbose (`--verbose`, or LOG_FORMAT=json) prints the raw lines as well, as CloudWatch would hold them.
 * Everything that is not one of those JSON lines (the request lines, the alert emails, messages) passes as it is,
 * except that nothing reaches the terminal raw: every line is made terminalSafe (a request path, an event id or an
 * alert's text can carry escape sequences), the raw JSON lines of verbose mode have those characters escaped.
 */

import { terminalJsonText, terminalSafe } from '../../functions/core/shared/visible-text';

type Write = typeof process.stdout.write;

export interface ConsoleRouting {
  /** Puts the streams back as they were. */
  restore(): void;
}

export interface ConsoleRoutingOptions {
  readonly verbose: boolean;
  /** Where readable lines go; stdout (the unrouted one) by default. */
  readonly print?: (line: string) => void;
}

/** Whether LOG_FORMAT asks for the raw lines. */
export function wantsRawLines(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.LOG_FORMAT?.trim().toLowerCase() === 'json';
}

type Line = Record<string, unknown>;

function parseJsonObject(text: string): Line | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Line) : undefined;
  } catch {
    return undefined;
  }
}

const isEmf = (line: Line) => typeof line._aws === 'object' && line._aws !== null;
const isFunctionLog = (line: Line) =>
  typeof line.level === 'string' && typeof line.message === 'string' && typeof line.timestamp === 'string';

const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : undefined);

/**
 * The readable line for one function log line, or undefined to leave it out. Exported for the tests.
 */
export function readableLine(line: Line): string | undefined {
  const fn = text(line.function) ?? 'function';
  const level = String(line.level).toUpperCase();
  const message = String(line.message);
  if (message === 'alert published' || message === 'alert duplicate') {
    const details = [
      text(line.eventId),
      line.fallback === true ? 'minimal alert' : undefined,
      text(line.messageId) ? `SNS message ${text(line.messageId)}` : undefined,
      text(line.alertedAt) ? `already alerted at ${text(line.alertedAt)}` : undefined,
    ].filter(Boolean);
    return `[${fn}] ${message}: ${details.join(', ')}`;
  }
  const caseKey = text(line.caseKey);
  if (caseKey && ['case opened', 'case reopened', 'case linked', 'case put in the digest'].includes(message)) {
    const details = [
      text(line.eventId) ? `event ${text(line.eventId)}` : undefined,
      text(line.window) ? `window ${text(line.window)} (sent when it ends)` : undefined,
      text(line.events) ? `${text(line.events)} events` : undefined,
    ].filter(Boolean);
    return `[${fn}] ${message}: ${caseKey}${details.length ? ` (${details.join(', ')})` : ''}`;
  }
  if (message === 'case change announced' && text(line.caseKey))
    return `[${fn}] case ${text(line.state)}: ${text(line.caseKey)}`;
  if (message === 'case sweep done') {
    const sent = [
      Number(line.digests) > 0 ? `${text(line.digests)} digest(s)` : undefined,
      Number(line.reminded) > 0 ? `reminder of ${text(line.reminded)} case(s)` : undefined,
    ].filter(Boolean);
    // Quiet runs stay quiet: one line only when the run sent something.
    if (sent.length === 0) return undefined;
    return `[${fn}] sent ${sent.join(' and ')}; ${text(line.openCases)} unresolved case(s), oldest ${text(line.oldestOpenCaseAgeSeconds)} s`;
  }
  if (level !== 'WARN' && level !== 'ERROR' && level !== 'CRITICAL') return undefined;
  // A 4xx answer is the request line's "-> 401 signature_invalid"; a 5xx also says why, here.
  if (message.startsWith('webhook ') && level === 'WARN') return undefined;
  const details = [text(line.eventId), text(line.error)].filter(Boolean);
  return `[${fn}] ${level.toLowerCase()}: ${message}${details.length ? ` (${details.join('; ')})` : ''}`;
}

/**
 * Routes what this process writes to stdout and stderr as described above, until `restore`. Lines are handled whole:
 * Console writes each line in one call, ending in a newline; a chunk that does not end in one passes unchanged.
 */
export function routeFunctionOutput(options: ConsoleRoutingOptions): ConsoleRouting {
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  const printLine =
    options.print ??
    ((line: string) => {
      originals.stdout.call(process.stdout, `${line}\n`);
    });
  const print = (line: string) => printLine(terminalSafe(line, { lines: true }));

  const route = (name: 'stdout' | 'stderr'): Write => {
    const stream = process[name];
    const original = originals[name];
    return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const content = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (!content.endsWith('\n') || !content.includes('{')) {
        const safe = terminalSafe(content, { lines: true });
        return original.call(stream, safe === content ? chunk : safe, ...(rest as []));
      }
      const write = (line: string) => original.call(stream, `${line}\n`);
      for (const raw of content.slice(0, -1).split('\n')) {
        const line = parseJsonObject(raw.trim());
        if (!line || !(isEmf(line) || isFunctionLog(line))) {
          write(terminalSafe(raw, { lines: true }));
          continue;
        }
        if (options.verbose) write(terminalJsonText(raw));
        const readable = isEmf(line) ? undefined : readableLine(line);
        if (readable !== undefined) print(readable);
      }
      rest.find((arg): arg is () => void => typeof arg === 'function')?.();
      return true;
    }) as Write;
  };

  process.stdout.write = route('stdout');
  process.stderr.write = route('stderr');
  return {
    restore() {
      process.stdout.write = originals.stdout;
      process.stderr.write = originals.stderr;
    },
  };
}
