/**
 * Writes a JSON value the way another serialiser (or a proxy) might: the same value, other bytes. Strings may escape
 * any character as `\uXXXX` (either hex case) and `/` as `\/`; numbers may gain `.0`, `.00` or an exponent; any
 * whitespace JSON allows may sit between tokens. `choose(n)` picks 0..n-1, so a test drives it with fast-check.
 */
export function reserialise(value: unknown, choose: (n: number) => number): string {
  const gap = () => ['', '', ' ', '\n', '\t', '\r\n  '][choose(6)] as string;
  const write = (v: unknown): string => {
    if (v === null || typeof v === 'boolean') return String(v);
    if (typeof v === 'number') return number(v, choose);
    if (typeof v === 'string') return string(v, choose);
    if (Array.isArray(v)) return `[${gap()}${v.map((item) => `${write(item)}${gap()}`).join(`,${gap()}`)}]`;
    const entries = Object.entries(v as Record<string, unknown>).map(
      ([key, item]) => `${gap()}${string(key, choose)}${gap()}:${gap()}${write(item)}${gap()}`,
    );
    return `{${entries.join(',')}}`;
  };
  return `${gap()}${write(value)}${gap()}`;
}

function number(n: number, choose: (n: number) => number): string {
  const plain = JSON.stringify(n);
  if (!Number.isFinite(n) || Object.is(n, -0)) return plain;
  const forms = [plain, n.toExponential(), n.toExponential().toUpperCase().replace('E+', 'E')];
  if (Number.isInteger(n) && Math.abs(n) < 1e15) forms.push(`${plain}.0`, `${plain}.00`);
  return forms[choose(forms.length)] as string;
}

function string(text: string, choose: (n: number) => number): string {
  let out = '"';
  for (const char of text) {
    const units = [...Array(char.length).keys()].map((i) => char.charCodeAt(i));
    const lone = char.length === 1 && units[0]! >= 0xd800 && units[0]! <= 0xdfff;
    // A lone surrogate has no UTF-8 form: only its escape keeps the value.
    if (lone || choose(4) === 0) {
      const upper = choose(2) === 0;
      out += units
        .map((u) => `\\u${u.toString(16).padStart(4, '0')[upper ? 'toUpperCase' : 'toLowerCase']()}`)
        .join('');
    } else if (char === '/' && choose(2) === 0) {
      out += '\\/';
    } else {
      out += JSON.stringify(char).slice(1, -1);
    }
  }
  return `${out}"`;
}

/** A choice function from a fixed list of numbers (fast-check gives the list), cycling when it runs out. */
export function choicesFrom(seeds: readonly number[]): (n: number) => number {
  let i = 0;
  return (n) => (seeds.length === 0 ? 0 : (seeds[i++ % seeds.length] as number) % n);
}
