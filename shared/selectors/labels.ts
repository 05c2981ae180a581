// Label selectors with k8s.io/apimachinery/pkg/labels semantics: the whole string grammar
// (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, `a>1`, `a<1`), kube's validation and
// error wording, and its matching rules (`!=` and `notin` also match objects that lack the key).
import { scan, type ScannedItem, type Token } from './label-lexer.ts';
import { aggregateMessage, fieldInvalid } from './field-error-format.ts';
import { isQualifiedName, isValidLabelValue } from '../api/names.ts';
import { SelectorParseError } from './selector-error.ts';

/** selection.Operator, spelled as kube spells it. */
export type SelectionOperator = '!' | '=' | '==' | 'in' | '!=' | 'notin' | 'exists' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: SelectionOperator;
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>>;

export interface LabelSelector {
  /** Whether every requirement holds for these labels (undefined labels = no labels). */
  matches(labels: Labels | undefined): boolean;
  /** True when the selector does not restrict anything (it matches everything). */
  empty(): boolean;
  /** True only for the selector made from a nil metav1.LabelSelector, which matches nothing. */
  matchesNothing(): boolean;
  requirements(): readonly Requirement[];
  /** The value `key` must have, when the selector pins it to exactly one (`=`, `==`, `in` with one value). */
  requiresExactMatch(key: string): string | undefined;
  /** A copy with more requirements, sorted by key as kube keeps them. */
  add(...requirements: Requirement[]): LabelSelector;
  /** Canonical form, e.g. `a=b,c in (x,y),!d`; parsing it gives an equivalent selector. */
  toString(): string;
}

const binaryOperators: readonly SelectionOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

// Go's strconv.ParseInt(s, 10, 64).
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * labels.NewRequirement: validates and returns the requirement, or the error messages kube would
 * aggregate. `path` is the field path prefix kube reports (none for a parsed string selector).
 */
export function validateRequirement(key: string, operator: SelectionOperator, values: readonly string[] | null, path = ''): string[] {
  const child = (name: string) => (path ? `${path}.${name}` : name);
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(fieldInvalid(child('key'), key, keyErrs.join('; ')));
  const vals = values ?? [];
  const valuesPath = child('values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (vals.length === 0) errs.push(fieldInvalid(valuesPath, values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) errs.push(fieldInvalid(valuesPath, values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0) errs.push(fieldInvalid(valuesPath, values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1) errs.push(fieldInvalid(valuesPath, values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(fieldInvalid(`${valuesPath}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  vals.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length) errs.push(fieldInvalid(`${valuesPath}[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  return errs;
}

/** labels.NewRequirement, throwing a SelectorParseError with kube's aggregated message when invalid. */
export function newRequirement(key: string, operator: SelectionOperator, values: readonly string[] | null, path = ''): Requirement {
  const errs = validateRequirement(key, operator, values, path);
  if (errs.length) throw new SelectorParseError(aggregateMessage(errs));
  return { key, operator, values: [...(values ?? [])] };
}

export function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value as string);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value as string);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const actual = parseInt64(value as string);
      const bound = parseInt64(r.values[0]);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

const sortedCopy = (values: readonly string[]) => [...values].sort();

export function requirementToString(r: Requirement): string {
  if (r.operator === '!') return `!${r.key}`;
  if (r.operator === 'exists') return r.key;
  const values = r.values.length === 1 ? r.values[0] : sortedCopy(r.values).join(',');
  switch (r.operator) {
    case 'in':
      return `${r.key} in (${values})`;
    case 'notin':
      return `${r.key} notin (${values})`;
    case 'gt':
      return `${r.key}>${values}`;
    case 'lt':
      return `${r.key}<${values}`;
    default:
      return `${r.key}${r.operator}${values}`;
  }
}

const byKey = (a: Requirement, b: Requirement) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

class RequirementsSelector implements LabelSelector {
  private readonly reqs: readonly Requirement[];
  constructor(reqs: readonly Requirement[]) {
    this.reqs = [...reqs].sort(byKey);
  }
  matches(labels: Labels | undefined): boolean {
    const ls = labels ?? {};
    return this.reqs.every((r) => requirementMatches(r, ls));
  }
  empty(): boolean {
    return this.reqs.length === 0;
  }
  matchesNothing(): boolean {
    return false;
  }
  requirements(): readonly Requirement[] {
    return this.reqs;
  }
  requiresExactMatch(key: string): string | undefined {
    const r = this.reqs.find((x) => x.key === key);
    if (!r) return undefined;
    const exact = r.operator === '=' || r.operator === '==' || r.operator === 'in';
    return exact && r.values.length === 1 ? r.values[0] : undefined;
  }
  add(...requirements: Requirement[]): LabelSelector {
    return new RequirementsSelector([...this.reqs, ...requirements]);
  }
  toString(): string {
    return this.reqs.map(requirementToString).join(',');
  }
}

class NothingSelector implements LabelSelector {
  matches(): boolean {
    return false;
  }
  empty(): boolean {
    return false;
  }
  matchesNothing(): boolean {
    return true;
  }
  requirements(): readonly Requirement[] {
    return [];
  }
  requiresExactMatch(): string | undefined {
    return undefined;
  }
  add(): LabelSelector {
    return this;
  }
  toString(): string {
    return '';
  }
}

const EVERYTHING: LabelSelector = new RequirementsSelector([]);
const NOTHING: LabelSelector = new NothingSelector();

/** labels.Everything(): matches all objects. */
export const everything = (): LabelSelector => EVERYTHING;
/** labels.Nothing(): matches no object; what a nil metav1.LabelSelector means. */
export const nothing = (): LabelSelector => NOTHING;

