// The objects the compose scenarios create, as a person would kubectl apply them, and the waiting they do.
import type { Deployment } from '../../shared/api/apps.ts';
import type { Node } from '../../shared/api/node.ts';
import type { Pod } from '../../shared/api/pod.ts';
import type { ApiClient } from '../../shared/client/api-client.ts';

// Waiting, namespaces and readiness are the local scenarios' (scripts/e2e/workloads.ts): one copy.
export { sleep, waitFor, createNamespace, deleteNamespace, isReady } from '../e2e/workloads.ts';

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
