// Field selectors with k8s.io/apimachinery/pkg/fields semantics: comma-separated `field=value`,
// `field==value` and `field!=value` terms, with `\,` `\=` `\\` escapes in values. A field that is
// absent reads as "", so `spec.nodeName!=` selects objects whose nodeName is set.
import { SelectorParseError } from './selector-error.ts';

export interface FieldRequirement {
  readonly field: string;
  /** selection.Equals ('=' and '==' both) or selection.NotEquals. */
  readonly operator: '=' | '!=';
  readonly value: string;
}

export type Fields = Readonly<Record<string, string>>;

export interface FieldSelector {
  matches(fields: Fields): boolean;
  /** True when the selector does not restrict anything. */
  empty(): boolean;
  /** The terms, so the API server can check which fields are used (see checkFieldLabels). */
  requirements(): readonly FieldRequirement[];
  /** The value `field` must equal, when a `=` term pins it. */
  requiresExactMatch(field: string): string | undefined;
  /**
   * fields.Selector.Transform: rewrite every term (kube's field label conversion); a term turned into
   * ('', '') is dropped. Whatever `fn` throws propagates.
   */
  transform(fn: (field: string, value: string) => [string, string]): FieldSelector;
  /** Canonical form, values escaped. */
  toString(): string;
}

/** fields.EscapeValue: makes any string safe to use as a field selector value. */
export const escapeFieldValue = (s: string) => s.replace(/[\\,=]/g, (c) => `\\${c}`);

// fields.UnescapeValue, with kube's messages (it prints the offending rune as a number).
function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new SelectorParseError(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      throw new SelectorParseError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new SelectorParseError('invalid field selector: invalid escape sequence: \\');
  return out;
}

// Commas split terms unless escaped; the escape stays in the term for unescapeValue.
function splitTerms(selector: string): string[] {
  if (selector === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

// The first operator found wins; "==" is tried before "=" so it leaves no "=" on the value.
const termOperators = ['!=', '==', '='] as const;
function splitTerm(term: string): [string, (typeof termOperators)[number], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

class TermsSelector implements FieldSelector {
  constructor(private readonly terms: readonly FieldRequirement[]) {}
  matches(fields: Fields): boolean {
    return this.terms.every((t) => {
      const actual = Object.hasOwn(fields, t.field) ? fields[t.field] : '';
      return t.operator === '=' ? actual === t.value : actual !== t.value;
    });
  }
  empty(): boolean {
    return this.terms.length === 0;
  }
  requirements(): readonly FieldRequirement[] {
    return this.terms;
  }
  requiresExactMatch(field: string): string | undefined {
    return this.terms.find((t) => t.field === field && t.operator === '=')?.value;
  }
  transform(fn: (field: string, value: string) => [string, string]): FieldSelector {
    const next: FieldRequirement[] = [];
    for (const t of this.terms) {
      const [field, value] = fn(t.field, t.value);
      if (field !== '' || value !== '') next.push({ field, operator: t.operator, value });
    }
    return new TermsSelector(next);
  }
  toString(): string {
    return this.terms.map((t) => `${t.field}${t.operator}${escapeFieldValue(t.value)}`).join(',');
  }
}

/** fields.Everything(). */
export const everythingFields = (): FieldSelector => new TermsSelector([]);

/** fields.SelectorFromSet: `field=value` for every pair. */
export const fieldSelectorFromSet = (set: Fields): FieldSelector =>
  new TermsSelector(Object.entries(set).map(([field, value]) => ({ field, operator: '=' as const, value })));

/** fields.ParseSelector. Throws SelectorParseError (400 BadRequest) with kube's message. */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort();
  const terms: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw new SelectorParseError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [field, op, rawValue] = split;
    terms.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeValue(rawValue) });
  }
  return new TermsSelector(terms);
}

/** The error kube-apiserver's field label conversion gives for a field a resource cannot be selected by. */
export const fieldLabelNotSupported = (field: string) => new SelectorParseError(`field label not supported: ${field}`);

/** Throws fieldLabelNotSupported for the first field (in kube's order) not in `supported`. */
export function checkFieldLabels(selector: FieldSelector, supported: Iterable<string>): void {
  const allowed = new Set(supported);
  const bad = selector.requirements().find((r) => !allowed.has(r.field));
  if (bad) throw fieldLabelNotSupported(bad.field);
}
