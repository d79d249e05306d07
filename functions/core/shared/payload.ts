/**
 * Defensive readers for an unvalidated webhook payload: each returns the value when it has the expected shape, and
 * undefined otherwise, so a field a sender left out, misspelt or typed wrongly is simply absent.
 */
import { isWellFormedText } from './well-formed';

export type Json = Record<string, unknown>;

export function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/**
 * A non-empty, well-formed string of at most `max` characters, exactly as sent; undefined for anything longer or not
 * well-formed (a stored, searchable field must be the sender's value or nothing, never a cut one, and a lone surrogate
 * would be written as U+FFFD: see isWellFormedText).
 */
export function str(value: unknown, max = 256): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= max && isWellFormedText(value)
    ? value
    : undefined;
}

/** A non-blank string, cut to `max` characters (for reading: a long message is still worth reading). */
export function clip(value: unknown, max = 256): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

export function int(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

export function first<T>(...values: (T | undefined)[]): T | undefined {
  return values.find((value) => value !== undefined);
}

/** Drops undefined values, and returns undefined for an object left empty, so absent facts stay absent. */
export function compact<T extends Json>(value: T): T | undefined {
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return Object.keys(out).length > 0 ? (out as T) : undefined;
}
