// The label selector lexer, token for token as k8s.io/apimachinery/pkg/labels: the parser's error
// messages quote these literals, so what counts as one token must match kube's exactly.

export type Token =
  | 'Error' | 'EndOfString' | 'ClosedPar' | 'Comma' | 'DoesNotExist' | 'DoubleEquals' | 'Equals'
  | 'GreaterThan' | 'Identifier' | 'In' | 'LessThan' | 'NotEquals' | 'NotIn' | 'OpenPar';

export interface ScannedItem { token: Token; literal: string }

const literalTokens: ReadonlyMap<string, Token> = new Map<string, Token>([
  [')', 'ClosedPar'], [',', 'Comma'], ['!', 'DoesNotExist'], ['==', 'DoubleEquals'], ['=', 'Equals'],
  ['>', 'GreaterThan'], ['in', 'In'], ['<', 'LessThan'], ['!=', 'NotEquals'], ['notin', 'NotIn'], ['(', 'OpenPar'],
]);

const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string) => '=!(),><'.includes(ch) && ch !== '';

class Lexer {
  private pos = 0;
  constructor(private readonly s: string) {}

  // Kube reads a NUL byte as end of input; '' stands for it here.
  private read(): string {
    if (this.pos < this.s.length) {
      const ch = this.s[this.pos++];
      return ch === '\0' ? '' : ch;
    }
    return '';
  }

  private unread(): void {
    this.pos--;
  }

  private scanIdOrKeyword(): ScannedItem {
    let buffer = '';
    for (;;) {
      const ch = this.read();
      if (ch === '') break;
      if (isSpecialSymbol(ch) || isWhitespace(ch)) {
        this.unread();
        break;
      }
      buffer += ch;
    }
    return { token: literalTokens.get(buffer) ?? 'Identifier', literal: buffer };
  }

  // The longest run of operator characters that is still a known token: "!=" rather than "!" then "=".
  private scanSpecialSymbol(): ScannedItem {
    let last: ScannedItem | undefined;
    let buffer = '';
    for (;;) {
      const ch = this.read();
      if (ch === '') break;
      if (!isSpecialSymbol(ch)) {
        this.unread();
        break;
      }
      buffer += ch;
      const token = literalTokens.get(buffer);
      if (token) last = { token, literal: buffer };
      else if (last) {
        this.unread();
        break;
      }
    }
    return last ?? { token: 'Error', literal: `error expected: keyword found '${buffer}'` };
  }

  lex(): ScannedItem {
    let ch = this.read();
    while (isWhitespace(ch)) ch = this.read();
    if (ch === '') return { token: 'EndOfString', literal: '' };
    this.unread();
    return isSpecialSymbol(ch) ? this.scanSpecialSymbol() : this.scanIdOrKeyword();
  }
}

/** All tokens of `s`, ending with exactly one EndOfString. */
export function scan(s: string): ScannedItem[] {
  const lexer = new Lexer(s);
  const items: ScannedItem[] = [];
  for (;;) {
    const item = lexer.lex();
    items.push(item);
    if (item.token === 'EndOfString') return items;
  }
}
