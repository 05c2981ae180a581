// What the kube-proxy tests share: a real kube-proxy process with its log lines (pino JSON) to await,
// backend HTTP servers on 127.x addresses that answer their own name, Services and EndpointSlices
// written as the endpointslice controller would write them, and one-shot HTTP requests.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Agent, type Server } from 'node:http';
import { createInterface } from 'node:readline';
import { repoRoot } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';

export type LogLine = Record<string, any>;

export interface KubeProxyProcess {
  node: string;
  nodeIP: string;
  healthz: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The first log line from index `since` on (past or future) that satisfies `match`. */
  waitForLog(match: (line: LogLine) => boolean, since?: number, timeoutMs?: number): Promise<LogLine>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const parse = (line: string): LogLine | undefined => {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
};

export async function startKubeProxy(apiServer: string, node: string, nodeIP: string, extraArgs: string[] = []): Promise<KubeProxyProcess> {
  const args = ['--import', 'tsx', 'kube-proxy/main.ts', '--master', apiServer, '--hostname-override', node, '--bind-address', nodeIP, '--healthz-bind-address', `${nodeIP}:0`, ...extraArgs];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } });
  const output: string[] = [];
  const listeners = new Set<() => void>();
  const onLine = (line: string) => {
    output.push(line);
    listeners.forEach((l) => l());
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  createInterface({ input: child.stderr! }).on('line', onLine);
  const healthz = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      onLine(line);
      const m = /^k8ts-kube-proxy serving on (\S+)/.exec(line);
      if (m) resolve(m[1]);
    });
    void exited.then(({ code }) => reject(new Error(`kube-proxy exited with ${code}:\n${output.join('\n')}`)));
  });
  const proc: KubeProxyProcess = {
    node, nodeIP, healthz, child, output, exited,
    waitForLog(match, since = 0, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        let next = since;
        const check = () => {
          for (; next < output.length; next++) {
            const line = parse(output[next]);
            if (line && match(line)) {
              clearTimeout(timer);
              listeners.delete(check);
              resolve(line);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${node}: no matching log line within ${timeoutMs} ms; last lines:\n${output.slice(-8).join('\n')}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  return proc;
}

export interface Backend {
  name: string;
  /** `ip:port`, as it appears in an EndpointSlice and in the proxy's logs. */
  endpoint: string;
  ip: string;
  port: number;
  /** TCP connections accepted so far. */
  connections: number;
  server: Server;
}

/** An HTTP server on ip:port whose every answer is its name. */
export async function startBackend(name: string, ip: string, port = 8080): Promise<Backend> {
  const server = createServer((_req, res) => res.end(name));
  const backend: Backend = { name, endpoint: `${ip}:${port}`, ip, port, connections: 0, server };
  server.on('connection', () => backend.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve());
  });
  return backend;
}

export async function stopBackends(backends: Backend[]): Promise<void> {
  await Promise.all(backends.map((b) => new Promise<void>((resolve) => {
    b.server.closeAllConnections();
    b.server.close(() => resolve());
  })));
}

export interface Reply {
  body: string;
  reusedSocket: boolean;
}

/** GET / on host:port; a fresh connection each time unless `agent` keeps one alive. */
export function get(host: string, port: number, options: { localAddress?: string; agent?: Agent; timeoutMs?: number } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent: options.agent ?? false, localAddress: options.localAddress, timeout: options.timeoutMs ?? 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ body, reusedSocket: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${host}:${port} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export const NS = 'default';
const servicesPath = `/api/v1/namespaces/${NS}/services`;
const slicesPath = `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`;

/** A selectorless Service (nothing else writes its EndpointSlices) on TCP `port` to target 8080. */
export async function createService(api: string, name: string, spec: Record<string, unknown> = {}, port = 8000): Promise<any> {
  const res = await call(api, 'POST', servicesPath, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port, targetPort: 8080 }], ...spec } });
  if (res.status !== 201) throw new Error(`create service ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export type EndpointInput = { ip: string; ready?: boolean; serving?: boolean; terminating?: boolean; nodeName?: string };

const endpointsOf = (endpoints: EndpointInput[]) => endpoints.map((e) => ({
  addresses: [e.ip],
  conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
  ...(e.nodeName ? { nodeName: e.nodeName } : {}),
}));

/** The EndpointSlice `<service>-abc12` labelled for `service`, port 8080, as the endpointslice controller writes it. */
export async function writeEndpointSlice(api: string, service: string, endpoints: EndpointInput[], sliceName = `${service}-abc12`): Promise<void> {
  const existing = await call(api, 'GET', `${slicesPath}/${sliceName}`);
  const body = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: sliceName, labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4',
    ports: [{ name: '', protocol: 'TCP', port: 8080 }],
    endpoints: endpointsOf(endpoints),
  };
  const res = existing.status === 404
    ? await call(api, 'POST', slicesPath, body)
    : await call(api, 'PUT', `${slicesPath}/${sliceName}`, { ...body, metadata: { ...body.metadata, resourceVersion: existing.body.metadata.resourceVersion } });
  if (res.status !== 201 && res.status !== 200) throw new Error(`write endpointslice ${sliceName}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Resolves once `proxy` balances `servicePort` (e.g. `default/web` or `default/web/external`) over exactly `endpoints`. */
export function endpointsApplied(proxy: KubeProxyProcess, balancer: string, endpoints: string[], since = 0): Promise<LogLine> {
  const want = [...endpoints].sort().join(',');
  return proxy.waitForLog((l) => l.msg === 'service endpoints updated' && l.balancer === balancer && [...l.endpoints].sort().join(',') === want, since);
}

/** Resolves once `proxy` has bound the listener `address:port`. */
export function listenerAcquired(proxy: KubeProxyProcess, listener: string, since = 0, timeoutMs = 10_000): Promise<LogLine> {
  return proxy.waitForLog((l) => l.msg === 'listener acquired' && l.listener === listener, since, timeoutMs);
}
