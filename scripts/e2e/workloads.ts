// The objects the scenarios create (plain manifests, as a person would kubectl apply them) and the
// waiting and watching they do: a pod tracker fed by an informer, timestamps taken on arrival.
import type { Deployment } from '../../shared/api/apps.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { resources } from '../../shared/api/registry.ts';
import { isAlreadyExists, isNotFound, type ApiClient } from '../../shared/client/api-client.ts';
import { InformerFactory } from '../../shared/informer/factory.ts';
import { objectOf } from '../../shared/informer/informer.ts';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something truthy; returns it (and when). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false | null> | T | undefined | false | null, timeoutMs: number, intervalMs = 100): Promise<{ value: T; at: number }> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    let value: T | undefined | false | null;
    try {
      value = await probe();
    } catch (err) {
      value = undefined; // e.g. the API server is down right now: keep waiting
      lastError = (err as Error).message;
    }
    if (value) return { value, at: Date.now() };
    if (Date.now() > deadline) throw new Error(`timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
    await sleep(intervalMs);
  }
}

export async function createNamespace(client: ApiClient, prefix: string): Promise<string> {
  const name = `${prefix}-${Date.now().toString(36)}`;
  await client.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  return name;
}

export async function deleteNamespace(client: ApiClient, name: string): Promise<void> {
  try {
    await client.request('DELETE', `/api/v1/namespaces/${name}`);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export function deploymentManifest(name: string, replicas: number) {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }],
        },
      },
    },
  };
}

export function serviceManifest(name: string, type: 'ClusterIP' | 'NodePort' = 'ClusterIP') {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type, selector: { app: name }, ports: [{ port: 80, targetPort: 80 }] } };
}

export function podManifest(name: string, options: { nodeName?: string; labels?: Record<string, string> } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: options.labels ?? { e2e: 'pod' } },
    spec: { nodeName: options.nodeName, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'nginx:1.27' }] },
  };
}

export async function create<T>(client: ApiClient, path: string, body: unknown): Promise<T> {
  return client.request<T>('POST', path, { body });
}

export async function createIgnoringExists(client: ApiClient, path: string, body: unknown): Promise<void> {
  try {
    await client.request('POST', path, { body });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

export async function scaleDeployment(client: ApiClient, ns: string, name: string, replicas: number): Promise<void> {
  await client.request('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/${name}/scale`, {
    body: { spec: { replicas } }, contentType: 'application/merge-patch+json',
  });
}

export const getDeployment = (client: ApiClient, ns: string, name: string) => client.request<Deployment>('GET', `/apis/apps/v1/namespaces/${ns}/deployments/${name}`);

/** Whether the Deployment's status says every replica is up to date and available (as `kubectl rollout status`). */
export function deploymentComplete(d: Deployment, replicas: number): boolean {
  const s = d.status;
  return (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
    && s?.replicas === replicas && s?.updatedReplicas === replicas && s?.availableReplicas === replicas && s?.readyReplicas === replicas;
}

export const isTerminating = (p: Pod) => Boolean(p.metadata.deletionTimestamp) || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
export const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/**
 * The pods of a namespace as they change, with the moment each change arrived: the most pods that
 * existed at once (not terminating), and the first time something matched.
 */
export class PodTracker {
  private readonly factory: InformerFactory;
  private readonly informer;
  /** The largest number of non-terminating pods seen at one time. */
  maxActive = 0;
  private readonly listeners: ((pod: Pod, at: number) => void)[] = [];

  constructor(client: ApiClient, readonly namespace: string) {
    this.factory = new InformerFactory(client);
    this.informer = this.factory.informerFor(resources.pods, { namespace });
    const changed = (pod: Pod) => {
      const at = Date.now();
      this.maxActive = Math.max(this.maxActive, this.active().length);
      for (const l of this.listeners) l(pod, at);
    };
    this.informer.addEventHandler({ onAdd: changed, onUpdate: (_old, pod) => changed(pod), onDelete: (obj) => changed(objectOf(obj)) });
  }

  async start(): Promise<void> {
    this.factory.start();
    await this.factory.waitForCacheSync();
  }

  stop(): void {
    this.factory.stop();
  }

  pods(): Pod[] {
    return this.informer.list(this.namespace);
  }

  active(): Pod[] {
    return this.pods().filter((p) => !isTerminating(p));
  }

  /** Calls `fn` on every change from now on. */
  onChange(fn: (pod: Pod, at: number) => void): void {
    this.listeners.push(fn);
  }

  /** Resolves with the arrival time of the first change for which `match` holds (checks the cache first). */
  first(match: (pod: Pod) => boolean, timeoutMs: number, what: string): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.pods().some(match)) return resolve(Date.now());
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`)), timeoutMs);
      this.onChange((pod, at) => {
        if (match(pod)) {
          clearTimeout(timer);
          resolve(at);
        }
      });
    });
  }
}
