/**
 * `npx voucherify-events <command>` (or `npm run events -- <command>`): find, inspect, count and replay stored
 * webhook events, against the local mode or a deployed stack. The entry: it picks the command from {@link COMMANDS}
 * (one file each in commands/) and turns what a command throws into a message and an exit code. See
 * docs/operating.md.
 */

import { terminalSafe } from '../functions/core/shared/visible-text';
import type { CliDeps, Command } from './command';
import { ack, cases, resolve } from './commands/cases';
import { erase } from './commands/erase';
import { list } from './commands/list';
import { reconcileCommand } from './commands/reconcile';
import { replay } from './commands/replay';
import { show } from './commands/show';
import { stats } from './commands/stats';
import { CliError, UsageError } from './errors';

export type { CliDeps } from './command';

/** The commands, in the order the help lists them. A new command is one more entry. */
const COMMANDS: readonly Command[] = [list, show, stats, replay, reconcileCommand, cases, ack, resolve, erase];

function mainHelp(): string {
  return `Usage: voucherify-events <command> [options]   (npm run events -- <command> [options])

Commands:
${alignColumns(COMMANDS.flatMap((command) => command.overview.split('\n')))}

Run \`voucherify-events <command> --help\` for a command's options. Docs: docs/operating.md`;
}

/**
 * The overview lines (`  <usage>   <description>`, usage and description split at the first run of two or more
 * spaces) with every description starting in one column, whatever the longest usage is.
 */
function alignColumns(lines: readonly string[]): string {
  const rows = lines.map((line) => {
    const match = /^\s*(\S(?:.*?\S)?)\s{2,}(\S.*)$/.exec(line);
    return match
      ? { usage: match[1] as string, description: match[2] as string }
      : { usage: line.trim(), description: '' };
  });
  const width = Math.max(...rows.map((row) => row.usage.length));
  return rows.map((row) => `  ${row.usage.padEnd(width)}   ${row.description}`.trimEnd()).join('\n');
}

/** `a, b and c`. */
function names(): string {
  const all = COMMANDS.map((command) => command.name);
  return all.length < 2 ? all.join('') : `${all.slice(0, -1).join(', ')} and ${all.at(-1)}`;
}

/**
 * Everything a command prints passes {@link terminalSafe} (keeping its own line breaks): the printers make each field
 * safe where they lay it out, and this catches whatever else quotes webhook or API text (an error message, a note),
 * so no control character reaches the terminal raw. `--json` output is already escaped by terminalJson and passes
 * unchanged.
 */
function terminalOutput(deps: CliDeps): CliDeps {
  return {
    ...deps,
    stdout: (text) => deps.stdout(terminalSafe(text, { lines: true })),
    stderr: (text) => deps.stderr(terminalSafe(text, { lines: true })),
  };
}

/** Runs one command; resolves to the exit code (0 done, 1 failed, 2 bad usage). Never calls process.exit. */
export async function runCli(argv: readonly string[], given: CliDeps): Promise<number> {
  const deps = terminalOutput(given);
  const [name, ...rest] = argv;
  const command = COMMANDS.find((candidate) => candidate.name === name);
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      deps.stdout(mainHelp());
      return name === undefined ? 2 : 0;
    }
    if (!command) throw new UsageError(`unknown command "${name}"; the commands are ${names()}`);
    return await command.run(rest, deps);
  } catch (error) {
    return report(error, command, argv.includes('--debug'), deps);
  }
}

function report(error: unknown, command: Command | undefined, debug: boolean, deps: CliDeps): number {
  if (error instanceof CliError) {
    const hint = error instanceof UsageError && command ? ` (see ${command.name} --help)` : '';
    deps.stderr(`error: ${error.message}${hint}`);
    if (debug && error.cause) deps.stderr(String((error.cause as Error).stack ?? error.cause));
    return error.exitCode;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  deps.stderr(`error: ${message}`);
  if (debug && error instanceof Error) deps.stderr(String(error.stack));
  return 1;
}

/** The process entry (the `voucherify-events` launcher and `npm run events`). */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  // The SDK's Node 20 end-of-support notice would land in the middle of the output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runCli(argv, {
    env: process.env,
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${terminalSafe(error instanceof Error ? error.message : String(error))}\n`);
      process.exitCode = 1;
    },
  );
}
