/**
 * The CLI's named errors. Each carries the exit code it ends the process with and a message a person can act on;
 * the cause (an SDK error) stays attached for `--debug`, never printed as a stack trace by default.
 */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A flag, value or argument the command does not accept (exit code 2, like other Unix tools). */
export class UsageError extends CliError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

/** No event with that id in the table. */
export class EventNotFoundError extends CliError {}

/** The table cannot be reached or read: no credentials, unreachable endpoint, missing table or index, no access. */
export class TargetError extends CliError {}

/** The alert could not be sent (SNS refused or was unreachable). */
export class AlertSendError extends CliError {}
