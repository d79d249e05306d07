import { BlockList, isIP } from 'node:net';

/**
 * The addresses Voucherify says its webhooks are sent from, per region of its API (reference: Voucherify's webhook
 * documentation, "IP addresses"). Voucherify can change them; keep the allow-list off unless a policy requires it.
 */
export const VOUCHERIFY_SENDER_IPS = {
  eu1: ['34.247.197.22', '63.32.191.141', '52.215.148.84'],
  us1: ['100.25.106.67', '18.209.236.215', '34.192.255.99'],
  as1: ['52.76.98.82', '54.169.8.101', '13.214.87.160'],
} as const satisfies Record<string, readonly string[]>;

export type VoucherifyRegion = keyof typeof VOUCHERIFY_SENDER_IPS;

export const VOUCHERIFY_REGIONS = Object.keys(VOUCHERIFY_SENDER_IPS) as readonly VoucherifyRegion[];

export function isVoucherifyRegion(name: string): name is VoucherifyRegion {
  return Object.hasOwn(VOUCHERIFY_SENDER_IPS, name);
}

/** One allow-list entry, read: an address with its prefix length (a single address has the full length). */
interface SourceBlock {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/**
 * Reads one entry: an IPv4 or IPv6 address (`34.247.197.22`), or a CIDR block (`10.0.0.0/24`, `2001:db8::/32`).
 * Returns a sentence saying what is wrong instead when it is neither, so callers can list every bad entry at once.
 */
export function readSourceEntry(entry: string): SourceBlock | string {
  const text = entry.trim();
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return `${JSON.stringify(entry)} is not an IPv4 or IPv6 address or CIDR block`;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const bits = version === 4 ? 32 : 128;
  if (slash < 0) return { address, prefix: bits, family };
  const prefixText = text.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 1 && prefix <= bits)) {
    return (
      `${JSON.stringify(entry)} has a prefix length outside 1-${bits}` +
      (prefix === 0 ? ' (/0 would allow every address: leave the list empty instead)' : '')
    );
  }
  return { address, prefix, family };
}

/** Every problem with a list of entries, one sentence each (empty when all are valid). */
export function sourceEntryProblems(entries: readonly string[]): string[] {
  return entries.map(readSourceEntry).filter((read): read is string => typeof read === 'string');
}

/** A list of entries that is not all addresses and CIDR blocks. */
export class SourceAllowListError extends Error {
  override name = 'SourceAllowListError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid source allow-list: ${problems.join('; ')}`);
  }
}

/** Decides whether a request's source address may call the webhook. */
export interface SourceAllowList {
  /** The entries, as given (trimmed). */
  readonly entries: readonly string[];
  /** True when `sourceIp` is a valid address inside one of the entries; a missing or malformed address is refused. */
  allows(sourceIp: string | undefined): boolean;
}

/**
 * Builds the allow-list from addresses and CIDR blocks; throws a {@link SourceAllowListError} listing every entry that
 * is neither. IPv4-mapped IPv6 sources (`::ffff:34.247.197.22`) match their IPv4 entries.
 */
export function sourceAllowList(entries: readonly string[]): SourceAllowList {
  const problems = sourceEntryProblems(entries);
  if (problems.length > 0) throw new SourceAllowListError(problems);
  const blocks = new BlockList();
  for (const entry of entries) {
    const block = readSourceEntry(entry) as SourceBlock;
    blocks.addSubnet(block.address, block.prefix, block.family);
  }
  return {
    entries: entries.map((entry) => entry.trim()),
    allows(sourceIp) {
      const address = sourceIp?.trim() ?? '';
      const version = isIP(address);
      if (version === 0) return false;
      return blocks.check(address, version === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/**
 * The entries a deployment's settings stand for: every published address of each named region, then the extra
 * addresses and blocks, without repeats. Throws a {@link SourceAllowListError} naming unknown regions and bad entries.
 */
export function allowListEntries(regions: readonly string[], extra: readonly string[]): string[] {
  const problems: string[] = [];
  const entries: string[] = [];
  for (const region of regions.map((name) => name.trim().toLowerCase())) {
    if (isVoucherifyRegion(region)) entries.push(...VOUCHERIFY_SENDER_IPS[region]);
    else
      problems.push(`${JSON.stringify(region)} is not a Voucherify region (known: ${VOUCHERIFY_REGIONS.join(', ')})`);
  }
  const trimmed = extra.map((entry) => entry.trim()).filter((entry) => entry !== '');
  problems.push(...sourceEntryProblems(trimmed));
  if (problems.length > 0) throw new SourceAllowListError(problems);
  return [...new Set([...entries, ...trimmed])];
}

/** The environment form of a list (`ALLOWED_SOURCE_IPS`): comma-separated. */
export function formatSourceEntries(entries: readonly string[]): string {
  return entries.join(',');
}

/** Reads the environment form back; blank means no allow-list (every source may call). */
export function parseSourceEntries(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
