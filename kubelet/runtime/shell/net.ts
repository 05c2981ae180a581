// wget and curl inside a simulated container: real HTTP GETs (so a pod can reach a Service or
// another pod), with busybox wget's and curl's flags, messages and exit codes.
import { request } from 'undici';
import { absolutePath, type ShellContext, type ShellIO } from './interpreter.ts';

interface Fetched { status: number; statusText: string; body: string }

async function get(url: string, timeoutMs: number, ctx: ShellContext, head = false): Promise<Fetched> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await request(url, { method: head ? 'HEAD' : 'GET', signal: AbortSignal.any([timeout, ctx.signal]), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const body = head ? (await res.body.dump(), '') : await res.body.text();
  return { status: res.statusCode, statusText: STATUS_TEXT[res.statusCode] ?? '', body };
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

const withScheme = (url: string) => (/^[a-z]+:\/\//.test(url) ? url : `http://${url}`);

function saveTo(ctx: ShellContext, io: ShellIO, file: string, body: string): void {
  if (file === '-') io.out(body);
  else ctx.files.set(absolutePath(file), body);
}

const connectError = (err: unknown) => {
  const code = (err as { code?: string }).code ?? '';
  return code === 'ECONNREFUSED' ? 'Connection refused' : code === 'EHOSTUNREACH' ? 'No route to host' : (err as Error).name === 'TimeoutError' || code.includes('TIMEOUT') ? 'Connection timed out' : (err as Error).message;
};

export async function wget(args: string[], ctx: ShellContext, io: ShellIO): Promise<number> {
  let output: string | undefined;
  let quiet = false;
  let spider = false;
  let timeoutS = 10;
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-O') output = args[++i];
    else if (a.startsWith('-O')) output = a.slice(2);
    else if (a === '-T') timeoutS = Number(args[++i]);
    else if (a.startsWith('--timeout=')) timeoutS = Number(a.slice(10));
    else if (a === '--spider') spider = true;
    else if (/^-[a-zA-Z]+$/.test(a)) { if (a.includes('q')) quiet = true; if (a.includes('O')) output = args[++i]; }
    else url = a;
  }
  if (!url) { io.err('wget: missing URL\n'); return 1; }
  const target = withScheme(url);
  const host = new URL(target).host;
  if (!quiet) io.err(`Connecting to ${host} (${host})\n`);
  try {
    const res = await get(target, timeoutS * 1000, ctx, spider);
    if (res.status >= 400) { io.err(`wget: server returned error: HTTP/1.1 ${res.status} ${res.statusText}\n`); return 1; }
    if (!spider) saveTo(ctx, io, output ?? (new URL(target).pathname.split('/').pop() || 'index.html'), res.body);
    return 0;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    io.err(`wget: can't connect to remote host (${new URL(target).hostname}): ${connectError(err)}\n`);
    return 1;
  }
}

export async function curl(args: string[], ctx: ShellContext, io: ShellIO): Promise<number> {
  let output = '-';
  let silent = false;
  let showError = false;
  let fail = false;
  let head = false;
  let timeoutS = 30;
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-o' || a === '--output') output = args[++i];
    else if (a === '-m' || a === '--max-time' || a === '--connect-timeout') timeoutS = Number(args[++i]);
    else if (a === '--silent') silent = true;
    else if (a === '--fail') fail = true;
    else if (a === '--head') head = true;
    else if (/^-[a-zA-Z]+$/.test(a)) {
      if (a.includes('s')) silent = true;
      if (a.includes('S')) showError = true;
      if (a.includes('f')) fail = true;
      if (a.includes('I')) head = true;
      if (a.includes('o')) output = args[++i];
      if (a.includes('m')) timeoutS = Number(args[++i]);
    } else if (!a.startsWith('-')) url = a;
  }
  if (!url) { io.err('curl: no URL specified!\n'); return 2; }
  const target = withScheme(url);
  const say = (code: number, msg: string) => {
    if (!silent || showError) io.err(`curl: (${code}) ${msg}\n`);
    return code;
  };
  try {
    const res = await get(target, timeoutS * 1000, ctx, head);
    if (fail && res.status >= 400) return say(22, `The requested URL returned error: ${res.status}`);
    saveTo(ctx, io, output, head ? `HTTP/1.1 ${res.status} ${res.statusText}\r\n\r\n` : res.body);
    return 0;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    const u = new URL(target);
    const why = connectError(err);
    if (why === 'Connection timed out') return say(28, `Connection timed out after ${timeoutS * 1000} milliseconds`);
    return say(7, `Failed to connect to ${u.hostname} port ${u.port || 80} after 0 ms: Couldn't connect to server`);
  }
}
