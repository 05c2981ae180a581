// Which endpoint a new connection goes to: kube's userspace LoadBalancerRR. Each balancer key (a
// Service port, for ClusterIP or NodePort traffic) rotates over its endpoints; with ClientIP session
// affinity a client keeps its endpoint while that stays an endpoint and the client keeps coming back
// within the timeout. An update replaces the endpoint list at once, so no new connection ever goes
// to an endpoint that was removed.
import type { SessionAffinity } from './service-ports.ts';

interface Sticky {
  endpoint: string;
  lastUsed: number;
}

interface BalancerState {
  endpoints: string[];
  index: number;
  affinity: SessionAffinity;
  clients: Map<string, Sticky>;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

function shuffled(items: string[]): string[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export class RoundRobinBalancer {
  private readonly states = new Map<string, BalancerState>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Sets the endpoints of `key`; returns true when they changed. An unchanged set keeps its rotation;
   * a changed one starts afresh in shuffled order (as kube does, so that proxies do not all begin with
   * the same endpoint) and forgets clients stuck to endpoints that are gone.
   */
  update(key: string, endpoints: string[], affinity: SessionAffinity): boolean {
    const state = this.states.get(key);
    if (state && sameSet(state.endpoints, endpoints)) {
      if (state.affinity.clientIP !== affinity.clientIP || state.affinity.timeoutMs !== affinity.timeoutMs) {
        state.affinity = affinity;
        state.clients.clear();
      }
      return false;
    }
    const clients = state && state.affinity.clientIP === affinity.clientIP ? state.clients : new Map<string, Sticky>();
    for (const [client, sticky] of clients) if (!endpoints.includes(sticky.endpoint)) clients.delete(client);
    this.states.set(key, { endpoints: shuffled(endpoints), index: 0, affinity, clients });
    return true;
  }

  remove(key: string): void {
    this.states.delete(key);
  }

  keys(): string[] {
    return [...this.states.keys()];
  }

  endpointsOf(key: string): string[] {
    return [...(this.states.get(key)?.endpoints ?? [])];
  }

  /**
   * The endpoint for a new connection from `clientIP`, or undefined when there is none.
   * `resetAffinity`: the previous pick failed to connect, so move on even for a sticky client.
   */
  next(key: string, clientIP: string, resetAffinity = false): string | undefined {
    const state = this.states.get(key);
    if (!state || state.endpoints.length === 0) return undefined;
    const now = this.now();
    if (state.affinity.clientIP && !resetAffinity) {
      const sticky = state.clients.get(clientIP);
      if (sticky && now - sticky.lastUsed < state.affinity.timeoutMs) {
        sticky.lastUsed = now;
        return sticky.endpoint;
      }
    }
    const endpoint = state.endpoints[state.index];
    state.index = (state.index + 1) % state.endpoints.length;
    if (state.affinity.clientIP) state.clients.set(clientIP, { endpoint, lastUsed: now });
    return endpoint;
  }

  /** Forgets sticky clients idle past their timeout (kube's CleanupStaleStickySessions). */
  cleanupStaleStickySessions(): void {
    const now = this.now();
    for (const state of this.states.values()) {
      for (const [client, sticky] of state.clients) if (now - sticky.lastUsed >= state.affinity.timeoutMs) state.clients.delete(client);
    }
  }
}
