// The kubelet's HTTP server on <node-ip>:--port (plain HTTP in k8ts): /healthz, /pods (the pods this
// node runs, as a PodList) and /containerLogs/... (what `kubectl logs` reaches through the API server).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pod } from '../../shared/api/pod.ts';
import { serveContainerLogs, type PodLookup } from './container-logs.ts';

export interface KubeletServerOptions {
  ip: string;
  port: number;
  lookup: PodLookup;
  pods: () => Pod[];
}

export class KubeletServer {
  private server?: Server;

  constructor(private readonly options: KubeletServerOptions) {}

  /** Listens; resolves with the port (the chosen one when --port is 0). */
  listen(): Promise<number> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://kubelet');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'content-type': 'text/plain' });
        return void res.end('405: Method Not Allowed');
      }
      if (url.pathname === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        return void res.end('ok');
      }
      if (url.pathname === '/pods' || url.pathname === '/pods/') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: this.options.pods() }));
      }
      if (url.pathname.startsWith('/containerLogs/')) return serveContainerLogs(req, res, url, this.options.lookup);
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.options.ip, port: this.options.port }, () => resolve((server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
