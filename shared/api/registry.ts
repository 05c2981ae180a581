// The kinds this API server serves, named as in real Kubernetes (plural, singular, short names, categories,
// scope, subresources) so that kubectl's discovery-driven commands resolve them the same way.
import type { z } from 'zod';
import { DaemonSet, Deployment, ReplicaSet } from './apps.ts';
import { Job } from './batch.ts';
import { ConfigMap, Endpoints, Event, Namespace, Node, Pod, Secret, Service } from './core.ts';
import { Lease } from './coordination.ts';
import { EndpointSlice } from './discovery.ts';
import { apiVersionOf, type ResourceType } from './resource-type.ts';

const define = <S extends z.ZodType>(t: Omit<ResourceType<S>, 'listKind' | 'singular'> & { singular?: string }): ResourceType<S> => ({
  ...t,
  listKind: `${t.kind}List`,
  singular: t.singular ?? t.kind.toLowerCase(),
});

const core = { group: '', version: 'v1' };
const apps = { group: 'apps', version: 'v1' };

/** Each resource by its plural, with its schema's type kept (validateObject(resources.pods, body) gives a Pod). */
export const resources = {
  namespaces: define({ ...core, kind: 'Namespace', plural: 'namespaces', shortNames: ['ns'], categories: [], namespaced: false, nameRule: 'dns1123-label', subresources: ['status'], schema: Namespace }),
  nodes: define({ ...core, kind: 'Node', plural: 'nodes', shortNames: ['no'], categories: [], namespaced: false, nameRule: 'dns1123-subdomain', subresources: ['status'], schema: Node }),
  pods: define({ ...core, kind: 'Pod', plural: 'pods', shortNames: ['po'], categories: ['all'], namespaced: true, nameRule: 'dns1123-subdomain', subresources: ['status', 'binding', 'log'], schema: Pod }),
  services: define({ ...core, kind: 'Service', plural: 'services', shortNames: ['svc'], categories: ['all'], namespaced: true, nameRule: 'dns1123-label', subresources: ['status'], schema: Service }),
  endpoints: define({ ...core, kind: 'Endpoints', singular: 'endpoints', plural: 'endpoints', shortNames: ['ep'], categories: [], namespaced: true, nameRule: 'dns1123-subdomain', subresources: [], schema: Endpoints }),
  configmaps: define({ ...core, kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'], categories: [], namespaced: true, nameRule: 'dns1123-subdomain', subresources: [], schema: ConfigMap }),
  secrets: define({ ...core, kind: 'Secret', plural: 'secrets', shortNames: [], categories: [], namespaced: true, nameRule: 'dns1123-subdomain', subresources: [], schema: Secret }),
  events: define({ ...core, kind: 'Event', plural: 'events', shortNames: ['ev'], categories: [], namespaced: true, nameRule: 'dns1123-subdomain', subresources: [], schema: Event }),
  deployments: define({ ...apps, kind: 'Deployment', plural: 'deployments', shortNames: ['deploy'], categories: ['all'], namespaced: true, nameRule: 'dns1123-subdomain', subresources: ['status', 'scale'], schema: Deployment }),
  replicasets: define({ ...apps, kind: 'ReplicaSet', plural: 'replicasets', shortNames: ['rs'], categories: ['all'], namespaced: true, nameRule: 'dns1123-subdomain', subresources: ['status', 'scale'], schema: ReplicaSet }),
  daemonsets: define({ ...apps, kind: 'DaemonSet', plural: 'daemonsets', shortNames: ['ds'], categories: ['all'], namespaced: true, nameRule: 'dns1123-subdomain', subresources: ['status'], schema: DaemonSet }),
  jobs: define({ group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', shortNames: [], categories: ['all'], namespaced: true, nameRule: 'dns1123-subdomain', subresources: ['status'], schema: Job }),
  leases: define({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', shortNames: [], categories: [], namespaced: true, nameRule: 'dns1123-subdomain', subresources: [], schema: Lease }),
  endpointslices: define({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', shortNames: [], categories: [], namespaced: true, nameRule: 'dns1123-subdomain', subresources: [], schema: EndpointSlice }),
};

export const resourceTypes: ResourceType[] = Object.values(resources);

/** The resource served at /api(s)/<group>/<version>/<plural>. */
export const findByResource = (group: string, version: string, plural: string): ResourceType | undefined =>
  resourceTypes.find((t) => t.group === group && t.version === version && t.plural === plural);

/** The resource of an object, from its apiVersion and kind. */
export const findByKind = (apiVersion: string, kind: string): ResourceType | undefined =>
  resourceTypes.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);

/**
 * kubectl-style lookup: `pods`, `pod`, `po`, `Pod`, `deployments.apps`, `deploy.apps`, `deployments.v1.apps`.
 * Case-insensitive, as kubectl is.
 */
export function findByName(name: string): ResourceType | undefined {
  const wanted = name.toLowerCase();
  const matches = (t: ResourceType, n: string) =>
    n === t.plural || n === t.singular || n === t.kind.toLowerCase() || t.shortNames.includes(n);
  for (const t of resourceTypes) {
    if (matches(t, wanted)) return t;
  }
  // <resource>.<group> or <resource>.<version>.<group>
  for (const t of resourceTypes) {
    if (!t.group) continue;
    const suffix = `.${t.group}`;
    if (!wanted.endsWith(suffix)) continue;
    const head = wanted.slice(0, -suffix.length);
    const versioned = `.${t.version}`;
    const resource = head.endsWith(versioned) ? head.slice(0, -versioned.length) : head;
    if (matches(t, resource)) return t;
  }
  return undefined;
}

/** The resources in a category, as `kubectl get all` expands it. */
export const findByCategory = (category: string): ResourceType[] => resourceTypes.filter((t) => t.categories.includes(category));
