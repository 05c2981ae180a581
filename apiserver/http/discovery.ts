// Discovery documents, in the legacy (unaggregated) format every client understands: /api, /apis,
// /apis/<group>, and the APIResourceList of each group-version. Clients that prefer aggregated
// discovery (kubectl 1.32) see a plain application/json answer and fall back to these.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { resourceTypes } from '../../shared/api/registry.ts';
import type { ResourceType } from '../../shared/api/resource-type.ts';
import { StatusError } from '../../shared/errors.ts';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The verbs a resource's main endpoint serves, as its kube storage implements them (namespaces have no DeleteCollection). */
export function verbsOf(t: Pick<ResourceType, 'group' | 'plural'>): string[] {
  return t.group === '' && t.plural === 'namespaces' ? ALL_VERBS.filter((v) => v !== 'deletecollection') : ALL_VERBS;
}

const groupVersions = () => {
  const groups = new Map<string, Set<string>>();
  for (const t of resourceTypes) {
    if (!groups.has(t.group)) groups.set(t.group, new Set());
    groups.get(t.group)!.add(t.version);
  }
  return groups;
};

function apiGroup(name: string, versions: Set<string>) {
  const list = [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: list, preferredVersion: list[0] };
}

function subresourceEntries(t: ResourceType) {
  const base = { singularName: '', namespaced: t.namespaced };
  const out: Record<string, unknown>[] = [];
  for (const sub of t.subresources) {
    if (sub === 'status') out.push({ ...base, name: `${t.plural}/status`, kind: t.kind, verbs: ['get', 'patch', 'update'] });
    if (sub === 'scale') out.push({ ...base, name: `${t.plural}/scale`, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
    if (sub === 'binding') out.push({ ...base, name: `${t.plural}/binding`, kind: 'Binding', verbs: ['create'] });
    if (sub === 'log') out.push({ ...base, name: `${t.plural}/log`, kind: 'Pod', verbs: ['get'] });
  }
  if (t.plural === 'namespaces') out.push({ ...base, name: 'namespaces/finalize', kind: 'Namespace', verbs: ['update'] });
  return out;
}

export function resourceList(group: string, version: string) {
  const types = resourceTypes.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of types) {
    const entry: Record<string, unknown> = { name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: verbsOf(t) };
    if (t.shortNames.length) entry.shortNames = t.shortNames;
    if (t.categories.length) entry.categories = t.categories;
    resources.push(entry, ...subresourceEntries(t));
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

const send = (reply: FastifyReply, body: unknown) => reply.code(200).type('application/json').send(JSON.stringify(body));

export async function discoveryHandler(req: FastifyRequest, reply: FastifyReply, path: string): Promise<void> {
  const parts = path.split('/').filter(Boolean);
  const groups = groupVersions();
  if (parts.length === 1 && parts[0] === 'api') {
    return void send(reply, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' }] });
  }
  if (parts.length === 1 && parts[0] === 'apis') {
    const list = [...groups].filter(([g]) => g !== '').map(([g, v]) => apiGroup(g, v));
    return void send(reply, { kind: 'APIGroupList', apiVersion: 'v1', groups: list });
  }
  if (parts.length === 2 && parts[0] === 'api') {
    const doc = resourceList('', parts[1]);
    if (doc) return void send(reply, doc);
  }
  if (parts.length === 2 && parts[0] === 'apis' && groups.has(parts[1]) && parts[1] !== '') {
    return void send(reply, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(parts[1], groups.get(parts[1])!) });
  }
  if (parts.length === 3 && parts[0] === 'apis') {
    const doc = resourceList(parts[1], parts[2]);
    if (doc) return void send(reply, doc);
  }
  throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
}

export const versionInfo = {
  major: '1', minor: '32', gitVersion: 'v1.32.0-k8ts', gitCommit: '', gitTreeState: 'clean',
  buildDate: '2026-11-25T00:00:00Z', goVersion: `node${process.versions.node}`, compiler: 'tsx', platform: `${process.platform}/${process.arch}`,
};
