/**
 * What every command shares: its dependencies, the flags common to all, argument parsing and the session (the
 * table the command reads, with AWS SDK failures turned into messages). A command is a {@link Command}; the entry
 * (cli.ts) lists them.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AlertPublisher } from '../functions/core/alerts/ports';
import type { Validators } from '../functions/core/ingest/validation';
import { UsageError } from './errors';
import { type LocalModeState, localDir, readState } from './local-state';
import { EventsRepository } from './repository';
import { dynamoDbClient, explainAwsError, resolveTarget, type Target, type TargetFlags } from './target';

type Env = Readonly<Record<string, string | undefined>>;

export interface CliDeps {
  readonly env: Env;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now?: () => number;
  /** The schemas `replay` validates with; today's generated validators unless a test swaps them. */
  readonly validators?: Validators;
  /** Sends `replay --alert`'s alerts instead of SNS (tests). */
  readonly publisher?: AlertPublisher;
  /** The running local mode, if any (its state file by default). */
  readonly localState?: () => LocalModeState | undefined;
  /** Who acts on a case (`ack`, `resolve`); STS, `--by` or the OS user by default (cli/identity.ts). Tests swap it. */
  readonly identity?: (target: Target, by: string | undefined) => Promise<string>;
}

/** One `voucherify-events <name>` command. */
export interface Command {
  readonly name: string;
  /** Its lines in the main help (`list               events, newest first, with filters`). */
  readonly overview: string;
  /** `<name> --help`. */
  readonly help: string;
  /** Resolves to the exit code; throws a CliError for an error a person can act on. */
  run(args: readonly string[], deps: CliDeps): Promise<number>;
}

export const COMMON_OPTIONS = {
  table: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const WINDOW_OPTIONS = {
  since: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
} as const;

export const COMMON_HELP = `Where (first that applies):
  --table NAME       the events table (the stack output TableName); env EVENTS_TABLE_NAME
  --endpoint URL     a DynamoDB endpoint such as DynamoDB Local (default: AWS, or the running \`npm start\`)
  --region REGION    default AWS_REGION; the running \`npm start\` when nothing else is given
Output:
  --json             machine-readable output on stdout
  --debug            print the underlying error of a failure
  -h, --help         this help`;

export const WINDOW_HELP = `  --since DURATION   the last 30m, 24h, 7d, 2w
  --from DATE        2026-11-22 or 2026-11-22T10:00:00Z (UTC)
  --to DATE          inclusive; a date means the end of that day`;

/** The window of `list` and `stats` when none is given. */
export const DEFAULT_WINDOW_MS = 7 * 86_400_000;

/** node:util parseArgs, with its errors as usage errors, and at most `positionals` arguments. */
export function parse<const O extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: O,
  positionals: number,
) {
  const config = { args: [...args], options, allowPositionals: true, strict: true } as const;
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (cause) {
    // Node's message goes on about positionals after `--`; its first sentence is what matters.
    // (Read by shape: node:util's errors may come from another realm.)
    const text = String((cause as { message?: unknown })?.message ?? cause);
    const message = text.split(/\.(\s|$)/)[0] ?? text;
    throw new UsageError(message.charAt(0).toLowerCase() + message.slice(1), { cause });
  }
  if (!(parsed.values as { help?: boolean }).help && parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  }
  return parsed;
}

export interface Session {
  readonly target: Target;
  readonly repository: EventsRepository;
  /** The table's client (the case store and erase's holders are built on it). */
  readonly client: DynamoDBClient;
  /** Runs a repository call, turning AWS SDK failures into messages. */
  run<T>(call: () => Promise<T>): Promise<T>;
}

/** Opens the target table for `use` and closes its client afterwards. */
export async function withSession<T>(
  flags: TargetFlags,
  deps: CliDeps,
  use: (session: Session) => Promise<T>,
): Promise<T> {
  const local = (deps.localState ?? (() => readState(localDir(deps.env as NodeJS.ProcessEnv))))();
  const target = resolveTarget(flags, deps.env, local);
  const client = dynamoDbClient(target, deps.env);
  const session: Session = {
    target,
    client,
    repository: new EventsRepository(client, target.tableName),
    async run(call) {
      try {
        return await call();
      } catch (error) {
        throw explainAwsError(error, target);
      }
    },
  };
  try {
    return await use(session);
  } finally {
    client.destroy();
  }
}

export function positiveInteger(text: string | undefined, flag: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}; got "${text}"`);
  return value;
}

/** A non-empty flag value (a filter on "" would silently match nothing). */
export function nonEmpty(text: string | undefined, flag: string): string | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '') throw new UsageError(`${flag} needs a value`);
  return text.trim();
}
