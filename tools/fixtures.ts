import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sign, stripJsonWhitespace } from '../functions/core/ingest/signature';

export const FIXTURES_DIR = join(__dirname, '..', 'fixtures');

/** A fixture envelope (JSON object) as loaded from fixtures/. */
export type Envelope = Record<string, unknown> & {
  id: string;
  type: string;
  data: Record<string, unknown>;
  event: Record<string, unknown> & { id: string };
};

/** The names of every fixture, without `.json`. */
export const fixtureNames: readonly string[] = readdirSync(FIXTURES_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.slice(0, -'.json'.length))
  .sort();

const cache = new Map<string, string>();

/** A fresh deep copy of a fixture, safe to change in a test. */
export function loadFixture(name: string): Envelope {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(FIXTURES_DIR, `${name}.json`), 'utf8');
    cache.set(name, text);
  }
  return JSON.parse(text) as Envelope;
}

/** The compact bytes Voucherify would send for a value. */
export function compactBody(value: unknown): Buffer {
  return stripJsonWhitespace(Buffer.from(JSON.stringify(value)));
}

export const TEST_SECRET = 'test-webhook-secret-0123456789';

/** A request as the core receives it: compact body, signed with `secret`. */
export function signedRequest(
  value: unknown,
  options: { secret?: string; body?: Buffer; headers?: Record<string, string> } = {},
) {
  const body = options.body ?? compactBody(value);
  return {
    method: 'POST',
    path: '/webhooks/voucherify',
    headers: {
      'content-type': 'application/json',
      'x-voucherify-signature': sign(body, options.secret ?? TEST_SECRET),
      ...options.headers,
    } as Record<string, string | undefined>,
    body,
  };
}

/** Sets a value at a JSON pointer-like path (`data.redemption.id`) in place; returns the object for chaining. */
export function setPath<T extends object>(target: T, path: string, value: unknown): T {
  const keys = path.split('.');
  let node = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys[keys.length - 1] as string] = value;
  return target;
}
