/**
 * Customer-controlled text made safe to show a person. Format characters (Unicode category Cf: U+202E RIGHT-TO-LEFT
 * OVERRIDE, U+2066-2069 isolates, U+200B-200F zero-width and direction marks, U+FEFF, tag characters…) and every
 * Bidi_Control character are invisible, yet they reorder or hide what is around them: a failure message or a
 * customer name could make an alert read differently from what it says. They are shown as `<U+202E>` where a person
 * reads (the email body), or removed where the text must stay short or exact-match (subject, attributes).
 */
const INVISIBLE = /[\p{Cf}\p{Bidi_Control}]/gu;

/** Each format or bidi control character written out as `<U+XXXX>`. */
export function showInvisible(text: string): string {
  return text.replace(
    INVISIBLE,
    (char) => `<U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}>`,
  );
}

/** The text without format or bidi control characters. */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/**
 * JSON text with every format or bidi control character written as its `\uXXXX` escape: the same value once parsed,
 * but nothing invisible in the text a person (or a chat relay) may read. Safe because such characters can only occur
 * inside JSON strings, where the escape means the same character.
 */
export function escapeInvisibleInJson(json: string): string {
  return json.replace(INVISIBLE, (char) => {
    let out = '';
    for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}

/**
 * What must not reach a terminal as it is: control characters (C0 such as ESC, BEL and CR; DEL; C1 such as U+009B,
 * the one-character CSI), the invisible ones above, line and paragraph separators, lone surrogates and the
 * noncharacters U+FFFE/U+FFFF. An event id, a voucher code or a failure message holding `ESC ] 52` writes the
 * operator's clipboard, `ESC [ 2 J` clears the screen, `ESC ] 8` hides a link behind other text.
 */
const UNSAFE_FOR_TERMINAL = /[\p{Cc}\p{Cf}\p{Bidi_Control}\p{Zl}\p{Zp}\p{Cs}\uFFFE\uFFFF]/gu;

const codePointLabel = (char: string) =>
  `<U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}>`;

/**
 * Text for a terminal: every control, invisible format or bidi character shown as `<U+XXXX>`, as the email shows
 * format characters. The one neutraliser every human-readable printer uses (the CLI, the local console, the smoke).
 * A field (a table cell, an id in a sentence) keeps nothing, so a line break in a voucher code cannot forge a row;
 * `lines: true` keeps LF and TAB, for text that is several lines on purpose (a whole message, a non-JSON body).
 */
export function terminalSafe(text: string, options: { readonly lines?: boolean } = {}): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (char) =>
    options.lines && (char === '\n' || char === '\t') ? char : codePointLabel(char),
  );
}

/**
 * `JSON.stringify` for a terminal: the same JSON value, with every character {@link terminalSafe} would show written
 * as its `\uXXXX` escape instead (JSON.stringify escapes C0 controls and lone surrogates itself, but leaves DEL, C1,
 * format and bidi characters raw). Outside strings JSON.stringify writes only ASCII punctuation, spaces and the line
 * breaks of `space`, so only string contents change, and only in how they are written.
 */
export function terminalJson(value: unknown, space?: number): string {
  return terminalJsonText(JSON.stringify(value, null, space) ?? 'null');
}

/** JSON text (as JSON.stringify writes it) with what {@link terminalJson} escapes escaped; LF kept. */
export function terminalJsonText(json: string): string {
  return json.replace(UNSAFE_FOR_TERMINAL, (char) => {
    if (char === '\n') return char;
    let out = '';
    for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}
