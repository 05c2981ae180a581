import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { findByCategory, findByKind, findByName, findByResource, resources, resourceTypes } from '../../shared/api/registry.ts';
import { apiVersionOf } from '../../shared/api/resource-type.ts';

describe('resource registry', () => {
  test('every kind with its real names and scope', () => {
    const table = Object.fromEntries(resourceTypes.map((t) => [t.plural, [apiVersionOf(t), t.kind, t.listKind, t.singular, t.shortNames.join(','), t.namespaced]]));
    assert.deepEqual(table, {
      namespaces: ['v1', 'Namespace', 'NamespaceList', 'namespace', 'ns', false],
      nodes: ['v1', 'Node', 'NodeList', 'node', 'no', false],
      pods: ['v1', 'Pod', 'PodList', 'pod', 'po', true],
      services: ['v1', 'Service', 'ServiceList', 'service', 'svc', true],
      endpoints: ['v1', 'Endpoints', 'EndpointsList', 'endpoints', 'ep', true],
      configmaps: ['v1', 'ConfigMap', 'ConfigMapList', 'configmap', 'cm', true],
      secrets: ['v1', 'Secret', 'SecretList', 'secret', '', true],
      events: ['v1', 'Event', 'EventList', 'event', 'ev', true],
      deployments: ['apps/v1', 'Deployment', 'DeploymentList', 'deployment', 'deploy', true],
      replicasets: ['apps/v1', 'ReplicaSet', 'ReplicaSetList', 'replicaset', 'rs', true],
      daemonsets: ['apps/v1', 'DaemonSet', 'DaemonSetList', 'daemonset', 'ds', true],
      jobs: ['batch/v1', 'Job', 'JobList', 'job', '', true],
      leases: ['coordination.k8s.io/v1', 'Lease', 'LeaseList', 'lease', '', true],
      endpointslices: ['discovery.k8s.io/v1', 'EndpointSlice', 'EndpointSliceList', 'endpointslice', '', true],
    });
  });

  test('categories, name rules and subresources', () => {
    assert.deepEqual(findByCategory('all').map((t) => t.plural).sort(), ['daemonsets', 'deployments', 'jobs', 'pods', 'replicasets', 'services']);
    assert.equal(resources.namespaces.nameRule, 'dns1123-label');
    assert.equal(resources.services.nameRule, 'dns1123-label');
    assert.equal(resources.pods.nameRule, 'dns1123-subdomain');
    assert.deepEqual(resources.pods.subresources, ['status', 'binding', 'log']);
    assert.deepEqual(resources.deployments.subresources, ['status', 'scale']);
    assert.deepEqual(resources.replicasets.subresources, ['status', 'scale']);
    assert.deepEqual(resources.configmaps.subresources, []);
  });

  test('lookups', () => {
    assert.equal(findByResource('apps', 'v1', 'deployments'), resources.deployments);
    assert.equal(findByResource('', 'v1', 'deployments'), undefined);
    assert.equal(findByKind('v1', 'Pod'), resources.pods);
    assert.equal(findByKind('coordination.k8s.io/v1', 'Lease'), resources.leases);
    assert.equal(findByKind('apps/v1', 'Pod'), undefined);
    for (const name of ['po', 'pod', 'pods', 'Pod', 'PODS']) assert.equal(findByName(name), resources.pods, name);
    for (const name of ['deploy', 'deployments.apps', 'deployment.apps', 'deployments.v1.apps', 'deploy.apps']) assert.equal(findByName(name), resources.deployments, name);
    assert.equal(findByName('ep'), resources.endpoints);
    assert.equal(findByName('endpointslices.discovery.k8s.io'), resources.endpointslices);
    assert.equal(findByName('deployments.batch'), undefined);
    assert.equal(findByName('nothing'), undefined);
  });
});
