// Storage keys, as kube-apiserver lays them out in etcd: /registry/<resource>/<namespace>/<name>
// for namespaced kinds and /registry/<resource>/<name> for cluster-scoped ones. (Our kinds' plurals
// are unique across groups, as kube's are for these resources.)
import type { ResourceType } from '../../shared/api/resource-type.ts';

export const resourcePrefix = (type: ResourceType) => `/registry/${type.plural}/`;

export const collectionPrefix = (type: ResourceType, namespace: string) =>
  type.namespaced && namespace ? `${resourcePrefix(type)}${namespace}/` : resourcePrefix(type);

export const objectKey = (type: ResourceType, namespace: string, name: string) =>
  type.namespaced ? `${resourcePrefix(type)}${namespace}/${name}` : `${resourcePrefix(type)}${name}`;
