// kube-proxy's health server (--healthz-bind-address, kube's port 10256): /healthz and /livez answer
// kube's JSON ({lastUpdated, currentTime, nodeEligible}) with 200 once the proxy has applied the
// Services, 503 before. k8ts also serves /metrics here, and /listeners: which Service listeners
// this proxy holds, as JSON.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProxyMetrics } from './metrics.ts';
import type { UserspaceProxier } from './userspace-proxier.ts';

export async function startHealthServer(host: string, port: number, proxier: UserspaceProxier, metrics: ProxyMetrics): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz' || path === '/livez') {
      const lastUpdated = proxier.lastSync;
      const body = { lastUpdated: (lastUpdated ?? new Date(0)).toISOString(), currentTime: new Date().toISOString(), nodeEligible: true };
      res.writeHead(lastUpdated ? 200 : 503, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' });
      res.end(JSON.stringify(body));
      return;
    }
    if (path === '/metrics') {
      metrics.updateListeners(proxier.listeners);
      metrics.registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      }, (err: Error) => { res.writeHead(500); res.end(err.message); });
      return;
    }
    if (path === '/listeners') {
      const listeners = proxier.listeners.list().map(({ spec, state, error }) => ({
        listener: `${spec.address}:${spec.port}`, kind: spec.kind, servicePort: spec.servicePort, state, ...(error ? { error } : {}),
      }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(listeners));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404 page not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${address.address}:${address.port}` };
}
