// Every error is a Kubernetes Status with kube-apiserver's code and reason: NotFound, AlreadyExists,
// Conflict, Invalid (with details.causes[].field), BadRequest, MethodNotAllowed, UnsupportedMediaType,
// NotAcceptable, RequestEntityTooLarge and Forbidden. (410 Expired is in api-expired.test.ts, which
// needs a server with a short compaction interval.)
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { call } from '../helpers/http.ts';
import {
  assertOk, assertStatus, causeFields, configMap, configMapsPath, deployment, deploymentsPath, namespace, namespacesPath, pod, podsPath,
} from '../fixtures/api-objects.ts';

let server: ApiServerProcess;
const NS = 'errors';
before(async () => {
  server = await startApiServer();
  assertOk(await call(server.url, 'POST', namespacesPath, namespace(NS)), 201);
});
after(async () => { await server?.cleanup(); });

describe('404 NotFound', () => {
  test('an object that does not exist: get, put, patch, delete', async () => {
    const path = `${podsPath(NS)}/missing`;
    for (const res of [
      await call(server.url, 'GET', path),
      await call(server.url, 'PUT', path, pod('missing')),
      await call(server.url, 'PATCH', path, { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json'),
      await call(server.url, 'DELETE', path),
    ]) {
      const status = assertStatus(res, 404, 'NotFound');
      assert.equal(status.message, 'pods "missing" not found');
      assert.equal(status.details.name, 'missing');
      assert.equal(status.details.kind, 'pods');
    }
  });

  test('a grouped resource names its group', async () => {
    const status = assertStatus(await call(server.url, 'GET', `${deploymentsPath(NS)}/missing`), 404, 'NotFound');
    assert.equal(status.message, 'deployments.apps "missing" not found');
    assert.equal(status.details.group, 'apps');
    assert.equal(status.details.kind, 'deployments');
  });

  test('an unknown resource, group or version', async () => {
    for (const path of [`/api/v1/namespaces/${NS}/widgets`, '/apis/example.com/v1/widgets', '/api/v2/pods', '/apis/apps/v9/deployments', `${podsPath(NS)}/x/nosuchsubresource`]) {
      const status = assertStatus(await call(server.url, 'GET', path), 404, 'NotFound');
      assert.equal(status.message, 'the server could not find the requested resource', path);
    }
  });

  test('creating in a namespace that does not exist names the namespace', async () => {
    const status = assertStatus(await call(server.url, 'POST', configMapsPath('no-such-ns'), configMap('x')), 404, 'NotFound');
    assert.equal(status.message, 'namespaces "no-such-ns" not found');
    assert.equal(status.details.kind, 'namespaces');
    assert.equal(status.details.name, 'no-such-ns');
  });
});

describe('409 AlreadyExists and Conflict', () => {
  test('creating a name that exists is AlreadyExists', async () => {
    assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('dup')), 201);
    const status = assertStatus(await call(server.url, 'POST', configMapsPath(NS), configMap('dup')), 409, 'AlreadyExists');
    assert.equal(status.message, 'configmaps "dup" already exists');
    assert.deepEqual({ name: status.details.name, kind: status.details.kind }, { name: 'dup', kind: 'configmaps' });
  });

  test('PUT with a stale resourceVersion is Conflict and changes nothing', async () => {
    const v1 = assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('stale', { data: { v: '1' } })), 201);
    const v2 = assertOk(await call(server.url, 'PUT', `${configMapsPath(NS)}/stale`, { ...v1, data: { v: '2' } }));
    const status = assertStatus(await call(server.url, 'PUT', `${configMapsPath(NS)}/stale`, { ...v1, data: { v: '3' } }), 409, 'Conflict');
    assert.equal(status.message, 'Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again');
    assert.equal(status.details.name, 'stale');
    assert.equal(status.details.kind, 'configmaps');
    const got = assertOk(await call(server.url, 'GET', `${configMapsPath(NS)}/stale`));
    assert.deepEqual(got.data, { v: '2' });
    assert.equal(got.metadata.resourceVersion, v2.metadata.resourceVersion);
  });

  test('a stale resourceVersion on a grouped kind names group and resource', async () => {
    const v1 = assertOk(await call(server.url, 'POST', deploymentsPath(NS), deployment('stale-deploy')), 201);
    assertOk(await call(server.url, 'PUT', `${deploymentsPath(NS)}/stale-deploy`, { ...v1, spec: { ...v1.spec, replicas: 2 } }));
    const status = assertStatus(await call(server.url, 'PUT', `${deploymentsPath(NS)}/stale-deploy`, { ...v1, spec: { ...v1.spec, replicas: 3 } }), 409, 'Conflict');
    assert.match(status.message, /^Operation cannot be fulfilled on deployments\.apps "stale-deploy": the object has been modified/);
    assert.equal(status.details.group, 'apps');
  });
});

