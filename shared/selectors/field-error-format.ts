// Field-error formatting with apimachinery's exact wording, because selector errors quote it back to the
// client. (The key and value rules themselves are shared/api/names.ts.)

/** Go's %q: a double-quoted string with Go escapes, which is how field errors print bad values. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * field.Invalid(path, value, detail).Error(). A string prints with %q; a []string with %#v, which is how
 * NewRequirement reports a bad value list (a nil list prints as `[]string(nil)`).
 */
export function fieldInvalid(path: string, value: string | readonly string[] | null, detail: string): string {
  let shown: string;
  if (typeof value === 'string') shown = goQuote(value);
  else if (value === null) shown = '[]string(nil)';
  else shown = `[]string{${value.map(goQuote).join(', ')}}`;
  return `${path}: Invalid value: ${shown}${detail ? `: ${detail}` : ''}`;
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several de-duplicated inside brackets. */
export function aggregateMessage(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}
