import { isUtf8 } from 'node:buffer';

/**
 * The `stringify` signed form of a body (`JSON.stringify(JSON.parse(body))`, what the official Node SDK hashes),
 * computed by one linear pass over the bytes instead of building the value and serialising it again.
 *
 * Why not parse: the form is needed before the body is proven authentic, and JSON.parse's cost depends on the shape
 * (a 256 KB body of nested arrays took 10-20 times as long as a flat one, and a 6 MB one about a second), so an
 * unsigned body could be made expensive to refuse. This pass allocates nothing per value: whitespace is dropped,
 * numbers and strings already in JSON.stringify's spelling are copied as runs, and only the others are rewritten.
 *
 * Returns undefined when the body is not JSON (JSON.parse would throw, so the form does not exist), and also when an
 * object's integer-like keys are not already first and ascending, or repeat: JSON.parse would reorder or merge them,
 * which a linear pass does not do (duplicate named keys are kept, so such a body's form is not the SDK's either). Voucherify never signs such bytes as its own (the SDK's form of them is not what
 * was sent), so no authentic delivery is lost by it; such a body must match in the raw or compact form.
 */
export function stringifyForm(body: Buffer): Buffer | undefined {
  const forms = jsonForms(body);
  return forms === undefined ? undefined : forms.stringified;
}

/**
 * One pass that tells whether the body is JSON at all (undefined when not: JSON.parse would throw) and, when it is,
 * its stringify form (undefined in the key-order cases above).
 */
export function jsonForms(body: Buffer): { readonly stringified: Buffer | undefined } | undefined {
  // JSON.parse reads the body as UTF-8 with U+FFFD for invalid bytes: work on exactly those bytes.
  const input = isUtf8(body) ? body : Buffer.from(body.toString('utf8'), 'utf8');
  const pass = new StringifyPass(input);
  const out = pass.run();
  // Given up on the rewrite budget: no form, and the compact form is still tried (it costs one more linear pass).
  if (pass.givenUp) return { stringified: undefined };
  if (out === undefined) return undefined;
  return { stringified: pass.keysInOrder ? out : undefined };
}

/** Conversions allowed per body: this many, plus one per {@link REWRITE_BUDGET_BYTES} bytes (see spend). */
const REWRITE_BUDGET_BASE = 256;
const REWRITE_BUDGET_BYTES = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_ARRAY_INDEX = 4_294_967_294;
const HEX = '0123456789abcdef';

const VALUE = 0;
const FIRST_VALUE = 1;
const KEY = 2;
const FIRST_KEY = 3;
const COLON = 4;
const AFTER_VALUE = 5;

/** A value's container on the stack: an array, or an object with what its keys so far allow. */
const ARRAY = -3;
/** An object that has had a key that is not integer-like: a later integer-like key would be moved by JSON.parse. */
const OBJECT_NAMED = -2;
/** An object with no key yet; values >= 0 are the last integer-like key of an object with only such keys so far. */
const OBJECT_EMPTY = -1;

class StringifyPass {
  private out: Buffer;
  private o = 0;
  private i = 0;
  /** Start of the input bytes copied unchanged since the last rewrite. */
  private run_ = 0;
  private stack = new Float64Array(64);
  private depth = 0;
  /** False once an object's integer-like keys are out of JSON.parse's order: the form is then not computed. */
  keysInOrder = true;
  /** The rewrite budget ran out (see spend): the form is not computed, whether or not the body is JSON. */
  givenUp = false;
  private budget: number;

  constructor(private readonly input: Buffer) {
    this.out = Buffer.allocUnsafe(input.length + 64);
    this.budget = REWRITE_BUDGET_BASE + Math.floor(input.length / REWRITE_BUDGET_BYTES);
  }