describe('422 Invalid', () => {
  test('a pod without containers', async () => {
    const status = assertStatus(await call(server.url, 'POST', podsPath(NS), { metadata: { name: 'empty' }, spec: { containers: [] } }), 422, 'Invalid');
    assert.ok(causeFields(status).includes('spec.containers'), JSON.stringify(status));
    assert.match(status.message, /^Pod "empty" is invalid: /);
    assert.equal(status.details.kind, 'Pod');
    assert.equal(status.details.name, 'empty');
    const cause = status.details.causes.find((c: any) => c.field === 'spec.containers');
    assert.equal(cause.reason, 'FieldValueRequired');
  });

  test('a name that is not a DNS subdomain', async () => {
    const status = assertStatus(await call(server.url, 'POST', configMapsPath(NS), configMap('Bad_Name')), 422, 'Invalid');
    assert.deepEqual(causeFields(status), ['metadata.name']);
    assert.equal(status.details.causes[0].reason, 'FieldValueInvalid');
    assert.match(status.details.causes[0].message, /^Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/);
  });

  test('a deployment whose selector does not match its template labels', async () => {
    const body = deployment('mismatch');
    body.spec.template.metadata.labels = { app: 'other' };
    const status = assertStatus(await call(server.url, 'POST', deploymentsPath(NS), body), 422, 'Invalid');
    assert.ok(causeFields(status).includes('spec.template.metadata.labels'), JSON.stringify(status));
    assert.match(status.message, /^Deployment\.apps "mismatch" is invalid: .*`selector` does not match template `labels`/);
    assert.equal(status.details.group, 'apps');
    assert.equal(status.details.kind, 'Deployment');
  });

  test('several invalid fields give one cause each', async () => {
    const body = { metadata: { name: 'multi' }, spec: { containers: [{ name: 'Bad_Container', image: 'x' }], restartPolicy: 'Sometimes' } };
    const status = assertStatus(await call(server.url, 'POST', podsPath(NS), body), 422, 'Invalid');
    const fields = causeFields(status);
    assert.ok(fields.includes('spec.containers[0].name'), JSON.stringify(fields));
    assert.ok(fields.includes('spec.restartPolicy'), JSON.stringify(fields));
  });

  test('changing a deployment\'s selector on update', async () => {
    const created = assertOk(await call(server.url, 'POST', deploymentsPath(NS), deployment('immutable')), 201);
    const next = structuredClone(created);
    next.spec.selector.matchLabels = { app: 'immutable', extra: 'x' };
    next.spec.template.metadata.labels = { app: 'immutable', extra: 'x' };
    const status = assertStatus(await call(server.url, 'PUT', `${deploymentsPath(NS)}/immutable`, next), 422, 'Invalid');
    assert.ok(causeFields(status).includes('spec.selector'), JSON.stringify(status));
  });
});

