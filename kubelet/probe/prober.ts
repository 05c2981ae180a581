// One probe attempt, done for real: httpGet and tcpSocket connect to the pod's IP (or probe.host),
// exec runs the command in the container's shell. Outputs read like the kubelet's (Go's net errors).
import { connect } from 'node:net';
import { request } from 'undici';
import type { Probe } from '../../shared/api/container.ts';
import type { ContainerProcess } from '../runtime/container-process.ts';

export interface ProbeTarget {
  /** The pod's IP (the node's with hostNetwork). */
  ip: string;
  /** The container's named ports, for probes that name theirs. */
  ports: { name?: string; containerPort: number }[];
  process: ContainerProcess;
}

export interface ProbeOutcome {
  success: boolean;
  output: string;
}

function portOf(port: number | string, target: ProbeTarget): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return target.ports.find((p) => p.name === port)?.containerPort;
}

const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** Go's net.Dial error text for a failed connect. */
function dialError(err: unknown, host: string, port: number): string {
  const code = (err as { code?: string }).code;
  const reason = code === 'ECONNREFUSED' ? 'connect: connection refused'
    : code === 'EHOSTUNREACH' ? 'connect: no route to host'
    : code === 'ECONNRESET' ? 'read: connection reset by peer'
    : (err as Error).message;
  return `dial tcp ${hostPort(host, port)}: ${reason}`;
}

async function httpGet(action: NonNullable<Probe['httpGet']>, timeoutMs: number, target: ProbeTarget): Promise<ProbeOutcome> {
  const port = portOf(action.port, target);
  if (port === undefined) return { success: false, output: `unable to find port "${action.port}" in the container's ports` };
  const host = action.host || target.ip;
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  const url = `${scheme}://${hostPort(host, port)}${action.path ?? '/'}`;
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.32', accept: '*/*' };
  for (const h of action.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
  try {
    const res = await request(url, { method: 'GET', headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.body.text().catch(() => '');
    if (res.statusCode >= 200 && res.statusCode < 400) return { success: true, output: body.slice(0, 10_240) };
    return { success: false, output: `HTTP probe failed with statuscode: ${res.statusCode}` };
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError' || (err as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT';
    const why = timedOut ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : dialError((err as { cause?: unknown }).cause ?? err, host, port);
    return { success: false, output: `Get "${url}": ${why}` };
  }
}

function tcpSocket(action: NonNullable<Probe['tcpSocket']>, timeoutMs: number, target: ProbeTarget): Promise<ProbeOutcome> {
  const port = portOf(action.port, target);
  if (port === undefined) return Promise.resolve({ success: false, output: `unable to find port "${action.port}" in the container's ports` });
  const host = action.host || target.ip;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (outcome: ProbeOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ success: false, output: `dial tcp ${hostPort(host, port)}: i/o timeout` }), timeoutMs);
    socket.once('connect', () => done({ success: true, output: '' }));
    socket.once('error', (err) => done({ success: false, output: dialError(err, host, port) }));
  });
}

async function exec(action: NonNullable<Probe['exec']>, timeoutMs: number, target: ProbeTarget): Promise<ProbeOutcome> {
  const command = action.command ?? [];
  const result = await target.process.exec(command, timeoutMs);
  if (result.timedOut) return { success: false, output: `command "${command.join(' ')}" timed out` };
  return { success: result.code === 0, output: result.output.trimEnd() };
}

export function runProbe(probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds || 1) * 1000;
  if (probe.httpGet) return httpGet(probe.httpGet, timeoutMs, target);
  if (probe.tcpSocket) return tcpSocket(probe.tcpSocket, timeoutMs, target);
  if (probe.exec) return exec(probe.exec, timeoutMs, target);
  // grpc: the simulated servers speak HTTP only; a TCP connect is the closest honest check.
  if (probe.grpc) return tcpSocket({ port: probe.grpc.port }, timeoutMs, target);
  return Promise.resolve({ success: true, output: '' });
}
