// The syntax of the simulated containers' shell: enough POSIX sh for what pod specs say in `command`
// and `args` — lists with `;` `&&` `||` `&` and newlines, pipes, `!`, `while`/`until`/`for`/`if`,
// `{ }` and `( )`, assignments, redirections, quoting, `$var` `${var:-x}` `$(cmd)` `` `cmd` `` and
// `$((arith))`. Anything it cannot parse is a syntax error, reported as sh does (exit 2).

export type Part =
  | { t: 'lit'; v: string; quoted: boolean }
  | { t: 'var'; name: string; quoted: boolean; op?: ':-' | '-' | ':=' | '=' | ':+' | '+'; arg?: Word }
  | { t: 'arith'; expr: string; quoted: boolean }
  | { t: 'cmd'; body: ShNode; quoted: boolean };
export type Word = Part[];

export interface Redirect { fd: number; op: '>' | '>>' | '<' | '>&' | '&>'; target: Word }

export type ShNode =
  | { k: 'simple'; assigns: { name: string; value: Word }[]; words: Word[]; redirects: Redirect[] }
  | { k: 'pipe'; cmds: ShNode[]; negate: boolean }
  | { k: 'andor'; first: ShNode; rest: { op: '&&' | '||'; node: ShNode }[] }
  | { k: 'list'; items: { node: ShNode; background: boolean }[] }
  | { k: 'loop'; until: boolean; cond: ShNode; body: ShNode }
  | { k: 'if'; branches: { cond: ShNode; body: ShNode }[]; otherwise?: ShNode }
  | { k: 'for'; name: string; items?: Word[]; body: ShNode }
  | { k: 'group'; body: ShNode; subshell: boolean };

export class ShellSyntaxError extends Error {}

type Token =
  | { t: 'word'; word: Word; plain?: string }
  | { t: 'op'; v: string }
  | { t: 'redir'; fd: number; op: Redirect['op'] };

const OPERATORS = ['&&', '||', ';;', ';', '&', '|', '(', ')', '\n'];
const REDIRECT = /^(\d*)(>>|>&|&>|>|<)/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** The index of the `close` that ends a group opened just before `from`, skipping quotes and nesting. */
function matching(s: string, from: number, open: string, close: string): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === "'") i = s.indexOf("'", i + 1) < 0 ? s.length : s.indexOf("'", i + 1);
    else if (c === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === '\\') i++;
    } else if (s.startsWith(open, i)) depth++;
    else if (s.startsWith(close, i) && --depth === 0) return i;
  }
  throw new ShellSyntaxError(`syntax error: unterminated ${open}`);
}

class Lexer {
  private i = 0;
  constructor(private readonly s: string) {}

