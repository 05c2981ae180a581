// One proxied TCP connection, as kube's userspace proxier handles it (proxysocket.go): pick an
// endpoint, dial it with a growing timeout, and on failure (refused, unreachable, too slow) pick
// another, up to four tries; then copy bytes both ways, passing each side's end of stream on
// (half-close), until both are done. A connection lives on its own: later endpoint changes never
// touch it.
import { connect, type Socket } from 'node:net';
import type { Logger } from '../shared/log.ts';

/** kube's endpointDialTimeouts: one try per entry. */
export const ENDPOINT_DIAL_TIMEOUTS_MS = [250, 500, 1000, 2000];

export type ForwardResult = 'forwarded' | 'no-endpoints' | 'dial-failed' | 'client-gone';

/** `pick(resetAffinity)` gives the endpoint `ip:port` to try next, or undefined when there is none. */
export type EndpointPicker = (resetAffinity: boolean) => string | undefined;

function dial(endpoint: string, timeoutMs: number): Promise<Socket> {
  const at = endpoint.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: endpoint.slice(0, at), port: Number(endpoint.slice(at + 1)), allowHalfOpen: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`dial ${endpoint}: timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}

/** Copies both ways until both directions have ended; an error (a reset) on either side tears down both. */
function splice(client: Socket, backend: Socket, onClose: () => void): void {
  const teardown = () => {
    client.destroy();
    backend.destroy();
  };
  client.on('error', teardown);
  backend.on('error', teardown);
  // Each side closes once both its directions are done; the pipes carry each end of stream across.
  let open = 2;
  const closed = () => {
    if (--open === 0) onClose();
  };
  client.once('close', closed);
  backend.once('close', closed);
  client.pipe(backend);
  backend.pipe(client);
}

export interface ForwardHooks {
  logger: Logger;
  /** The connection to the endpoint is up (for counting active connections). */
  onOpen?(endpoint: string): void;
  /** The proxied connection has ended. */
  onClose?(endpoint: string): void;
}

/** Proxies `client` to an endpoint; resolves once the backend connection is up or every try failed. */
export async function forward(client: Socket, pick: EndpointPicker, hooks: ForwardHooks): Promise<ForwardResult> {
  let clientGone = false;
  // Data the client sends meanwhile stays buffered: the socket does not flow until piped.
  const onEarlyError = () => { clientGone = true; };
  client.on('error', onEarlyError);
  client.once('close', onEarlyError);
  let resetAffinity = false;
  let tried = 0;
  for (const timeoutMs of ENDPOINT_DIAL_TIMEOUTS_MS) {
    const endpoint = pick(resetAffinity);
    if (!endpoint) break;
    tried++;
    try {
      const backend = await dial(endpoint, timeoutMs);
      client.off('error', onEarlyError);
      client.off('close', onEarlyError);
      if (clientGone || client.destroyed) {
        backend.destroy();
        return 'client-gone';
      }
      hooks.onOpen?.(endpoint);
      splice(client, backend, () => hooks.onClose?.(endpoint));
      return 'forwarded';
    } catch (err) {
      hooks.logger.debug({ endpoint, err: (err as Error).message }, 'dialing endpoint failed, trying another');
      resetAffinity = true;
      if (clientGone) return 'client-gone';
    }
  }
  client.off('error', onEarlyError);
  client.destroy();
  return tried === 0 ? 'no-endpoints' : 'dial-failed';
}
