// OpenAPI v3 documents: their shape (what kubectl's field-validation verifier and `kubectl explain`
// read), kube's caching semantics, and a check with the real kubectl against a tiny server that
// serves only discovery and these documents.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ResourceType } from '../../shared/api/resource-type.ts';
import { apiVersionOf } from '../../shared/api/resource-type.ts';
import { resourceTypes } from '../../shared/api/registry.ts';
import {
  buildOpenApiV3, openApiV3Document, openApiV3Documents, openApiV3Hash, openApiV3Response, openApiV3Root, type OpenApiV3Documents,
} from '../../apiserver/openapi/openapi-v3.ts';
import { groupVersionPath, schemaName } from '../../apiserver/openapi/names.ts';
import { serveOpenApiV2 } from '../../apiserver/openapi/openapi-v2.ts';

type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };

// --- a small fixture, so the shape tests do not depend on how the registry's kinds evolve ---
const objectMeta = z.object({
  name: z.string().optional().describe('Name, unique within a namespace.'),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  creationTimestamp: z.iso.datetime().optional(),
}).describe('Metadata of persisted resources.');
const container = z.object({ name: z.string(), image: z.string().optional(), ports: z.array(z.object({ containerPort: z.int32() })).optional() })
  .meta({ id: 'Container', description: 'A single application container.' });
const podSpec = z.object({ containers: z.array(container), restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).default('Always') })
  .meta({ id: 'PodSpec', description: 'The description of a pod.' });
const typeMeta = { apiVersion: z.string().optional(), kind: z.string().optional(), metadata: objectMeta.default({}) };
const pod = z.object({ ...typeMeta, spec: podSpec.optional(), status: z.looseObject({ phase: z.string().optional() }).optional() })
  .describe('A collection of containers that run on a host.');