describe('400 BadRequest', () => {
  test('a malformed JSON body is a 400, never a 500, on every verb that takes one', async () => {
    assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('target')), 201);
    const bodies = ['{"metadata":', '{', 'not json', '{"a":1}}', '\u0000\u0001'];
    for (const text of bodies) {
      assertStatus(await call(server.url, 'POST', configMapsPath(NS), text), 400, 'BadRequest');
      assertStatus(await call(server.url, 'PUT', `${configMapsPath(NS)}/target`, text), 400, 'BadRequest');
      assertStatus(await call(server.url, 'PATCH', `${configMapsPath(NS)}/target`, text, 'application/merge-patch+json'), 400, 'BadRequest');
      assertStatus(await call(server.url, 'PATCH', `${configMapsPath(NS)}/target`, text, 'application/json-patch+json'), 400, 'BadRequest');
      assertStatus(await call(server.url, 'PATCH', `${configMapsPath(NS)}/target`, text, 'application/strategic-merge-patch+json'), 400, 'BadRequest');
    }
  });

  test('JSON that is not an object, or no body at all', async () => {
    for (const text of ['[1,2]', 'null', '"x"', '42']) assertStatus(await call(server.url, 'POST', configMapsPath(NS), text), 400, 'BadRequest');
    assertStatus(await call(server.url, 'POST', configMapsPath(NS), ''), 400, 'BadRequest');
    assertStatus(await call(server.url, 'POST', configMapsPath(NS), '{"metadata":"x"}'), 400, 'BadRequest');
  });

  test('a JSON value of the wrong type cannot be decoded: 400 (kube: "cannot be handled as a ConfigMap")', async () => {
    const status = assertStatus(await call(server.url, 'POST', configMapsPath(NS), { metadata: { name: 'typed' }, data: { a: 1 } }), 400, 'BadRequest');
    assert.match(status.message, /^ConfigMap in version "v1" cannot be handled as a ConfigMap: /);
  });

  test('the name in the body must be the name in the URL', async () => {
    const created = assertOk(await call(server.url, 'POST', configMapsPath(NS), configMap('url-name')), 201);
    const status = assertStatus(await call(server.url, 'PUT', `${configMapsPath(NS)}/url-name`, { ...created, metadata: { ...created.metadata, name: 'other-name' } }), 400, 'BadRequest');
    assert.equal(status.message, 'the name of the object (other-name) does not match the name on the URL (url-name)');
  });

  test('apiVersion or kind that is not the resource\'s', async () => {
    assertStatus(await call(server.url, 'POST', configMapsPath(NS), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k' } }), 400, 'BadRequest');
    assertStatus(await call(server.url, 'POST', configMapsPath(NS), { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'k' } }), 400, 'BadRequest');
    assertStatus(await call(server.url, 'POST', deploymentsPath(NS), { ...deployment('k'), apiVersion: 'v1' }), 400, 'BadRequest');
    // Nothing was created.
    assertStatus(await call(server.url, 'GET', `${configMapsPath(NS)}/k`), 404, 'NotFound');
  });

  test('fieldValidation=Strict rejects unknown fields; the default (Warn) accepts with a Warning header', async () => {
    const strict = assertStatus(await call(server.url, 'POST', `${configMapsPath(NS)}?fieldValidation=Strict`, { ...configMap('strict'), bogus: 1 }), 400, 'BadRequest');
    assert.match(strict.message, /strict decoding error: unknown field "bogus"/);
    const warned = await call(server.url, 'POST', configMapsPath(NS), { ...configMap('warned'), bogus: 1 });
    assertOk(warned, 201);
    assert.match(String(warned.headers.warning), /^299 - "unknown field \\"bogus\\""/);
    assert.equal((warned.body as any).bogus, undefined, 'unknown fields are dropped');
  });

  test('a bad label selector and an unsupported field selector', async () => {
    for (const sel of ['a in (', 'a=b=c', '!', 'a notin b', 'x y']) {
      assertStatus(await call(server.url, 'GET', `${podsPath(NS)}?labelSelector=${encodeURIComponent(sel)}`), 400, 'BadRequest');
    }
    const status = assertStatus(await call(server.url, 'GET', `${podsPath(NS)}?fieldSelector=spec.foo%3Dbar`), 400, 'BadRequest');
    assert.equal(status.message, 'field label not supported: spec.foo');
    // status.phase is a pod field, not a configmap one.
    assertStatus(await call(server.url, 'GET', `${configMapsPath(NS)}?fieldSelector=status.phase%3DRunning`), 400, 'BadRequest');
  });
});

