// The `paths` of a group-version document: for each resource the operations kube declares, with
// kube's operation ids, actions, GVK extensions and inline parameters. kubectl depends on two
// things here: every PATCH operation naming a kind in `x-kubernetes-group-version-kind` must list
// `fieldValidation` among its own parameters (the verifier stops at the first PATCH it finds for the
// kind, in map order), and `kubectl explain` finds a resource's kind from the GVK of the first
// operation on /<prefix>/<resource>, .../{name} or their namespaced forms.
import type { ResourceType } from '../../shared/api/resource-type.ts';
import { BINDING, SCALE } from './meta-schemas.ts';
import { supportsStrategicMergePatch } from './patch-extensions.ts';
import type { JsonSchema } from './meta-schemas.ts';
import { META_V1, apiPrefix, operationStem, operationTag, schemaName, schemaRef } from './names.ts';
import {
  nameParameter, namespaceParameter, operationParameters, podLogParameters, pretty, watchPathParameters,
  type Parameter,
} from './parameters.ts';

type Action = 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'get' | 'watch' | 'watchlist' | 'connect';
type Gvk = { group: string; kind: string; version: string };
type Operation = JsonSchema;
export type PathItem = { parameters?: Parameter[] } & Partial<Record<'get' | 'put' | 'post' | 'patch' | 'delete', Operation>>;

const JSON_TYPES = ['application/json'];
const WATCH_TYPES = ['application/json', 'application/json;stream=watch'];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'];
const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

const content = (types: string[], schema: JsonSchema) => Object.fromEntries(types.map((t) => [t, { schema }]));
const refTo = (name: string) => ({ $ref: schemaRef(name) });
const response = (description: string, schema: JsonSchema, types = JSON_TYPES) => ({ description, content: content(types, schema) });
const unauthorized = { 401: { description: 'Unauthorized' } };

interface OperationSpec {
  action: Action;
  id: string;
  description: string;
  gvk: Gvk;
  parameters?: Parameter[];
  requestBody?: JsonSchema;
  responses: Record<string, unknown>;
  tag: string;
}

const operation = (o: OperationSpec): Operation => ({
  description: o.description,
  operationId: o.id,
  ...(o.parameters?.length ? { parameters: o.parameters } : {}),
  ...(o.requestBody ? { requestBody: o.requestBody } : {}),
  responses: { ...o.responses, ...unauthorized },
  tags: [o.tag],
  'x-kubernetes-action': o.action,
  'x-kubernetes-group-version-kind': o.gvk,
});