  tokens(): Token[] {
    const out: Token[] = [];
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === ' ' || c === '\t' || c === '\r') { this.i++; continue; }
      if (c === '\\' && s[this.i + 1] === '\n') { this.i += 2; continue; }
      if (c === '#') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
        continue;
      }
      const redirect = REDIRECT.exec(s.slice(this.i));
      if (redirect) {
        this.i += redirect[0].length;
        const op = redirect[2] as Redirect['op'];
        out.push({ t: 'redir', fd: redirect[1] ? Number(redirect[1]) : op === '<' ? 0 : 1, op });
        continue;
      }
      const op = OPERATORS.find((o) => s.startsWith(o, this.i));
      if (op) {
        this.i += op.length;
        out.push({ t: 'op', v: op === ';;' ? ';' : op });
        continue;
      }
      out.push(this.word());
    }
    return out;
  }

  private word(): Token {
    const s = this.s;
    const parts: Word = [];
    const lit = (v: string, quoted: boolean) => {
      const last = parts[parts.length - 1];
      if (last?.t === 'lit' && last.quoted === quoted) last.v += v;
      else parts.push({ t: 'lit', v, quoted });
    };
    let plain = true;
    while (this.i < s.length) {
      const c = s[this.i];
      if (' \t\r\n;&|()<>'.includes(c)) break;
      if (c === '\\') {
        plain = false;
        if (s[this.i + 1] !== '\n') lit(s[this.i + 1] ?? '', true);
        this.i += 2;
      } else if (c === "'") {
        plain = false;
        const end = s.indexOf("'", this.i + 1);
        if (end < 0) throw new ShellSyntaxError('syntax error: unterminated quoted string');
        lit(s.slice(this.i + 1, end), true);
        this.i = end + 1;
      } else if (c === '"') {
        plain = false;
        this.i++;
        this.doubleQuoted(parts, lit);
      } else if (c === '$' || c === '`') {
        plain = false;
        parts.push(this.expansion(false));
      } else {
        lit(c, false);
        this.i++;
      }
    }
    const word: Token = { t: 'word', word: parts };
    if (plain && parts.length === 1 && parts[0].t === 'lit') word.plain = parts[0].v;
    return word;
  }

  private doubleQuoted(parts: Word, lit: (v: string, quoted: boolean) => void): void {
    const s = this.s;
    // "" is an empty argument, not nothing.
    lit('', true);
    while (this.i < s.length && s[this.i] !== '"') {
      const c = s[this.i];
      if (c === '\\' && '$`"\\\n'.includes(s[this.i + 1])) {
        if (s[this.i + 1] !== '\n') lit(s[this.i + 1], true);
        this.i += 2;
      } else if (c === '$' || c === '`') {
        parts.push(this.expansion(true));
      } else {
        lit(c, true);
        this.i++;
      }
    }
    if (s[this.i] !== '"') throw new ShellSyntaxError('syntax error: unterminated quoted string');
    this.i++;
  }

  private expansion(quoted: boolean): Part {
    const s = this.s;
    if (s[this.i] === '`') {
      const end = s.indexOf('`', this.i + 1);
      if (end < 0) throw new ShellSyntaxError('syntax error: unterminated `');
      const body = parseScript(s.slice(this.i + 1, end));
      this.i = end + 1;
      return { t: 'cmd', body, quoted };
    }
    if (s.startsWith('$((', this.i)) {
      const end = matching(s, this.i + 3, '(', ')');
      if (s[end + 1] !== ')') throw new ShellSyntaxError('syntax error: missing ))');
      const expr = s.slice(this.i + 3, end);
      this.i = end + 2;
      return { t: 'arith', expr, quoted };
    }
    if (s.startsWith('$(', this.i)) {
      const end = matching(s, this.i + 2, '(', ')');
      const body = parseScript(s.slice(this.i + 2, end));
      this.i = end + 1;
      return { t: 'cmd', body, quoted };
    }
    if (s.startsWith('${', this.i)) {
      const end = matching(s, this.i + 2, '{', '}');
      const inner = s.slice(this.i + 2, end);
      this.i = end + 1;
      const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9?#$!@*])(:-|:=|:\+|-|=|\+)?([\s\S]*)$/.exec(inner);
      if (!m || (!m[2] && m[3])) throw new ShellSyntaxError(`\${${inner}}: bad substitution`);
      const part: Part = { t: 'var', name: m[1], quoted };
      if (m[2]) {
        part.op = m[2] as NonNullable<typeof part.op>;
        part.arg = wordOf(m[3]);
      }
      return part;
    }
    const rest = s.slice(this.i + 1);
    const name = NAME.exec(rest)?.[0] ?? (/^[0-9?#$!@*]/.test(rest) ? rest[0] : '');
    this.i += 1 + name.length;
    return name ? { t: 'var', name, quoted } : { t: 'lit', v: '$', quoted };
  }
}

/** The text of a `${x:-text}` default (or an assignment value) as a word, expansions included. */
function wordOf(text: string): Word {
  const lexer = new Lexer(`"${text.replace(/(["\\])/g, '\\$1')}"`);
  const token = lexer.tokens()[0];
  return token?.t === 'word' ? token.word : [];
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  program(): ShNode {
    const list = this.list(new Set());
    if (this.pos < this.tokens.length) throw new ShellSyntaxError(`syntax error: unexpected "${this.describe(this.tokens[this.pos])}"`);
    return list;
  }

  private describe(t: Token): string {
    return t.t === 'op' ? (t.v === '\n' ? 'newline' : t.v) : t.t === 'redir' ? t.op : (t.plain ?? 'word');
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private isOp(v: string): boolean {
    const t = this.peek();
    return t?.t === 'op' && t.v === v;
  }

  private isReserved(v: string): boolean {
    const t = this.peek();
    return t?.t === 'word' && t.plain === v;
  }

  private expectReserved(v: string): void {
    this.skipNewlines();
    if (!this.isReserved(v)) throw new ShellSyntaxError(`syntax error: expected "${v}"`);
    this.pos++;
  }

  private skipNewlines(): void {
    while (this.isOp('\n') || this.isOp(';')) this.pos++;
  }

  /** Commands separated by ; & or newlines, until a closing word in `stops`, `)` or `}`, or the end. */
  private list(stops: Set<string>): ShNode {
    const items: { node: ShNode; background: boolean }[] = [];
    for (;;) {
      this.skipNewlines();
      const t = this.peek();
      if (!t || (t.t === 'op' && t.v === ')') || (t.t === 'word' && t.plain !== undefined && (stops.has(t.plain) || t.plain === '}'))) break;
      const node = this.andOr();
      const background = this.isOp('&');
      if (background) this.pos++;
      items.push({ node, background });
      if (!background && !this.isOp(';') && !this.isOp('\n')) break;
    }
    return items.length === 1 && !items[0].background ? items[0].node : { k: 'list', items };
  }

  private andOr(): ShNode {
    const first = this.pipeline();
    const rest: { op: '&&' | '||'; node: ShNode }[] = [];
    while (this.isOp('&&') || this.isOp('||')) {
      const op = (this.tokens[this.pos++] as { v: '&&' | '||' }).v;
      while (this.isOp('\n')) this.pos++;
      rest.push({ op, node: this.pipeline() });
    }
    return rest.length ? { k: 'andor', first, rest } : first;
  }

  private pipeline(): ShNode {
    const negate = this.isReserved('!');
    if (negate) this.pos++;
    const cmds = [this.command()];
    while (this.isOp('|')) {
      this.pos++;
      while (this.isOp('\n')) this.pos++;
      cmds.push(this.command());
    }
    return cmds.length === 1 && !negate ? cmds[0] : { k: 'pipe', cmds, negate };
  }

  private command(): ShNode {
    const t = this.peek();
    if (!t) throw new ShellSyntaxError('syntax error: unexpected end of file');
    if (t.t === 'op' && t.v === '(') {
      this.pos++;
      const body = this.list(new Set());
      if (!this.isOp(')')) throw new ShellSyntaxError('syntax error: missing )');
      this.pos++;
      return { k: 'group', body, subshell: true };
    }
    if (t.t === 'op') throw new ShellSyntaxError(`syntax error: unexpected "${this.describe(t)}"`);
    switch (t.t === 'word' ? t.plain : undefined) {
      case '{': {
        this.pos++;
        const body = this.list(new Set());
        this.expectReserved('}');
        return { k: 'group', body, subshell: false };
      }
      case 'while': case 'until': {
        this.pos++;
        const cond = this.list(new Set(['do']));
        this.expectReserved('do');
        const body = this.list(new Set(['done']));
        this.expectReserved('done');
        return { k: 'loop', until: t.t === 'word' && t.plain === 'until', cond, body };
      }
      case 'if': return this.ifClause();
      case 'for': return this.forClause();
    }
    return this.simple();
  }

  private ifClause(): ShNode {
    this.pos++;
    const branches: { cond: ShNode; body: ShNode }[] = [];
    let otherwise: ShNode | undefined;
    for (;;) {
      const cond = this.list(new Set(['then']));
      this.expectReserved('then');
      const body = this.list(new Set(['elif', 'else', 'fi']));
      branches.push({ cond, body });
      this.skipNewlines();
      if (this.isReserved('elif')) { this.pos++; continue; }
      if (this.isReserved('else')) {
        this.pos++;
        otherwise = this.list(new Set(['fi']));
      }
      this.expectReserved('fi');
      return { k: 'if', branches, otherwise };
    }
  }

  private forClause(): ShNode {
    this.pos++;
    const nameToken = this.tokens[this.pos++];
    if (nameToken?.t !== 'word' || !nameToken.plain || !NAME.test(nameToken.plain)) throw new ShellSyntaxError('syntax error: bad for loop variable');
    let items: Word[] | undefined;
    if (this.isReserved('in')) {
      this.pos++;
      items = [];
      for (let t = this.peek(); t?.t === 'word'; t = this.peek()) {
        items.push(t.word);
        this.pos++;
      }
    }
    const body = (this.expectReserved('do'), this.list(new Set(['done'])));
    this.expectReserved('done');
    return { k: 'for', name: nameToken.plain, items, body };
  }

  private simple(): ShNode {
    const node: Extract<ShNode, { k: 'simple' }> = { k: 'simple', assigns: [], words: [], redirects: [] };
    for (let t = this.peek(); t && t.t !== 'op'; t = this.peek()) {
      this.pos++;
      if (t.t === 'redir') {
        const target = this.tokens[this.pos++];
        if (target?.t !== 'word') throw new ShellSyntaxError('syntax error: redirection without a target');
        node.redirects.push({ fd: t.fd, op: t.op, target: target.word });
        continue;
      }
      const first = t.word[0];
      const assignment = node.words.length === 0 && first?.t === 'lit' && !first.quoted ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.v) : null;
      if (assignment && first.t === 'lit') {
        const value: Word = [{ ...first, v: first.v.slice(assignment[0].length) }, ...t.word.slice(1)];
        node.assigns.push({ name: assignment[1], value });
      } else node.words.push(t.word);
    }
    if (!node.words.length && !node.assigns.length && !node.redirects.length) throw new ShellSyntaxError('syntax error: empty command');
    return node;
  }
}

/** Parses a script (the text after `sh -c`). */
export function parseScript(script: string): ShNode {
  return new Parser(new Lexer(script).tokens()).program();
}