const namespace = z.object({ ...typeMeta, spec: z.object({ finalizers: z.array(z.string()).optional() }).optional() });
const deployment = z.object({ ...typeMeta, spec: z.object({ replicas: z.int32().default(1), template: z.object({ metadata: objectMeta.optional(), spec: podSpec }) }) });
const widget = z.looseObject({ ...typeMeta, spec: z.record(z.string(), z.unknown()).optional(), size: z.int().optional() });
const common = { categories: [], nameRule: 'dns1123-subdomain' as const, shortNames: [] };
const fixtureTypes: ResourceType[] = [
  { ...common, group: '', version: 'v1', kind: 'Pod', listKind: 'PodList', plural: 'pods', singular: 'pod', namespaced: true, subresources: ['status', 'binding', 'log'], schema: pod },
  { ...common, group: '', version: 'v1', kind: 'Namespace', listKind: 'NamespaceList', plural: 'namespaces', singular: 'namespace', namespaced: false, subresources: ['status'], schema: namespace },
  { ...common, group: 'apps', version: 'v1', kind: 'Deployment', listKind: 'DeploymentList', plural: 'deployments', singular: 'deployment', namespaced: true, subresources: ['status', 'scale'], schema: deployment },
  { ...common, group: 'example.com', version: 'v1alpha1', kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget', namespaced: false, subresources: [], schema: widget },
];
const fixture = buildOpenApiV3(fixtureTypes, 'v1.32.0');
const fixtureDoc = (key: string) => fixture.groupVersions.get(key)!.document as Doc;

/** What kubectl's QueryParamVerifierV3 concludes for a GVK (the same scan, in map order). */
function supportsFieldValidation(doc: Doc, gvk: { group: string; version: string; kind: string }): boolean {
  for (const item of Object.values(doc.paths)) {
    const op = item.patch;
    const ext = op?.['x-kubernetes-group-version-kind'];
    if (!ext || ext.group !== gvk.group || ext.version !== gvk.version || ext.kind !== gvk.kind) continue;
    return (op.parameters ?? []).some((p: { name?: string }) => p.name === 'fieldValidation');
  }
  return false;
}

describe('group-version documents', () => {
  test('one OpenAPI 3.0 document per group-version of the kinds', () => {
    assert.deepEqual([...fixture.groupVersions.keys()], ['api/v1', 'apis/apps/v1', 'apis/example.com/v1alpha1']);
    for (const [, served] of fixture.groupVersions) {
      assert.equal((served.document as { openapi: string }).openapi, '3.0.0');
      assert.equal(served.json, JSON.stringify(served.document));
    }
  });

  test("each kind's schema carries kube's name and its GVK extension, with a List schema beside it", () => {
    for (const t of fixtureTypes) {
      const schemas = fixtureDoc(groupVersionPath(t)).components.schemas;
      assert.deepEqual(schemas[schemaName(t, t.kind)]['x-kubernetes-group-version-kind'], [{ group: t.group, kind: t.kind, version: t.version }]);
      assert.deepEqual(schemas[schemaName(t, t.listKind)]['x-kubernetes-group-version-kind'], [{ group: t.group, kind: t.listKind, version: t.version }]);
    }
    assert.ok(fixtureDoc('api/v1').components.schemas['io.k8s.api.core.v1.Pod']);
    assert.ok(fixtureDoc('apis/apps/v1').components.schemas['io.k8s.api.apps.v1.Deployment']);
    assert.ok(fixtureDoc('apis/example.com/v1alpha1').components.schemas['com.example.v1alpha1.Widget']);
  });

  test('shared sub-schemas become components referenced by $ref, under kube names', () => {
    const schemas = fixtureDoc('apis/apps/v1').components.schemas;
    const deploymentSchema = schemas['io.k8s.api.apps.v1.Deployment'];
    assert.deepEqual(deploymentSchema.properties.metadata.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
    // PodSpec is first used by core/v1, so it keeps core's name in apps/v1 too, as in kube.
    assert.ok(schemas['io.k8s.api.core.v1.PodSpec']);
    assert.equal(schemas['io.k8s.api.core.v1.PodSpec'].description, 'The description of a pod.');
    assert.ok(schemas['io.k8s.api.autoscaling.v1.Scale'], 'the scale subresource body');
    const refs = JSON.stringify(fixture.groupVersions.get('apis/apps/v1')!.document).match(/"\$ref":"[^"]+"/g)!;
    for (const ref of refs) {
      const name = ref.slice('"$ref":"#/components/schemas/'.length, -1);
      assert.ok(schemas[name], `dangling ${ref}`);
    }
  });

  test("zod's output is reshaped into kube's conventions", () => {
    const core = fixtureDoc('api/v1').components.schemas;
    assert.equal(core['io.k8s.api.core.v1.Pod'].properties.status['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal(core['io.k8s.api.core.v1.Container'].properties.ports.items.properties.containerPort.format, 'int32');
    assert.equal(core['io.k8s.api.core.v1.Container'].properties.ports.items.properties.containerPort.minimum, undefined);
    assert.equal(core['io.k8s.api.core.v1.PodSpec'].properties.restartPolicy.default, 'Always');
    const meta = core['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'];
    assert.deepEqual(meta.properties.creationTimestamp, { type: 'string', format: 'date-time' });
    const widgetSchema = fixtureDoc('apis/example.com/v1alpha1').components.schemas['com.example.v1alpha1.Widget'];
    assert.equal(widgetSchema['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal(widgetSchema.additionalProperties, undefined);
    assert.equal(widgetSchema.properties.spec['x-kubernetes-preserve-unknown-fields'], true);
    assert.equal(widgetSchema.properties.size.format, 'int64');
  });

  test("every kind's PATCH operations declare fieldValidation, so kubectl leaves validation to the server", () => {
    for (const t of fixtureTypes) assert.ok(supportsFieldValidation(fixtureDoc(groupVersionPath(t)), t), t.kind);
    for (const [, served] of fixture.groupVersions) {
      for (const item of Object.values((served.document as Doc).paths)) {
        for (const method of ['post', 'put', 'patch']) {
          if (!item[method]) continue;
          assert.ok(item[method].parameters.some((p: { name: string; in: string }) => p.name === 'fieldValidation' && p.in === 'query'), item[method].operationId);
        }
      }
    }
  });

  test("strategic-merge metadata comes from the server's patch table; kinds without it get no SMP content type", () => {
    const core = fixtureDoc('api/v1').components.schemas;
    const containers = core['io.k8s.api.core.v1.PodSpec'].properties.containers;
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(core['io.k8s.api.core.v1.Container'].properties.ports['x-kubernetes-patch-merge-key'], 'containerPort');
    const podPatch = fixtureDoc('api/v1').paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
    assert.ok(podPatch.requestBody.content['application/strategic-merge-patch+json']);
    const widgetPatch = fixtureDoc('apis/example.com/v1alpha1').paths['/apis/example.com/v1alpha1/widgets/{name}'].patch;
    assert.deepEqual(Object.keys(widgetPatch.requestBody.content), ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
  });

  test("paths, operation ids and actions follow kube's", () => {
    const paths = fixtureDoc('api/v1').paths;
    assert.equal(paths['/api/v1/namespaces/{namespace}/pods'].get.operationId, 'listCoreV1NamespacedPod');
    assert.equal(paths['/api/v1/namespaces/{namespace}/pods'].delete['x-kubernetes-action'], 'deletecollection');
    assert.equal(paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch.operationId, 'patchCoreV1NamespacedPod');
    assert.equal(paths['/api/v1/pods'].get.operationId, 'listCoreV1PodForAllNamespaces');
    assert.equal(paths['/api/v1/namespaces/{name}'].put.operationId, 'replaceCoreV1Namespace');
    assert.equal(paths['/api/v1/watch/namespaces/{namespace}/pods'].get['x-kubernetes-action'], 'watchlist');
    assert.deepEqual(paths['/api/v1/namespaces/{namespace}/pods/{name}/binding'].post['x-kubernetes-group-version-kind'], { group: '', kind: 'Binding', version: 'v1' });
    assert.ok(paths['/api/v1/namespaces/{namespace}/pods/{name}/log'].get.parameters.some((p: { name: string }) => p.name === 'container'));
    const scale = fixtureDoc('apis/apps/v1').paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
    assert.deepEqual(scale.patch['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
  });
});

describe('root document and HTTP semantics', () => {
  test('the root lists each document at a URL carrying its hash', () => {
    const root = fixture.root.document as { paths: Record<string, { serverRelativeURL: string }> };
    assert.deepEqual(Object.keys(root.paths), [...fixture.groupVersions.keys()]);
    for (const [key, served] of fixture.groupVersions) {
      assert.match(served.hash, /^[0-9A-F]{128}$/);
      assert.equal(root.paths[key].serverRelativeURL, `/openapi/v3/${key}?hash=${served.hash}`);
    }
  });

  test('group-version responses: immutable with the current hash, 301 with a stale one, 304, 404, 406', () => {
    const docs: OpenApiV3Documents = fixture;
    const hash = docs.groupVersions.get('api/v1')!.hash;
    const ok = openApiV3Response(docs, { groupVersionPath: 'api/v1', hash, accept: 'application/json' }, 0);
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.body, docs.groupVersions.get('api/v1')!.json);
    assert.equal(ok.headers.etag, `"${hash}"`);
    assert.equal(ok.headers['cache-control'], 'public, immutable');
    assert.equal(ok.headers.expires, new Date(365 * 24 * 3600 * 1000).toUTCString());
    assert.equal(ok.headers.vary, 'Accept');
    const noHash = openApiV3Response(docs, { groupVersionPath: 'api/v1' });
    assert.equal(noHash.statusCode, 200);
    assert.equal(noHash.headers['cache-control'], undefined);
    const stale = openApiV3Response(docs, { groupVersionPath: 'api/v1', hash: 'ABC' });
    assert.equal(stale.statusCode, 301);
    assert.equal(stale.headers.location, `/openapi/v3/api/v1?hash=${hash}`);
    assert.equal(openApiV3Response(docs, { groupVersionPath: 'api/v1', ifNoneMatch: `"${hash}"` }).statusCode, 304);
    assert.equal(openApiV3Response(docs, { groupVersionPath: 'apis/nope/v1' }).statusCode, 404);
    assert.equal(openApiV3Response(docs, { groupVersionPath: 'api/v1', accept: 'application/com.github.proto-openapi.spec.v3.v1.0+protobuf' }).statusCode, 406);
    assert.equal(openApiV3Response(docs, { groupVersionPath: 'api/v1', accept: 'application/com.github.proto-openapi.spec.v3.v1.0+protobuf, */*;q=0.1' }).statusCode, 200);
    const root = openApiV3Response(docs, { groupVersionPath: '' });
    assert.equal(root.body, docs.root.json);
    assert.equal(root.headers.etag, `"${docs.root.hash}"`);
    assert.equal(openApiV3Response(docs, { groupVersionPath: '', ifNoneMatch: `"${docs.root.hash}"` }).statusCode, 304);
  });
});

describe("the registry's documents", () => {
  test('a document exists for every group-version of the registry, listed in the root', () => {
    const root = openApiV3Root() as { paths: Record<string, { serverRelativeURL: string }> };
    const keys = new Set(resourceTypes.map((t) => groupVersionPath(t)));
    assert.deepEqual(Object.keys(root.paths).sort(), [...keys].sort());
    for (const key of keys) {
      assert.ok(openApiV3Document(key), key);
      assert.equal(root.paths[key].serverRelativeURL, `/openapi/v3/${key}?hash=${openApiV3Hash(key)}`);
    }
  });

  test('every kind has its schema with its GVK, and PATCH operations kubectl accepts', () => {
    for (const t of resourceTypes) {
      const doc = openApiV3Document(groupVersionPath(t)) as Doc;
      const schema = doc.components.schemas[schemaName(t, t.kind)];
      assert.ok(schema, `${apiVersionOf(t)} ${t.kind}`);
      assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: t.group, kind: t.kind, version: t.version }]);
      assert.ok(supportsFieldValidation(doc, t), `${apiVersionOf(t)} ${t.kind}`);
    }
  });

  test('subresource bodies (Scale, Binding) come from their zod schemas, with their GVK', () => {
    const scale = (openApiV3Document('apis/apps/v1') as Doc).components.schemas['io.k8s.api.autoscaling.v1.Scale'];
    assert.deepEqual(scale['x-kubernetes-group-version-kind'], [{ group: 'autoscaling', kind: 'Scale', version: 'v1' }]);
    assert.equal(scale.properties.status.properties.replicas.default, 0, 'from the zod schema, not the stand-in');
    const binding = (openApiV3Document('api/v1') as Doc).components.schemas['io.k8s.api.core.v1.Binding'];
    assert.deepEqual(binding['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Binding', version: 'v1' }]);
  });
});

// --- the real kubectl against a server serving discovery and these documents only ---

const run = promisify(execFile);
const kubectlAvailable = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

interface Logged { method: string; url: string; accept?: string; contentType?: string; body?: string }

async function discoveryServer(types: readonly ResourceType[], docs: OpenApiV3Documents) {
  const app = Fastify();
  const log: Logged[] = [];
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addHook('preHandler', async (req) => {
    log.push({ method: req.method, url: req.url, accept: req.headers.accept, contentType: req.headers['content-type'], body: req.body as string | undefined });
  });
  const groups = new Map<string, ResourceType[]>();
  for (const t of types) groups.set(apiVersionOf(t), [...(groups.get(apiVersionOf(t)) ?? []), t]);
  const resourceList = (gv: string) => ({
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv,
    resources: groups.get(gv)!.flatMap((t) => [
      { name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, shortNames: t.shortNames, categories: t.categories,
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] },
      ...t.subresources.map((s) => ({ name: `${t.plural}/${s}`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] })),
    ]),
  });
  app.get('/version', async () => ({ major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' }));
  app.get('/api', async () => ({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] }));
  app.get('/apis', async () => ({
    kind: 'APIGroupList', apiVersion: 'v1',
    groups: [...new Set(types.filter((t) => t.group).map((t) => t.group))].map((group) => {
      const versions = [...new Set(types.filter((t) => t.group === group).map((t) => t.version))]
        .map((version) => ({ groupVersion: `${group}/${version}`, version }));
      return { name: group, versions, preferredVersion: versions[0] };
    }),
  }));
  app.get('/api/v1', async () => resourceList('v1'));
  app.get('/apis/:group/:version', async (req) => {
    const { group, version } = req.params as { group: string; version: string };
    return resourceList(`${group}/${version}`);
  });
  const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : value);
  app.get('/openapi/v2', async (req, reply) => {
    const res = serveOpenApiV2({ accept: header(req.headers.accept), ifNoneMatch: header(req.headers['if-none-match']) }, 'v1.32.0');
    return reply.code(res.statusCode).headers(res.headers).send(res.body ?? '');
  });
  const openApi = async (req: FastifyRequest, reply: FastifyReply, path: string) => {
    const res = openApiV3Response(docs, {
      groupVersionPath: path, hash: (req.query as { hash?: string }).hash,
      accept: header(req.headers.accept), ifNoneMatch: header(req.headers['if-none-match']),
    });
    return reply.code(res.statusCode).headers(res.headers).send(res.body ?? '');
  };
  app.get('/openapi/v3', (req, reply) => openApi(req, reply, ''));
  app.get('/openapi/v3/*', (req, reply) => openApi(req, reply, (req.params as { '*': string })['*']));
  // Resources: a create stores its body, a get returns it, a patch returns it unchanged (only the
  // request matters here).
  const stored = new Map<string, unknown>();
  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0];
    if (req.method === 'POST') {
      const obj = JSON.parse(req.body as string) as { metadata: { name: string; resourceVersion?: string } };
      obj.metadata.resourceVersion = '1';
      stored.set(`${path}/${obj.metadata.name}`, obj);
      return reply.code(201).send(obj);
    }
    if ((req.method === 'GET' || req.method === 'PATCH') && stored.has(path)) return stored.get(path);
    return reply.code(404).send({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { app, log, url: `http://127.0.0.1:${port}` };
}

describe('real kubectl', { skip: !kubectlAvailable && 'kubectl not installed' }, () => {
  test("explain and apply work from the registry's own documents", async () => {
    const { app, log, url } = await discoveryServer(resourceTypes, openApiV3Documents());
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-openapi-'));
    const kubectl = (...args: string[]) => run('kubectl', ['--server', url, '--cache-dir', join(dir, 'cache'), ...args], { env: { ...process.env, KUBECONFIG: join(dir, 'none') } });
    try {
      for (const t of resourceTypes) {
        const { stdout } = await kubectl('explain', t.group ? `${t.plural}.${t.group}` : t.plural);
        assert.match(stdout, new RegExp(`KIND:\\s+${t.kind}\\b`));
      }
      const deployment = (containers: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: default, labels: {app: d}}\n`
        + `spec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec: {containers: [${containers}]}\n`;
      writeFileSync(join(dir, 'd.yaml'), deployment('{name: a, image: i, env: [{name: X, value: "1"}]}, {name: b, image: i}'));
      await kubectl('apply', '-f', join(dir, 'd.yaml'));
      writeFileSync(join(dir, 'd.yaml'), deployment('{name: a, image: j}'));
      const mark = log.length;
      const applied = await kubectl('apply', '-f', join(dir, 'd.yaml'));
      assert.doesNotMatch(applied.stderr, /error calculating patch/);
      const patch = log.slice(mark).find((r) => r.method === 'PATCH')!;
      assert.equal(patch.contentType, 'application/strategic-merge-patch+json');
      const containers = JSON.parse(patch.body!).spec.template.spec.containers;
      assert.deepEqual(containers.find((c: { name: string }) => c.name === 'b'), { $patch: 'delete', name: 'b' });
      assert.ok(!log.some((r) => r.url.startsWith('/openapi/v2')), 'nothing needed /openapi/v2');
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('explain, create, apply and List manifests work from these documents alone, validated by the server', async () => {
    const { app, log, url } = await discoveryServer(fixtureTypes, fixture);
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-openapi-'));
    const kubectl = (...args: string[]) => run('kubectl', ['--server', url, '--cache-dir', join(dir, 'cache'), ...args], { env: { ...process.env, KUBECONFIG: join(dir, 'none') } });
    const manifest = (name: string, text: string) => { writeFileSync(join(dir, name), text); return join(dir, name); };
    const since = (n: number) => log.slice(n);
    try {
      const explained = await kubectl('explain', 'pods');
      assert.match(explained.stdout, /KIND:\s+Pod/);
      assert.match(explained.stdout, /spec\s+<PodSpec>/);
      const field = await kubectl('explain', 'deployments.spec.template.spec.containers');
      assert.match(field.stdout, /FIELD: containers <\[\]Container>/);

      let mark = log.length;
      const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  containers: [{name: a, image: i}, {name: b, image: i}]\n';
      await kubectl('create', '-f', manifest('pod.yaml', pod), '--save-config');
      const [create] = since(mark).filter((r) => r.method === 'POST');
      assert.match(create.url, /^\/api\/v1\/namespaces\/default\/pods\?.*fieldValidation=Strict/);

      // Client-side apply computes its strategic merge patch from the documents' merge keys.
      mark = log.length;
      const applied = await kubectl('apply', '-f', manifest('pod.yaml', pod.replace(', {name: b, image: i}', '')));
      assert.doesNotMatch(applied.stderr, /error calculating patch/);
      const [patch] = since(mark).filter((r) => r.method === 'PATCH');
      assert.match(patch.url, /fieldValidation=Strict/);
      assert.equal(patch.contentType, 'application/strategic-merge-patch+json');
      const { spec } = JSON.parse(patch.body!);
      assert.deepEqual(spec['$setElementOrder/containers'], [{ name: 'a' }]);
      assert.deepEqual(spec.containers, [{ $patch: 'delete', name: 'b' }]);

      // A `kind: List` is always validated client-side, from /openapi/v2 (empty here), then each
      // item is still sent with fieldValidation=Strict.
      mark = log.length;
      const list = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: q, namespace: default}\n  spec: {containers: [{name: a, image: i}]}\n';
      await kubectl('create', '-f', manifest('list.yaml', list));
      assert.ok(since(mark).some((r) => r.url.startsWith('/openapi/v2')));
      assert.match(since(mark).find((r) => r.method === 'POST')!.url, /fieldValidation=Strict/);

      assert.ok(!log.slice(0, mark).some((r) => r.url.startsWith('/openapi/v2')), 'only a List needs /openapi/v2');
      for (const r of log) if (r.url.startsWith('/openapi/v3/')) assert.equal(r.accept, 'application/json', r.url);
      if (process.env.OPENAPI_TEST_VERBOSE) {
        console.log('kubectl requests:\n' + log.map((r) => `  ${r.method} ${r.url}  [Accept: ${r.accept ?? '-'}]`).join('\n'));
      }
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