/** A selector from requirements that are already valid (no validation, like kube's internal constructors). */
export const selectorFromRequirements = (reqs: readonly Requirement[]): LabelSelector => new RequirementsSelector(reqs);

/** labels.SelectorFromSet: `k=v` for every pair; an empty or missing set matches everything. */
export const selectorFromSet = (set: Labels | undefined): LabelSelector =>
  new RequirementsSelector(Object.entries(set ?? {}).map(([key, v]) => ({ key, operator: '=' as const, values: [v] })));

type ParserContext = 'KeyAndOperator' | 'Values';

// The recursive-descent parser of labels.Parse. Parsing errors are plain messages here; parse() adds
// kube's "unable to parse requirement: " prefix where kube does.
class Parser {
  private position = 0;
  constructor(private readonly items: ScannedItem[]) {}

  // 'in' and 'notin' are keywords only where an operator may stand; elsewhere they are plain words.
  private item(context: ParserContext, index: number): ScannedItem {
    const it = this.items[Math.min(index, this.items.length - 1)];
    const token: Token = context === 'Values' && (it.token === 'In' || it.token === 'NotIn') ? 'Identifier' : it.token;
    return { token, literal: it.literal };
  }
  private lookahead(context: ParserContext): ScannedItem {
    return this.item(context, this.position);
  }
  private consume(context: ParserContext): ScannedItem {
    return this.item(context, this.position++);
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const { token, literal } = this.lookahead('Values');
      if (token === 'Identifier' || token === 'DoesNotExist') {
        try {
          requirements.push(this.parseRequirement());
        } catch (e) {
          throw new SelectorParseError(`unable to parse requirement: ${e instanceof Error ? e.message : String(e)}`);
        }
        const next = this.consume('Values');
        if (next.token === 'EndOfString') return requirements;
        if (next.token !== 'Comma') throw new SelectorParseError(`found '${next.literal}', expected: ',' or 'end of string'`);
        const after = this.lookahead('Values');
        if (after.token !== 'Identifier' && after.token !== 'DoesNotExist') {
          throw new SelectorParseError(`found '${after.literal}', expected: identifier after ','`);
        }
      } else if (token === 'EndOfString') {
        return requirements;
      } else {
        throw new SelectorParseError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): Requirement {
    const { key, operator: inferred } = this.parseKeyAndInferOperator();
    if (inferred === 'exists' || inferred === '!') return newRequirement(key, inferred, []);
    const operator = this.parseOperator();
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    // A set: kube keeps the values sorted and without duplicates.
    return newRequirement(key, operator, [...values].sort());
  }

  private parseKeyAndInferOperator(): { key: string; operator?: SelectionOperator } {
    let operator: SelectionOperator | undefined;
    let item = this.consume('Values');
    if (item.token === 'DoesNotExist') {
      operator = '!';
      item = this.consume('Values');
    }
    if (item.token !== 'Identifier') throw new Error(`found '${item.literal}', expected: identifier`);
    const keyErrs = isQualifiedName(item.literal);
    // Kube validates the bare key with a nil field path, which prints as "<nil>".
    if (keyErrs.length) throw new Error(fieldInvalid('<nil>', item.literal, keyErrs.join('; ')));
    const next = this.lookahead('Values').token;
    if ((next === 'EndOfString' || next === 'Comma') && operator !== '!') operator = 'exists';
    return { key: item.literal, operator };
  }

  private parseOperator(): SelectionOperator {
    const { token, literal } = this.consume('KeyAndOperator');
    switch (token) {
      case 'In': return 'in';
      case 'Equals': return '=';
      case 'DoubleEquals': return '==';
      case 'GreaterThan': return 'gt';
      case 'LessThan': return 'lt';
      case 'NotIn': return 'notin';
      case 'NotEquals': return '!=';
      default: throw new Error(`found '${literal}', expected: ${binaryOperators.join(', ')}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume('Values');
    if (open.token !== 'OpenPar') throw new Error(`found '${open.literal}' expected: '('`);
    const { token, literal } = this.lookahead('Values');
    if (token === 'Identifier' || token === 'Comma') {
      const values = this.parseIdentifiersList();
      if (this.consume('Values').token !== 'ClosedPar') throw new Error(`found '${literal}', expected: ')'`);
      return values;
    }
    if (token === 'ClosedPar') {
      this.consume('Values');
      return new Set(['']);
    }
    throw new Error(`found '${literal}', expected: ',', ')' or identifier`);
  }

  // A possibly empty, comma-separated list of possibly empty values: "(a,,b)" holds "a", "" and "b".
  private parseIdentifiersList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const { token, literal } = this.consume('Values');
      if (token === 'Identifier') {
        values.add(literal);
        const next = this.lookahead('Values');
        if (next.token === 'Comma') continue;
        if (next.token === 'ClosedPar') return values;
        throw new Error(`found '${next.literal}', expected: ',' or ')'`);
      } else if (token === 'Comma') {
        if (values.size === 0) values.add('');
        const next = this.lookahead('Values').token;
        if (next === 'ClosedPar') {
          values.add('');
          return values;
        }
        if (next === 'Comma') values.add('');
      } else {
        throw new Error(`found '${literal}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead('Values').token;
    if (next === 'EndOfString' || next === 'Comma') return new Set(['']);
    const { token, literal } = this.consume('Values');
    if (token === 'Identifier') return new Set([literal]);
    throw new Error(`found '${literal}', expected: identifier`);
  }
}

/**
 * labels.Parse. Throws SelectorParseError (a 400 BadRequest StatusError) with kube's message.
 * The empty string is the empty selector, which matches everything.
 */
export function parseLabelSelector(s: string): LabelSelector {
  return new RequirementsSelector(new Parser(scan(s)).parse());
}
