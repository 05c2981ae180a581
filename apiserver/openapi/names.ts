// The names kube-apiserver's OpenAPI documents use: schema (definition) names derived from the Go
// package a type lives in, operation ids and tags derived from the group. Clients match on these
// (kubectl explain prints the last dotted component of a $ref as the field's type), so they follow
// kube's rules rather than anything of our own.
import type { ResourceType } from '../../shared/api/resource-type.ts';

export type GroupVersion = Pick<ResourceType, 'group' | 'version'>;

/** The document key and URL path of a group-version: 'api/v1', 'apis/apps/v1'. */
export const groupVersionPath = (gv: GroupVersion) => (gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`);

/** The URL prefix of a group-version's resources: '/api/v1', '/apis/apps/v1'. */
export const apiPrefix = (gv: GroupVersion) => `/${groupVersionPath(gv)}`;

export const META_V1 = 'io.k8s.apimachinery.pkg.apis.meta.v1';

// Groups whose Go types live outside k8s.io/api (kube names their schemas after that package).
const PACKAGE_OF_GROUP: Record<string, string> = {
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  'apiregistration.k8s.io': 'io.k8s.kube-aggregator.pkg.apis.apiregistration',
};

/**
 * The schema-name prefix of a group-version's own types, as kube's OpenAPI generator derives it from
 * the Go package path: core → io.k8s.api.core.v1, rbac.authorization.k8s.io → io.k8s.api.rbac.v1;
 * groups outside *.k8s.io (custom resources) use the reversed group: example.com → com.example.v1.
 */
export function schemaPackage(gv: GroupVersion): string {
  const { group, version } = gv;
  if (!group) return `io.k8s.api.core.${version}`;
  const known = PACKAGE_OF_GROUP[group];
  if (known) return `${known}.${version}`;
  if (group.endsWith('.k8s.io') || !group.includes('.')) return `io.k8s.api.${group.split('.')[0]}.${version}`;
  return `${group.split('.').reverse().join('.')}.${version}`;
}

export const schemaName = (gv: GroupVersion, kind: string) => `${schemaPackage(gv)}.${kind}`;

export const schemaRef = (name: string) => `#/components/schemas/${name}`;

const capitalize = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);

/** The group as kube spells it inside operation ids: '' → Core, rbac.authorization.k8s.io → RbacAuthorization. */
export function groupCamel(group: string): string {
  if (!group) return 'Core';
  return group.replace(/\.k8s\.io$/, '').split('.').map(capitalize).join('');
}

/** Operation-id stem for a group-version: CoreV1, AppsV1, RbacAuthorizationV1. */
export const operationStem = (gv: GroupVersion) => `${groupCamel(gv.group)}${capitalize(gv.version)}`;

/** The tag kube puts on every operation of a group-version: core_v1, rbacAuthorization_v1. */
export function operationTag(gv: GroupVersion): string {
  const camel = groupCamel(gv.group);
  return `${camel[0].toLowerCase()}${camel.slice(1)}_${gv.version}`;
}
