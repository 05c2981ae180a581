// OpenAPI v3 documents of the API server: GET /openapi/v3 and /openapi/v3/<api/v1 | apis/<group>/<version>>.
//
// What clients need from them (client-go / kubectl v1.32 sources, checked against real kubectl):
// - create/apply/replace/edit with the default --validate=strict always send ?fieldValidation=Strict
//   on POST/PUT/PATCH. Separately, kubectl decides whether to ALSO validate client-side: its
//   verifier (resource.NewQueryParamVerifierV3, then the v2 one as fallback) GETs /openapi/v3,
//   then the group-version's serverRelativeURL with `Accept: application/json`, and scans `paths`
//   for the first PATCH operation whose `x-kubernetes-group-version-kind` (an object
//   {group, kind, version}) is the object's GVK; the server "supports" fieldValidation iff that
//   operation's own inline `parameters` contain one named `fieldValidation` (a $ref or a
//   path-level parameter is not seen). Supported: no client-side validation, nothing else is
//   fetched. Unsupported, or any error reading v3 (missing root, group-version absent, no `paths`):
//   client-side validation, which downloads /openapi/v2 as protobuf (a 404 fails the command), so
//   every PATCH must declare it. A `kind: List` manifest always takes the client-side path: we
//   serve an empty v2 document for it (openapi-v2.ts).
// - client-side apply computes its strategic merge patch from these schemas'
//   x-kubernetes-patch-strategy / -merge-key (when the PATCH operation accepts
//   application/strategic-merge-patch+json), so they carry the server's own patch table
//   (patch-extensions.ts). A map-valued field missing from a schema (not under a preserve-unknown
//   object) makes kubectl print "warning: error calculating patch from openapi v3 spec" and fall
//   back to its compiled-in types.
// - kubectl explain reads the same two documents (JSON), takes the GVK from the operations on
//   /<prefix>/<plural>[/{name}] (cluster or namespaced form), then the components.schemas entry whose
//   `x-kubernetes-group-version-kind` array contains it, following `#/components/schemas/` refs and
//   `allOf`; a field's type shown is the last dotted part of its $ref name (hence kube's names).
// - root: {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=<H>"}, ...}} with H the
//   uppercase hex SHA-512 of the document's JSON. Clients cache documents by that URL (kubectl's
//   disk cache under ~/.kube/cache/http honours the headers); see response.ts for kube's headers.
// - Accept (observed): the root is asked with `application/json, */*`, group-version documents with
//   `application/json`; kube could answer protobuf too, we serve JSON only (406 if no JSON accepted).
import { Scale } from '../../shared/api/autoscaling.ts';
import { Binding } from '../../shared/api/binding.ts';
import { resourceTypes } from '../../shared/api/registry.ts';
import type { ResourceType } from '../../shared/api/resource-type.ts';
import { buildOpenApiV3, type BodyKind, type OpenApiV3Documents } from './documents.ts';
import { openApiV3Response, type OpenApiHttpRequest, type OpenApiHttpResponse } from './response.ts';

export { buildOpenApiV3, type BodyKind, type OpenApiV3Documents, type ServedDocument } from './documents.ts';
export { openApiV3Response, type OpenApiHttpRequest, type OpenApiHttpResponse } from './response.ts';

/** info.version of the documents unless the server passes its own gitVersion to rebuildOpenApiV3. */
export const DEFAULT_OPENAPI_VERSION = 'v1.32.0';

/** Subresource bodies: deployments/scale, replicasets/scale, pods/binding. */
const bodyKinds: BodyKind[] = [
  { group: 'autoscaling', version: 'v1', kind: 'Scale', schema: Scale },
  { group: '', version: 'v1', kind: 'Binding', schema: Binding },
];

let documents: OpenApiV3Documents | undefined;

/** The served documents, built from the registry on first use (call once at startup to pay it early). */
export function openApiV3Documents(): OpenApiV3Documents {
  documents ??= buildOpenApiV3(resourceTypes, DEFAULT_OPENAPI_VERSION, bodyKinds);
  return documents;
}

/** Replaces the documents, e.g. with the server's own version string or when the set of kinds changes. */
export function rebuildOpenApiV3(types: readonly ResourceType[] = resourceTypes, version = DEFAULT_OPENAPI_VERSION): OpenApiV3Documents {
  documents = buildOpenApiV3(types, version, bodyKinds);
  return documents;
}

/** GET /openapi/v3: the discovery document listing each group-version's URL with its hash. */
export const openApiV3Root = (): object => openApiV3Documents().root.document;

/** GET /openapi/v3/<path>, for 'api/v1' or 'apis/<group>/<version>'; undefined if there is none. */
export const openApiV3Document = (groupVersionPath: string): object | undefined =>
  openApiV3Documents().groupVersions.get(groupVersionPath)?.document;

/** The hash (and unquoted ETag) of a group-version document, or of the root for ''. */
export function openApiV3Hash(groupVersionPath: string): string | undefined {
  const docs = openApiV3Documents();
  return groupVersionPath === '' ? docs.root.hash : docs.groupVersions.get(groupVersionPath)?.hash;
}

/** Status, headers and body for a request under /openapi/v3, with kube's caching semantics. */
export const serveOpenApiV3 = (req: OpenApiHttpRequest): OpenApiHttpResponse => openApiV3Response(openApiV3Documents(), req);
