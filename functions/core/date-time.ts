import { fullFormats } from 'ajv-formats/dist/formats';

/**
 * The one date-time rule: RFC 3339 (the ISO 8601 profile Voucherify writes) with real calendar dates and a zone, as
 * ajv-formats' full `date-time` checks it. The validators apply it through the schemas' `format: 'date-time'`; the
 * alert applies it here before any arithmetic, because `Date.parse` reads almost anything ("1" is 2001-01-01).
 */
const rfc3339 = fullFormats['date-time'] as { validate: (value: string) => boolean };

/** Epoch milliseconds of a strict RFC 3339 date-time; undefined for anything else (so a caller can say "unknown"). */
export function parseStrictDateTime(value: string | undefined): number | undefined {
  if (value === undefined || value.length > 64 || !rfc3339.validate(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
