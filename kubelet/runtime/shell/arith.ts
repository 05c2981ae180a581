// $(( ... )): integer arithmetic over shell variables, with C precedence for the operators scripts use
// (+ - * / % comparisons == != && || ! and parentheses) and assignments like `i=i+1` or `i+=1`.

export class ArithError extends Error {}

const TOKEN = /\s*(\d+|[A-Za-z_][A-Za-z0-9_]*|\$[A-Za-z_][A-Za-z0-9_]*|==|!=|<=|>=|&&|\|\||\+=|-=|\*=|\/=|[-+*/%()<>!=])/y;

const BINARY: Record<string, [number, (a: number, b: number) => number]> = {
  '||': [1, (a, b) => Number(a !== 0 || b !== 0)],
  '&&': [2, (a, b) => Number(a !== 0 && b !== 0)],
  '==': [3, (a, b) => Number(a === b)],
  '!=': [3, (a, b) => Number(a !== b)],
  '<': [4, (a, b) => Number(a < b)],
  '>': [4, (a, b) => Number(a > b)],
  '<=': [4, (a, b) => Number(a <= b)],
  '>=': [4, (a, b) => Number(a >= b)],
  '+': [5, (a, b) => a + b],
  '-': [5, (a, b) => a - b],
  '*': [6, (a, b) => a * b],
  '/': [6, (a, b) => { if (b === 0) throw new ArithError('arithmetic: division by zero'); return Math.trunc(a / b); }],
  '%': [6, (a, b) => { if (b === 0) throw new ArithError('arithmetic: division by zero'); return a % b; }],
};

export function evaluateArith(expr: string, vars: Map<string, string>): number {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  for (let m = TOKEN.exec(expr); m; m = TOKEN.exec(expr)) {
    tokens.push(m[1].startsWith('$') ? m[1].slice(1) : m[1]);
    pos = TOKEN.lastIndex;
  }
  if (expr.slice(pos).trim()) throw new ArithError(`arithmetic syntax error: "${expr}"`);
  let i = 0;
  const valueOf = (name: string) => {
    const n = Number.parseInt(vars.get(name) ?? '0', 10);
    return Number.isNaN(n) ? 0 : n;
  };

  const primary = (): number => {
    const t = tokens[i++];
    if (t === undefined) throw new ArithError(`arithmetic syntax error: "${expr}"`);
    if (t === '(') {
      const v = binary(0);
      if (tokens[i++] !== ')') throw new ArithError(`arithmetic syntax error: missing ")" in "${expr}"`);
      return v;
    }
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (t === '!') return Number(primary() === 0);
    if (/^\d/.test(t)) return Number(t);
    if (/^[A-Za-z_]/.test(t)) {
      const op = tokens[i];
      if (op === '=' || op === '+=' || op === '-=' || op === '*=' || op === '/=') {
        i++;
        const rhs = binary(0);
        const v = op === '=' ? rhs : BINARY[op[0]][1](valueOf(t), rhs);
        vars.set(t, String(v));
        return v;
      }
      return valueOf(t);
    }
    throw new ArithError(`arithmetic syntax error: unexpected "${t}"`);
  };

  const binary = (minPrecedence: number): number => {
    let left = primary();
    for (let op = tokens[i]; op !== undefined && BINARY[op] && BINARY[op][0] > minPrecedence; op = tokens[i]) {
      i++;
      const [precedence, apply] = BINARY[op];
      left = apply(left, binary(precedence));
    }
    return left;
  };

  if (tokens.length === 0) return 0;
  const result = binary(0);
  if (i < tokens.length) throw new ArithError(`arithmetic syntax error: "${expr}"`);
  return result;
}
