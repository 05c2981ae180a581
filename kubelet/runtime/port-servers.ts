// What a simulated container serves: every declared TCP containerPort listens for real on the pod's IP
// while the container runs, answering any HTTP request with the pod's name (as agnhost serve-hostname
// does) and /healthz with "ok", so Services, probes and curl reach something real.
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../../shared/log.ts';

export interface PortSpec {
  containerPort: number;
  protocol?: string;
}

export class PortServers {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private stopped = false;

  constructor(private readonly ip: string, private readonly ports: PortSpec[], private readonly podName: string, private readonly logger: Logger) {}

  /** Starts listening on every TCP port; a port that cannot be bound is logged and skipped. */
  async start(): Promise<void> {
    await Promise.all(this.ports.filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => this.listen(p.containerPort)));
  }

  private listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const body = path === '/healthz' ? 'ok\n' : `${this.podName}\n`;
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    server.keepAliveTimeout = 5000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    return new Promise((resolve) => {
      server.once('error', (err) => {
        this.logger.warn({ ip: this.ip, port, err: err.message }, 'container port could not be served');
        resolve();
      });
      server.listen({ host: this.ip, port }, () => {
        // Stopped while binding: the container is already gone.
        if (this.stopped) server.close();
        else this.servers.push(server);
        resolve();
      });
    });
  }

  /** Closes every listener and open connection (the container's process is gone). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await Promise.all(this.servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
