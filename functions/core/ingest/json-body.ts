/**
 * Parsing a webhook body, once, and describing why it is not JSON without repeating any of it: V8's messages quote the
 * body ("Unexpected token 'x', "…secret…" is not valid JSON"), and that text would land in the stored issues, the
 * answer and the alert. So the description is a fixed phrase plus a byte offset found by our own scan.
 */
export type JsonBody = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/**
 * The deepest nesting a stored body is parsed with. Voucherify's events nest about ten levels; JSON.parse takes any
 * depth, but its cost grows with the number of containers (a 6 MB body of nested arrays took about a second), and
 * every reader that recurses (JSON.stringify in `show`, the alert's builders) stops far below this with a RangeError.
 * A deeper body is stored unparsed, quarantined, like one that is not JSON.
 */
export const MAX_JSON_DEPTH = 1_000;

/**
 * The most members one object of a stored body is parsed with. Voucherify's objects have tens of keys; an object of
 * hundreds of thousands makes JSON.parse build a dictionary that cost about 2 s for 5.4 MB here. Such a body is stored
 * unparsed too. (Arrays are not limited: a long order is real, and arrays parse cheaply.)
 */
export const MAX_OBJECT_MEMBERS = 50_000;

/** Parses the body as UTF-8 JSON. On failure, `error` names the problem and its byte offset, never the bytes. */
export function parseJsonBody(body: Buffer): JsonBody {
  const shape = shapeBeyond(body, MAX_JSON_DEPTH, MAX_OBJECT_MEMBERS);
  if (shape !== undefined) {
    const what =
      shape.problem === 'depth'
        ? `it nests deeper than ${MAX_JSON_DEPTH} levels`
        : `an object has more than ${MAX_OBJECT_MEMBERS} members`;
    return { ok: false, error: `${what} (at byte ${shape.offset}); stored unparsed` };
  }
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch (cause) {
    return { ok: false, error: describeJsonError(body, cause) };
  }
}

/**
 * Where the body first nests deeper than `maxDepth` or holds an object of more than `maxMembers` members, or undefined.
 * A linear scan that skips strings; it does not check the grammar (the parse does).
 */
export function shapeBeyond(
  body: Buffer,
  maxDepth: number,
  maxMembers: number,
): { problem: 'depth' | 'members'; offset: number } | undefined {
  if (withinByCount(body, maxDepth, maxMembers)) return undefined;
  // Per open container: -1 for an array, else the commas seen so far in that object.
  const members = new Int32Array(maxDepth + 1);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    if (inString) {
      if (byte === 0x5c) i++;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      if (depth === maxDepth) return { problem: 'depth', offset: i };
      members[depth++] = byte === 0x7b ? 0 : -1;
    } else if (byte === 0x5d || byte === 0x7d) {
      if (depth > 0) depth--;
    } else if (byte === 0x2c && depth > 0 && (members[depth - 1] as number) >= 0) {
      const count = (members[depth - 1] as number) + 1;
      members[depth - 1] = count;
      if (count >= maxMembers) return { problem: 'members', offset: i };
    }
  }
  return undefined;
}

/**
 * Whether the body is too small to break either limit, whatever its shape: nesting deeper than `maxDepth` takes more
 * than `maxDepth` bytes `[` or `{`, and an object of `maxMembers` commas takes at least that many bytes. Counting the
 * brackets with `indexOf` (memchr, strings included, so it can only over-count) costs about a tenth of the byte-by-byte
 * scan on a webhook of a few KB, which then runs only for bodies that could be beyond a limit.
 */
function withinByCount(body: Buffer, maxDepth: number, maxMembers: number): boolean {
  if (body.length >= maxMembers) return false;
  if (body.length <= maxDepth) return true;
  let brackets = 0;
  for (const open of [0x7b, 0x5b])
    for (let i = body.indexOf(open); i !== -1; i = body.indexOf(open, i + 1)) if (++brackets > maxDepth) return false;
  return true;
}

/** Parses at most once, on first use: the signature check and the ingest core share the result. */
export function lazyJsonBody(body: Buffer): () => JsonBody {
  let parsed: JsonBody | undefined;
  return () => {
    parsed ??= parseJsonBody(body);
    return parsed;
  };
}

/** V8's message templates (Node 20-24) mapped to our own words; anything else is a plain "syntax error". */
const PHRASES: [RegExp, string][] = [
  [/^Unexpected end of JSON input/, 'the body ends before the JSON value does'],
  [/^Unterminated string/, 'a string is not closed'],
  [/^Bad control character in string literal/, 'a control character inside a string is not escaped'],
  [/^Bad (escaped character|Unicode escape)/, 'a string holds an invalid escape'],
  [/^Unexpected non-whitespace character after JSON/, 'something follows the JSON value'],
  [
    /^(No number after minus sign|Exponent part is missing a number|Unterminated fractional number)/,
    'a number is cut short',
  ],
];

