/**
 * The CLI's named errors. Each carries the exit code it ends the process with and a message a person can act on;
 * the cause (an SDK error) stays attached for `--debug`, never printed as a stack trace by default.
 */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A flag, value or argument the command does not accept (exit code 2, like other Unix tools). */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

/** No event with that id in the table. */
export class EventNotFoundError extends CliError {
  override name = 'EventNotFoundError';
}

/** The table cannot be reached or read: no credentials, unreachable endpoint, missing table or index, no access. */
export class TargetError extends CliError {
  override name = 'TargetError';
}

/** The alert could not be sent (SNS refused or was unreachable). */
export class AlertSendError extends CliError {
  override name = 'AlertSendError';
}
