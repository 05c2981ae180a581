// The objects the compose scenarios create, as a person would kubectl apply them, and the waiting they do.
import type { Deployment } from '../../shared/api/apps.ts';
import type { Node } from '../../shared/api/node.ts';
import type { Pod } from '../../shared/api/pod.ts';
import { isNotFound, type ApiClient } from '../../shared/client/api-client.ts';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something truthy (errors count as not yet: the API may be restarting). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false | null> | T | undefined | false | null, timeoutMs: number, intervalMs = 100): Promise<{ value: T; at: number }> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    let value: T | undefined | false | null;
    try {
      value = await probe();
    } catch (err) {
      value = undefined;
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
  await client.request('DELETE', `/api/v1/namespaces/${name}`).catch((err) => {
    if (!isNotFound(err)) throw err;
  });
}

/** A Deployment of simulated web servers: each answers HTTP on 8080 with its pod's name. */
export function webDeployment(name: string, replicas: number) {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [{
            name: 'web', image: 'registry.k8s.io/e2e-test-images/agnhost:2.39', ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
          }],
        },
      },
    },
  };
}

export function webService(name: string, type: 'ClusterIP' | 'NodePort' = 'ClusterIP') {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type, selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } };
}

export const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
export const nodeReady = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

export async function podsOf(client: ApiClient, ns: string, app: string): Promise<Pod[]> {
  return (await client.request<{ items: Pod[] }>('GET', `/api/v1/namespaces/${ns}/pods`, { query: { labelSelector: `app=${app}` } })).items;
}

export async function deploymentAvailable(client: ApiClient, ns: string, name: string, replicas: number): Promise<boolean> {
  const d = await client.request<Deployment>('GET', `/apis/apps/v1/namespaces/${ns}/deployments/${name}`);
  return (d.status?.availableReplicas ?? 0) === replicas && (d.status?.updatedReplicas ?? 0) === replicas && (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 1);
}

export async function holderOf(client: ApiClient, lease: string): Promise<string> {
  const l = await client.request<{ spec?: { holderIdentity?: string } }>('GET', `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${lease}`);
  return l.spec?.holderIdentity ?? '';
}
