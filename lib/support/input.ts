/**
 * Text a support user types or a URL carries. PostgreSQL's text cannot hold NUL (the driver
 * would cut the text there, or the query fails), and other control characters are never
 * meant: refuse both with a message instead of storing something else or failing.
 */
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LINE_BREAKS_AND_TABS = /[\t\n\r]/;

/** True when `text` holds a control character other than tab and line breaks. */
export function hasControlCharacters(text: string): boolean {
  return CONTROL_CHARACTERS.test(text);
}

/** A single-line value (search, ids): no control character at all, tabs and line breaks included. */
export function isSingleLine(text: string): boolean {
  return !CONTROL_CHARACTERS.test(text) && !LINE_BREAKS_AND_TABS.test(text);
}