/** The paths of one resource (and its subresources), keyed by URL path. */
export function resourcePaths(t: ResourceType): Record<string, PathItem> {
  const gv = { group: t.group, version: t.version };
  const stem = operationStem(gv);
  const tag = operationTag(gv);
  const gvk: Gvk = { group: t.group, kind: t.kind, version: t.version };
  const kindSchema = refTo(schemaName(gv, t.kind));
  const listSchema = refTo(schemaName(gv, t.listKind));
  const status = refTo(`${META_V1}.Status`);
  const scope = t.namespaced ? 'Namespaced' : '';
  const prefix = apiPrefix(gv);
  const collection = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.plural}` : `${prefix}/${t.plural}`;
  const item = `${collection}/{name}`;
  const scopeParameters = t.namespaced ? [namespaceParameter] : [];
  const op = (o: Omit<OperationSpec, 'tag'>) => operation({ ...o, tag });
  const body = (schema: JsonSchema) => ({ content: content(['*/*'], schema), required: true });
  const patchTypes = supportsStrategicMergePatch(t) ? [...PATCH_TYPES, STRATEGIC_MERGE_PATCH] : PATCH_TYPES;
  const patchBody = { content: content(patchTypes, refTo(`${META_V1}.Patch`)), required: true };
  const deleteBody = { content: content(['*/*'], refTo(`${META_V1}.DeleteOptions`)) };

  const paths: Record<string, PathItem> = {};
  paths[collection] = {
    parameters: [...scopeParameters, pretty],
    get: op({ action: 'list', id: `list${stem}${scope}${t.kind}`, description: `list or watch objects of kind ${t.kind}`, gvk,
      parameters: operationParameters.list, responses: { 200: response('OK', listSchema, WATCH_TYPES) } }),
    post: op({ action: 'post', id: `create${stem}${scope}${t.kind}`, description: `create a ${t.kind}`, gvk,
      parameters: operationParameters.post, requestBody: body(kindSchema),
      responses: { 200: response('OK', kindSchema), 201: response('Created', kindSchema), 202: response('Accepted', kindSchema) } }),
    delete: op({ action: 'deletecollection', id: `delete${stem}Collection${scope}${t.kind}`, description: `delete collection of ${t.kind}`, gvk,
      parameters: operationParameters.deletecollection, requestBody: deleteBody, responses: { 200: response('OK', status) } }),
  };
  paths[item] = {
    parameters: [nameParameter(t.kind), ...scopeParameters, pretty],
    get: op({ action: 'get', id: `read${stem}${scope}${t.kind}`, description: `read the specified ${t.kind}`, gvk,
      responses: { 200: response('OK', kindSchema) } }),
    put: op({ action: 'put', id: `replace${stem}${scope}${t.kind}`, description: `replace the specified ${t.kind}`, gvk,
      parameters: operationParameters.put, requestBody: body(kindSchema),
      responses: { 200: response('OK', kindSchema), 201: response('Created', kindSchema) } }),
    patch: op({ action: 'patch', id: `patch${stem}${scope}${t.kind}`, description: `partially update the specified ${t.kind}`, gvk,
      parameters: operationParameters.patch, requestBody: patchBody,
      responses: { 200: response('OK', kindSchema), 201: response('Created', kindSchema) } }),
    delete: op({ action: 'delete', id: `delete${stem}${scope}${t.kind}`, description: `delete a ${t.kind}`, gvk,
      parameters: operationParameters.delete, requestBody: deleteBody,
      responses: { 200: response('OK', status), 202: response('Accepted', status) } }),
  };
  if (t.namespaced) {
    paths[`${prefix}/${t.plural}`] = {
      parameters: [...operationParameters.list, pretty].sort(byName),
      get: op({ action: 'list', id: `list${stem}${t.kind}ForAllNamespaces`, description: `list or watch objects of kind ${t.kind}`, gvk,
        responses: { 200: response('OK', listSchema, WATCH_TYPES) } }),
    };
  }
  Object.assign(paths, watchPaths(t, { stem, gvk, op, scope, scopeParameters }));
  for (const sub of t.subresources) Object.assign(paths, subresourcePaths(t, sub, { stem, gvk, op, scope, scopeParameters, item, kindSchema, patchBody }));
  return paths;
}

const byName = (a: Parameter, b: Parameter) => a.name.localeCompare(b.name);

interface Context {
  stem: string;
  gvk: Gvk;
  scope: string;
  scopeParameters: Parameter[];
  op: (o: Omit<OperationSpec, 'tag'>) => Operation;
}

/** The deprecated /watch/ paths kube still documents (clients use ?watch=true instead). */
function watchPaths(t: ResourceType, { stem, gvk, op, scope, scopeParameters }: Context): Record<string, PathItem> {
  const prefix = `${apiPrefix(t)}/watch`;
  const collection = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.plural}` : `${prefix}/${t.plural}`;
  const event = response('OK', refTo(`${META_V1}.WatchEvent`), WATCH_TYPES);
  const paths: Record<string, PathItem> = {
    [collection]: {
      parameters: [...watchPathParameters, ...scopeParameters, pretty].sort(byName),
      get: op({ action: 'watchlist', id: `watch${stem}${scope}${t.kind}List`, description: `watch individual changes to a list of ${t.kind}`, gvk, responses: { 200: event } }),
    },
    [`${collection}/{name}`]: {
      parameters: [...watchPathParameters, nameParameter(t.kind), ...scopeParameters, pretty].sort(byName),
      get: op({ action: 'watch', id: `watch${stem}${scope}${t.kind}`, description: `watch changes to an object of kind ${t.kind}`, gvk, responses: { 200: event } }),
    },
  };
  if (t.namespaced) {
    paths[`${prefix}/${t.plural}`] = {
      parameters: [...watchPathParameters, pretty].sort(byName),
      get: op({ action: 'watchlist', id: `watch${stem}${t.kind}ListForAllNamespaces`, description: `watch individual changes to a list of ${t.kind}`, gvk, responses: { 200: event } }),
    };
  }
  return paths;
}