  run(): Buffer | undefined {
    const input = this.input;
    const n = input.length;
    // What may come next, as in firstSyntaxErrorOffset: a value, a key, a colon, or a comma/close.
    let expect = VALUE;
    for (;;) {
      this.skipSpace();
      if (this.i >= n) {
        if (this.depth !== 0 || expect !== AFTER_VALUE) return undefined;
        this.flush(this.i);
        return this.out.subarray(0, this.o);
      }
      const byte = input[this.i] as number;
      switch (expect) {
        case VALUE:
        case FIRST_VALUE:
          if (expect === FIRST_VALUE && byte === 0x5d) {
            this.i++;
            this.depth--;
            expect = AFTER_VALUE;
            break;
          }
          if (byte === 0x7b || byte === 0x5b) {
            this.push(byte === 0x7b ? OBJECT_EMPTY : ARRAY);
            this.i++;
            expect = byte === 0x7b ? FIRST_KEY : FIRST_VALUE;
            break;
          }
          if (!this.value(byte)) return undefined;
          expect = AFTER_VALUE;
          break;
        case KEY:
        case FIRST_KEY: {
          if (expect === FIRST_KEY && byte === 0x7d) {
            this.i++;
            this.depth--;
            expect = AFTER_VALUE;
            break;
          }
          if (byte !== QUOTE) return undefined;
          const keyStart = this.i;
          const outStart = this.o + (this.i - this.run_);
          if (!this.string()) return undefined;
          if (this.keysInOrder) this.checkKey(keyStart, outStart);
          expect = COLON;
          break;
        }
        case COLON:
          if (byte !== 0x3a) return undefined;
          this.i++;
          expect = VALUE;
          break;
        case AFTER_VALUE: {
          if (this.depth === 0) return undefined;
          const open = this.stack[this.depth - 1] as number;
          if (byte === 0x2c) {
            this.i++;
            expect = open === ARRAY ? VALUE : KEY;
          } else if ((open === ARRAY && byte === 0x5d) || (open !== ARRAY && byte === 0x7d)) {
            this.i++;
            this.depth--;
          } else {
            return undefined;
          }
          break;
        }
      }
    }
  }

  private push(kind: number): void {
    if (this.depth === this.stack.length) {
      const grown = new Float64Array(this.stack.length * 2);
      grown.set(this.stack);
      this.stack = grown;
    }
    this.stack[this.depth++] = kind;
  }

  /**
   * Notes whether the key just read keeps the object's keys in the order JSON.parse gives them: integer-like keys
   * (array indexes) first, ascending, none twice. Read from the input when the key was copied as is (no copy made),
   * else from what was written for it.
   */
  private checkKey(inputStart: number, outputStart: number): void {
    const rewritten = this.run_ > inputStart;
    if (rewritten) this.flush(this.i);
    const bytes = rewritten ? this.out : this.input;
    const start = rewritten ? outputStart : inputStart;
    const end = rewritten ? this.o - 1 : this.i - 1; // closing quote
    const length = end - start - 1;
    let integer = length > 0 && length <= 10 && !(bytes[start + 1] === 0x30 && length > 1);
    let value = 0;
    for (let k = start + 1; integer && k < end; k++) {
      const digit = (bytes[k] as number) - 0x30;
      if (digit < 0 || digit > 9) integer = false;
      else value = value * 10 + digit;
    }
    const top = this.depth - 1;
    if (!integer || value > MAX_ARRAY_INDEX) {
      this.stack[top] = OBJECT_NAMED;
      return;
    }
    const state = this.stack[top] as number;
    if (state === OBJECT_NAMED || value <= state) this.keysInOrder = false;
    else this.stack[top] = value;
  }

