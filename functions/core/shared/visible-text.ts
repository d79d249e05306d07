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