function subresourcePaths(
  t: ResourceType,
  sub: ResourceType['subresources'][number],
  c: Context & { item: string; kindSchema: JsonSchema; patchBody: JsonSchema },
): Record<string, PathItem> {
  const { stem, op, scope, scopeParameters, item, patchBody } = c;
  const path = `${item}/${sub}`;
  const parameters = (kind: string) => [nameParameter(kind), ...scopeParameters, pretty];
  const body = (schema: JsonSchema) => ({ content: content(['*/*'], schema), required: true });
  const readWrite = (suffix: string, gvk: Gvk, schema: JsonSchema, what: string): PathItem => ({
    parameters: parameters(gvk.kind),
    get: op({ action: 'get', id: `read${stem}${scope}${t.kind}${suffix}`, description: `read ${what} of the specified ${t.kind}`, gvk,
      responses: { 200: response('OK', schema) } }),
    put: op({ action: 'put', id: `replace${stem}${scope}${t.kind}${suffix}`, description: `replace ${what} of the specified ${t.kind}`, gvk,
      parameters: operationParameters.put, requestBody: body(schema), responses: { 200: response('OK', schema), 201: response('Created', schema) } }),
    patch: op({ action: 'patch', id: `patch${stem}${scope}${t.kind}${suffix}`, description: `partially update ${what} of the specified ${t.kind}`, gvk,
      parameters: operationParameters.patch, requestBody: patchBody, responses: { 200: response('OK', schema), 201: response('Created', schema) } }),
  });
  switch (sub) {
    case 'status':
      return { [path]: readWrite('Status', c.gvk, c.kindSchema, 'status') };
    case 'scale':
      return { [path]: readWrite('Scale', { group: 'autoscaling', kind: 'Scale', version: 'v1' }, refTo(SCALE), 'scale') };
    case 'binding': {
      const binding = refTo(BINDING);
      return {
        [path]: {
          parameters: parameters('Binding'),
          post: op({ action: 'post', id: `create${stem}${scope}${t.kind}Binding`, description: `create binding of a ${t.kind}`,
            gvk: { group: '', kind: 'Binding', version: 'v1' }, parameters: operationParameters.post, requestBody: body(binding),
            responses: { 200: response('OK', binding), 201: response('Created', binding), 202: response('Accepted', binding) } }),
        },
      };
    }
    case 'log':
      return {
        [path]: {
          parameters: parameters(t.kind),
          get: op({ action: 'get', id: `read${stem}${scope}${t.kind}Log`, description: `read log of the specified ${t.kind}`, gvk: c.gvk,
            parameters: podLogParameters, responses: { 200: response('OK', { type: 'string' }, ['text/plain']) } }),
        },
      };
  }
}

/** GET /<prefix>/ — the group-version's discovery document (APIResourceList). */
export function discoveryPath(gv: { group: string; version: string }): Record<string, PathItem> {
  const list = refTo(`${META_V1}.APIResourceList`);
  return {
    [`${apiPrefix(gv)}/`]: {
      get: {
        description: 'get available resources',
        operationId: `get${operationStem(gv)}APIResources`,
        responses: { 200: response('OK', list), ...unauthorized },
        tags: [operationTag(gv)],
      },
    },
  };
}