  private skipSpace(): void {
    const input = this.input;
    let i = this.i;
    const start = i;
    while (i < input.length) {
      const byte = input[i] as number;
      if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) break;
      i++;
    }
    if (i !== start) {
      this.flush(start);
      this.run_ = i;
    }
    this.i = i;
  }

  /** A scalar value at `i`; false if it is not one. */
  private value(byte: number): boolean {
    if (byte === QUOTE) return this.string();
    if (byte === 0x2d || (byte >= 0x30 && byte <= 0x39)) return this.number();
    const word = byte === 0x74 ? 'true' : byte === 0x66 ? 'false' : byte === 0x6e ? 'null' : undefined;
    if (word === undefined) return false;
    for (let k = 0; k < word.length; k++) if (this.input[this.i + k] !== word.charCodeAt(k)) return false;
    this.i += word.length;
    return true;
  }

  private number(): boolean {
    const input = this.input;
    const n = input.length;
    const start = this.i;
    let i = start;
    let b = input[i] as number;
    const negative = b === 0x2d;
    if (negative) b = input[++i] ?? -1;
    if (b === 0x30) b = input[++i] ?? -1;
    else if (b >= 0x31 && b <= 0x39) {
      do b = input[++i] ?? -1;
      while (b >= 0x30 && b <= 0x39);
    } else return false;
    const integerEnd = i;
    if (b === 0x2e) {
      b = input[++i] ?? -1;
      if (!(b >= 0x30 && b <= 0x39)) return false;
      do b = input[++i] ?? -1;
      while (b >= 0x30 && b <= 0x39);
    }
    const fractionEnd = i;
    if (b === 0x65 || b === 0x45) {
      b = input[++i] ?? -1;
      if (b === 0x2b || b === 0x2d) b = input[++i] ?? -1;
      if (!(b >= 0x30 && b <= 0x39)) return false;
      do b = input[++i] ?? -1;
      while (b >= 0x30 && b <= 0x39);
    }
    this.i = Math.min(i, n);
    // Integers of up to 15 digits are already in JSON.stringify's spelling (but -0, which it writes as 0).
    const digits = integerEnd - start - (negative ? 1 : 0);
    if (i === integerEnd && digits <= 15 && !(negative && input[start + 1] === 0x30)) return true;
    if (i === fractionEnd && i !== integerEnd && i - start <= 17 && this.plainDecimal(start, integerEnd, i, negative))
      return true;
    if (!this.spend()) return false;
    const token = input.toString('latin1', start, i);
    const value = Number(token);
    const text = Number.isFinite(value) ? String(value) : 'null';
    if (text === token) return true;
    this.flush(start);
    this.writeAscii(text);
    this.run_ = i;
    return true;
  }

  /**
   * A decimal without exponent (`-?int.frac`, at most 16 digits) in JSON.stringify's spelling without converting it:
   * trailing zeros of the fraction dropped (and the point with them), zero written `0`. Declines (false, nothing
   * written) where String(Number(token)) would differ otherwise: below 1e-6 (exponent form) or 16 significant digits.
   */
  private plainDecimal(start: number, integerEnd: number, end: number, negative: boolean): boolean {
    const input = this.input;
    const intStart = negative ? start + 1 : start;
    const intIsZero = integerEnd - intStart === 1 && input[intStart] === 0x30;
    let last = end - 1; // last digit of the fraction
    while (last > integerEnd && input[last] === 0x30) last--;
    const fractionEmpty = last === integerEnd; // only zeros after the point
    let significant = intIsZero ? 0 : integerEnd - intStart;
    if (!fractionEmpty) {
      let k = integerEnd + 1;
      if (intIsZero) {
        while (input[k] === 0x30) k++;
        if (k - integerEnd - 1 > 5) return false; // 0.0000001 is written 1e-7
      }
      significant += last - k + 1;
    }
    if (significant > 15) return false;
    if (last === end - 1) return true; // already without trailing zeros
    if (!this.spend()) return false;
    this.flush(start);
    if (intIsZero && fractionEmpty) {
      this.writeByte(0x30); // 0.0 and -0.0 are both written 0
    } else {
      this.reserve(end - start);
      this.o += input.copy(this.out, this.o, start, fractionEmpty ? integerEnd : last + 1);
    }
    this.run_ = end;
    return true;
  }

  /**
   * Counts one rewrite that costs a conversion (a number through Number and String, a string with a `\u` or `\/`
   * escape). Past the budget the form is given up: refusing an unsigned body must not cost more than a few passes over
   * its bytes, and no re-serialised Voucherify event comes near one such rewrite per 32 bytes.
   */
  private spend(): boolean {
    if (--this.budget >= 0) return true;
    this.keysInOrder = false;
    this.givenUp = true;
    return false;
  }

  /** A string at `i` (the opening quote), rewritten with JSON.stringify's escapes when it has any escape. */
  private string(): boolean {
    const input = this.input;
    const n = input.length;
    let i = this.i + 1;
    for (;;) {
      if (i >= n) return false;
      const byte = input[i] as number;
      if (byte === QUOTE) {
        this.i = i + 1;
        return true;
      }
      if (byte < 0x20) return false;
      if (byte === BACKSLASH) {
        // \" \\ \b \f \n \r \t are written the same by JSON.stringify: still nothing to rewrite.
        const next = input[i + 1];
        if (
          next === QUOTE ||
          next === BACKSLASH ||
          next === 0x62 ||
          next === 0x66 ||
          next === 0x6e ||
          next === 0x72 ||
          next === 0x74
        ) {
          i += 2;
          continue;
        }
        break;
      }
      i++;
    }
    if (!this.spend()) return false;
    // Slow path, from the first escape: copy up to it, then decode and re-encode the rest of the string.
    this.flush(i);
    let pendingHigh = -1;
    const emitUnit = (unit: number) => {
      if (pendingHigh >= 0) {
        if (unit >= 0xdc00 && unit <= 0xdfff) {
          this.writeUtf8(((pendingHigh - 0xd800) << 10) + (unit - 0xdc00) + 0x10000);
          pendingHigh = -1;
          return;
        }
        this.writeUnitEscape(pendingHigh);
        pendingHigh = -1;
      }
      if (unit >= 0xd800 && unit <= 0xdbff) pendingHigh = unit;
      else if (unit >= 0xdc00 && unit <= 0xdfff) this.writeUnitEscape(unit);
      else if (unit < 0x20 || unit === QUOTE || unit === BACKSLASH) this.writeShortEscape(unit);
      else this.writeUtf8(unit);
    };
    for (;;) {
      if (i >= n) return false;
      const byte = input[i] as number;
      if (byte === QUOTE) break;
      if (byte < 0x20) return false;
      if (byte === BACKSLASH) {
        const next = input[i + 1];
        let unit: number;
        if (next === 0x75) {
          unit = 0;
          for (let k = 2; k < 6; k++) {
            const h = input[i + k];
            const nibble =
              h === undefined
                ? -1
                : h >= 0x30 && h <= 0x39
                  ? h - 0x30
                  : h >= 0x61 && h <= 0x66
                    ? h - 0x57
                    : h >= 0x41 && h <= 0x46
                      ? h - 0x37
                      : -1;
            if (nibble < 0) return false;
            unit = unit * 16 + nibble;
          }
          i += 6;
        } else {
          const simple =
            next === QUOTE || next === BACKSLASH || next === 0x2f
              ? next
              : next === 0x62
                ? 0x08
                : next === 0x66
                  ? 0x0c
                  : next === 0x6e
                    ? 0x0a
                    : next === 0x72
                      ? 0x0d
                      : next === 0x74
                        ? 0x09
                        : -1;
          if (simple === undefined || simple < 0) return false;
          unit = simple;
          i += 2;
        }
        emitUnit(unit);
        continue;
      }
      // Literal UTF-8 (the input is valid UTF-8, so no surrogates): copied as is, after any pending high surrogate.
      if (pendingHigh >= 0) {
        this.writeUnitEscape(pendingHigh);
        pendingHigh = -1;
      }
      this.writeByte(byte);
      i++;
    }
    if (pendingHigh >= 0) this.writeUnitEscape(pendingHigh);
    this.writeByte(QUOTE);
    this.i = i + 1;
    this.run_ = this.i;
    return true;
  }

  /** Copies the unchanged input run up to `end` to the output. */
  private flush(end: number): void {
    const length = end - this.run_;
    if (length > 0) {
      this.reserve(length);
      // Short runs (between the whitespace of a pretty-printed body) by hand: a native copy per token costs more.
      if (length < 64) {
        const input = this.input;
        const out = this.out;
        for (let k = this.run_, o = this.o; k < end; k++, o++) out[o] = input[k] as number;
        this.o += length;
      } else {
        this.o += this.input.copy(this.out, this.o, this.run_, end);
      }
    }
    this.run_ = end;
  }

  private reserve(bytes: number): void {
    if (this.o + bytes <= this.out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.o + bytes));
    this.out.copy(grown, 0, 0, this.o);
    this.out = grown;
  }

  private writeByte(byte: number): void {
    this.reserve(1);
    this.out[this.o++] = byte;
  }

  private writeAscii(text: string): void {
    this.reserve(text.length);
    this.o += this.out.write(text, this.o, 'latin1');
  }

  private writeUtf8(codePoint: number): void {
    this.reserve(4);
    const out = this.out;
    if (codePoint < 0x80) out[this.o++] = codePoint;
    else if (codePoint < 0x800) {
      out[this.o++] = 0xc0 | (codePoint >> 6);
      out[this.o++] = 0x80 | (codePoint & 0x3f);
    } else if (codePoint < 0x10000) {
      out[this.o++] = 0xe0 | (codePoint >> 12);
      out[this.o++] = 0x80 | ((codePoint >> 6) & 0x3f);
      out[this.o++] = 0x80 | (codePoint & 0x3f);
    } else {
      out[this.o++] = 0xf0 | (codePoint >> 18);
      out[this.o++] = 0x80 | ((codePoint >> 12) & 0x3f);
      out[this.o++] = 0x80 | ((codePoint >> 6) & 0x3f);
      out[this.o++] = 0x80 | (codePoint & 0x3f);
    }
  }

  /** `\uXXXX` in lower case, as JSON.stringify writes a lone surrogate or a control character. */
  private writeUnitEscape(unit: number): void {
    this.writeAscii(`\\u${HEX[(unit >> 12) & 15]}${HEX[(unit >> 8) & 15]}${HEX[(unit >> 4) & 15]}${HEX[unit & 15]}`);
  }

  private writeShortEscape(unit: number): void {
    const short =
      unit === QUOTE
        ? '\\"'
        : unit === BACKSLASH
          ? '\\\\'
          : unit === 0x08
            ? '\\b'
            : unit === 0x09
              ? '\\t'
              : unit === 0x0a
                ? '\\n'
                : unit === 0x0c
                  ? '\\f'
                  : unit === 0x0d
                    ? '\\r'
                    : undefined;
    if (short) this.writeAscii(short);
    else this.writeUnitEscape(unit);
  }
}
