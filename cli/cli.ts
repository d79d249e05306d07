/**
 * `npx voucherify-events <command>` (or `npm run events -- <command>`): find, inspect, count and replay stored
 * webhook events, against the local mode or a deployed stack. The entry: it picks the command from {@link COMMANDS}
 * (one file each in commands/) and turns what a command throws into a message and an exit code. See
 * docs/operating.md.
 */
import type { CliDeps, Command } from './command';
import { erase } from './commands/erase';
import { list } from './commands/list';
import { reconcileCommand } from './commands/reconcile';
import { replay } from './commands/replay';
import { show } from './commands/show';
import { stats } from './commands/stats';
import { CliError, UsageError } from './errors';

export type { CliDeps } from './command';

/** The commands, in the order the help lists them. A new command is one more entry. */
const COMMANDS: readonly Command[] = [list, show, stats, replay, reconcileCommand, erase];

function mainHelp(): string {
  return `Usage: voucherify-events <command> [options]   (npm run events -- <command> [options])

Commands:
${COMMANDS.map((command) => command.overview).join('\n')}

Run \`voucherify-events <command> --help\` for a command's options. Docs: docs/operating.md`;
}

/** `a, b and c`. */
function names(): string {
  const all = COMMANDS.map((command) => command.name);
  return all.length < 2 ? all.join('') : `${all.slice(0, -1).join(', ')} and ${all.at(-1)}`;
}

/** Runs one command; resolves to the exit code (0 done, 1 failed, 2 bad usage). Never calls process.exit. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
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
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