function describeJsonError(body: Buffer, cause: unknown): string {
  const message = cause instanceof Error ? cause.message : '';
  const phrase = PHRASES.find(([pattern]) => pattern.test(message))?.[1] ?? 'unexpected character';
  const offset = firstSyntaxErrorOffset(body);
  return offset === undefined ? `syntax error (${phrase})` : `${phrase} at byte ${offset}`;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const isDigit = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x30 && byte <= 0x39;

/**
 * The byte offset where the body stops being JSON (RFC 8259), or undefined when the scan finds no error (V8 refused it
 * for a reason the grammar does not cover). Linear, iterative (no recursion, so any depth is fine), allocation-free.
 */
export function firstSyntaxErrorOffset(body: Buffer): number | undefined {
  // What may come next: a value, a key (or `}` right after `{`), `:`, or `,`/close.
  type Expect = 'value' | 'first-value' | 'key' | 'first-key' | 'colon' | 'after-value';
  const stack: number[] = []; // 0x5b `[` or 0x7b `{`
  let expect: Expect = 'value';
  let i = 0;
  const n = body.length;
  const skipSpace = () => {
    while (i < n && WHITESPACE.has(body[i] as number)) i++;
  };
  const scanString = (): boolean => {
    i++; // opening quote
    while (i < n) {
      const byte = body[i] as number;
      if (byte === 0x22) {
        i++;
        return true;
      }
      if (byte < 0x20) return false;
      if (byte === 0x5c) {
        const next = body[i + 1];
        if (next === 0x75) {
          for (let k = 2; k < 6; k++)
            if (!/[0-9a-fA-F]/.test(String.fromCharCode(body[i + k] ?? 0x20))) {
              i += k;
              return false;
            }
          i += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(String.fromCharCode(next))) {
          i++;
          return false;
        }
        i += 2;
        continue;
      }
      i++;
    }
    return false;
  };
  const scanNumber = (): boolean => {
    if (body[i] === 0x2d) i++;
    if (body[i] === 0x30) i++;
    else if (isDigit(body[i])) while (isDigit(body[i])) i++;
    else return false;
    if (body[i] === 0x2e) {
      i++;
      if (!isDigit(body[i])) return false;
      while (isDigit(body[i])) i++;
    }
    if (body[i] === 0x65 || body[i] === 0x45) {
      i++;
      if (body[i] === 0x2b || body[i] === 0x2d) i++;
      if (!isDigit(body[i])) return false;
      while (isDigit(body[i])) i++;
    }
    return true;
  };
  const scanWord = (word: string): boolean => {
    for (let k = 0; k < word.length; k++, i++) if (body[i] !== word.charCodeAt(k)) return false;
    return true;
  };

  for (;;) {
    skipSpace();
    const byte = body[i];
    if (byte === undefined) return stack.length === 0 && expect === 'after-value' ? undefined : i;
    switch (expect) {
      case 'value':
      case 'first-value': {
        if (expect === 'first-value' && byte === 0x5d) {
          stack.pop();
          i++;
          expect = 'after-value';
          break;
        }
        if (byte === 0x7b || byte === 0x5b) {
          stack.push(byte);
          i++;
          expect = byte === 0x7b ? 'first-key' : 'first-value';
          break;
        }
        const ok =
          byte === 0x22
            ? scanString()
            : byte === 0x2d || isDigit(byte)
              ? scanNumber()
              : byte === 0x74
                ? scanWord('true')
                : byte === 0x66
                  ? scanWord('false')
                  : byte === 0x6e
                    ? scanWord('null')
                    : false;
        if (!ok) return i;
        expect = 'after-value';
        break;
      }
      case 'key':
      case 'first-key':
        if (expect === 'first-key' && byte === 0x7d) {
          stack.pop();
          i++;
          expect = 'after-value';
          break;
        }
        if (byte !== 0x22 || !scanString()) return i;
        expect = 'colon';
        break;
      case 'colon':
        if (byte !== 0x3a) return i;
        i++;
        expect = 'value';
        break;
      case 'after-value': {
        const open = stack[stack.length - 1];
        if (open === undefined) return i; // something after the top-level value
        if (byte === 0x2c) {
          i++;
          expect = open === 0x7b ? 'key' : 'value';
        } else if ((open === 0x7b && byte === 0x7d) || (open === 0x5b && byte === 0x5d)) {
          stack.pop();
          i++;
        } else {
          return i;
        }
        break;
      }
    }
  }
}
