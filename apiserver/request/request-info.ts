// Turns a request path into what it addresses, as kube-apiserver's RequestInfoFactory does:
//   /api/v1/pods                                  cluster-wide list/watch of a namespaced kind
//   /api/v1/namespaces/ns/pods[/name[/subresource]]
//   /api/v1/nodes[/name[/subresource]]           cluster-scoped kinds
//   /apis/apps/v1/namespaces/ns/deployments/name/scale
// `namespaces/<name>` is ambiguous (a Namespace, or the start of a namespaced path): like kube, a
// third segment after the namespace name makes it a namespaced path, except for a namespace's own
// subresources (status, finalize).

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface RequestInfo {
  group: string;
  version: string;
  /** Namespace from the path ('' for cluster-wide or cluster-scoped). */
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
  verb: Verb;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** Returns undefined when the path is not a resource path (the caller answers 404). */
export function parseResourcePath(method: string, path: string, query: { watch?: string }): RequestInfo | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group = '';
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else return undefined;
  if (rest.length === 0) return undefined;
  // The deprecated /api/v1/watch/... form of a watch, still used by some clients.
  let legacyWatch = false;
  if (rest[0] === 'watch' && rest.length > 1) {
    legacyWatch = true;
    rest = rest.slice(1);
  }

  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2]))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 3) return undefined;
  const [resource, name = '', subresource = ''] = rest;
  const watching = legacyWatch || query.watch === '1' || query.watch === 'true';
  let verb: Verb;
  switch (method) {
    case 'GET': case 'HEAD': verb = name ? 'get' : watching ? 'watch' : 'list'; break;
    case 'POST': verb = 'create'; break;
    case 'PUT': verb = 'update'; break;
    case 'PATCH': verb = 'patch'; break;
    case 'DELETE': verb = name ? 'delete' : 'deletecollection'; break;
    default: return undefined;
  }
  // A watch of a single object is a list-watch with a name field selector, as in kube.
  if (verb === 'get' && watching && !subresource) verb = 'watch';
  if (legacyWatch && verb !== 'watch') return undefined;
  return { group, version, namespace, resource, name, subresource, verb };
}
