/**
 * Text every store and channel keeps as it is. A JavaScript string may hold a lone surrogate (`"\ud800"` in JSON
 * parses to one), which has no UTF-8 form: the SDKs write it as U+FFFD, so two different values become one (two event
 * ids that differ only there were one key), and SNS's encoder throws on it. U+FFFE and U+FFFF are valid Unicode but
 * not valid XML 1.0 characters, and SNS is an XML (Query) API. So text written to DynamoDB or SNS is checked with
 * {@link isWellFormedText}: a searchable field or an id that fails it is not written as is (see str, eventKey).
 */
const ILL_FORMED = /[\uD800-\uDFFF\uFFFE\uFFFF]/u;
const ILL_FORMED_ALL = /[\uD800-\uDFFF\uFFFE\uFFFF]/gu;

/** No lone surrogate (a pair is fine: the `u` flag reads it as one code point), no U+FFFE or U+FFFF. */
export function isWellFormedText(text: string): boolean {
  return !ILL_FORMED.test(text);
}

/** The text with each lone surrogate, U+FFFE and U+FFFF replaced by U+FFFD: for free text (messages), never for keys. */
export function toWellFormedText(text: string): string {
  return ILL_FORMED.test(text) ? text.replace(ILL_FORMED_ALL, '\uFFFD') : text;
}