describe('405, 406, 413, 415', () => {
  test('405 MethodNotAllowed: POST to an object, PUT or PATCH on a collection', async () => {
    assertStatus(await call(server.url, 'POST', `${configMapsPath(NS)}/target`, configMap('target')), 405, 'MethodNotAllowed');
    assertStatus(await call(server.url, 'PUT', configMapsPath(NS), configMap('target')), 405, 'MethodNotAllowed');
    assertStatus(await call(server.url, 'PATCH', configMapsPath(NS), { data: {} }, 'application/merge-patch+json'), 405, 'MethodNotAllowed');
    // binding takes only create.
    assertOk(await call(server.url, 'POST', podsPath(NS), pod('bind-me')), 201);
    assertStatus(await call(server.url, 'GET', `${podsPath(NS)}/bind-me/binding`), 405, 'MethodNotAllowed');
  });

  test('415 UnsupportedMediaType: a text/plain body, an apply patch', async () => {
    assertStatus(await call(server.url, 'POST', configMapsPath(NS), 'name: x', 'text/plain'), 415, 'UnsupportedMediaType');
    assertStatus(await call(server.url, 'PATCH', `${configMapsPath(NS)}/target`, 'metadata: {labels: {a: b}}', 'application/apply-patch+yaml'), 415, 'UnsupportedMediaType');
    // A patch must use a patch media type.
    assertStatus(await call(server.url, 'PATCH', `${configMapsPath(NS)}/target`, { data: {} }, 'application/json'), 415, 'UnsupportedMediaType');
    const got = assertOk(await call(server.url, 'GET', `${configMapsPath(NS)}/target`));
    assert.equal(got.metadata.labels, undefined);
  });

  test('406 NotAcceptable: an Accept the server cannot produce', async () => {
    assertStatus(await call(server.url, 'GET', `${configMapsPath(NS)}/target`, undefined, 'application/json', { accept: 'application/xml' }), 406, 'NotAcceptable');
  });

  test('413 RequestEntityTooLarge: a body over 3 MiB', async () => {
    const big = configMap('big', { data: { blob: 'x'.repeat(3 * 1024 * 1024 + 10) } });
    const status = assertStatus(await call(server.url, 'POST', configMapsPath(NS), big), 413, 'RequestEntityTooLarge');
    assert.equal(status.message, 'Request entity too large: limit is 3145728');
    assertStatus(await call(server.url, 'GET', `${configMapsPath(NS)}/big`), 404, 'NotFound');
    // Just under the limit is fine for the transport (ConfigMap's own 1 MiB data limit aside).
  });
});

describe('403 Forbidden', () => {
  test('deleting the default namespace', async () => {
    const status = assertStatus(await call(server.url, 'DELETE', `${namespacesPath}/default`), 403, 'Forbidden');
    assert.equal(status.message, 'namespaces "default" is forbidden: this namespace may not be deleted');
    for (const ns of ['kube-system', 'kube-public']) assertStatus(await call(server.url, 'DELETE', `${namespacesPath}/${ns}`), 403, 'Forbidden');
    const got = assertOk(await call(server.url, 'GET', `${namespacesPath}/default`));
    assert.equal(got.status.phase, 'Active');
    assert.equal(got.metadata.deletionTimestamp, undefined);
  });

  test('creating in a terminating namespace', async () => {
    assertOk(await call(server.url, 'POST', namespacesPath, namespace('doomed')), 201);
    assertOk(await call(server.url, 'POST', configMapsPath('doomed'), configMap('before')), 201);
    assertOk(await call(server.url, 'DELETE', `${namespacesPath}/doomed`));
    const status = assertStatus(await call(server.url, 'POST', configMapsPath('doomed'), configMap('after')), 403, 'Forbidden');
    // NamespaceLifecycle admission: the forbidden resource is the one being created.
    assert.equal(status.message, 'configmaps "after" is forbidden: unable to create new content in namespace doomed because it is being terminated');
    assert.equal(status.details.kind, 'configmaps');
    assert.equal(status.details.name, 'after');
    // Updates of what is already there still work (the namespace controller needs them).
    const before = assertOk(await call(server.url, 'GET', `${configMapsPath('doomed')}/before`));
    assertOk(await call(server.url, 'PUT', `${configMapsPath('doomed')}/before`, { ...before, data: { k: 'v2' } }));
  });
});
