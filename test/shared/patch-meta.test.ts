import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { type FieldPatchMeta, type PatchMeta, fieldMeta, patchMetaFor } from '../../shared/patch/patch-meta.ts';

/** The metadata of the field at a dotted path, descending through `fields`. */
function metaAt(meta: PatchMeta | undefined, path: string): FieldPatchMeta | undefined {
  let field: FieldPatchMeta | undefined;
  let current = meta;
  for (const name of path.split('.')) {
    field = current && fieldMeta(current, name);
    current = field?.fields;
  }
  return field;
}

const meta = (apiVersion: string, kind: string) => {
  const m = patchMetaFor(apiVersion, kind);
  assert.ok(m, `${apiVersion} ${kind} has patch metadata`);
  return m;
};

describe('patchMetaFor', () => {
  test('every kind we serve has metadata with ObjectMeta lists', () => {
    const kinds: Array<[string, string]> = [
      ['v1', 'Pod'], ['v1', 'Node'], ['v1', 'Service'], ['v1', 'Endpoints'], ['v1', 'ConfigMap'], ['v1', 'Secret'],
      ['v1', 'Event'], ['v1', 'Namespace'], ['apps/v1', 'Deployment'], ['apps/v1', 'ReplicaSet'], ['apps/v1', 'DaemonSet'],
      ['batch/v1', 'Job'], ['coordination.k8s.io/v1', 'Lease'], ['discovery.k8s.io/v1', 'EndpointSlice'],
    ];
    for (const [apiVersion, kind] of kinds) {
      const m = meta(apiVersion, kind);
      assert.deepEqual(metaAt(m, 'metadata.ownerReferences'), { strategy: 'merge', mergeKey: 'uid' }, kind);
      assert.deepEqual(metaAt(m, 'metadata.finalizers'), { strategy: 'merge' }, kind);
      assert.equal(metaAt(m, 'metadata.labels'), undefined, kind);
    }
  });

  test('kinds without Go types (custom resources) and unknown versions have none', () => {
    assert.equal(patchMetaFor('example.com/v1', 'Widget'), undefined);
    assert.equal(patchMetaFor('apps/v1beta1', 'Deployment'), undefined);
    assert.equal(patchMetaFor('v1', 'toString'), undefined);
    assert.equal(patchMetaFor('__proto__', 'Pod'), undefined);
  });
});

describe('pod spec lists', () => {
  const pod = () => meta('v1', 'Pod');

  test('containers merge by name, and so do their env; ports by containerPort; mounts by mountPath', () => {
    for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
      assert.equal(metaAt(pod(), `spec.${list}`)?.mergeKey, 'name', list);
      assert.deepEqual(metaAt(pod(), `spec.${list}.env`), { strategy: 'merge', mergeKey: 'name' });
      assert.deepEqual(metaAt(pod(), `spec.${list}.ports`), { strategy: 'merge', mergeKey: 'containerPort' });
      assert.deepEqual(metaAt(pod(), `spec.${list}.volumeMounts`), { strategy: 'merge', mergeKey: 'mountPath' });
      assert.deepEqual(metaAt(pod(), `spec.${list}.volumeDevices`), { strategy: 'merge', mergeKey: 'devicePath' });
      assert.equal(metaAt(pod(), `spec.${list}.envFrom`), undefined);
    }
  });

  test('volumes merge by name and retain keys; tolerations have no strategy', () => {
    assert.deepEqual(metaAt(pod(), 'spec.volumes'), { strategy: 'merge,retainKeys', mergeKey: 'name' });
    assert.deepEqual(metaAt(pod(), 'spec.imagePullSecrets'), { strategy: 'merge', mergeKey: 'name' });
    assert.deepEqual(metaAt(pod(), 'spec.hostAliases'), { strategy: 'merge', mergeKey: 'ip' });
    assert.deepEqual(metaAt(pod(), 'spec.topologySpreadConstraints'), { strategy: 'merge', mergeKey: 'topologyKey' });
    assert.equal(metaAt(pod(), 'spec.tolerations'), undefined);
    assert.equal(metaAt(pod(), 'spec.readinessGates'), undefined);
  });

  test('pod status: conditions by type, IPs by ip, container statuses replaced', () => {
    assert.deepEqual(metaAt(pod(), 'status.conditions'), { strategy: 'merge', mergeKey: 'type' });
    assert.deepEqual(metaAt(pod(), 'status.podIPs'), { strategy: 'merge', mergeKey: 'ip' });
    assert.deepEqual(metaAt(pod(), 'status.hostIPs'), { strategy: 'merge', mergeKey: 'ip' });
    assert.equal(metaAt(pod(), 'status.containerStatuses'), undefined);
    assert.equal(metaAt(pod(), 'status.initContainerStatuses'), undefined);
  });

  test('workload templates reuse the pod spec table', () => {
    const podSpec = metaAt(pod(), 'spec')?.fields;
    for (const [apiVersion, kind] of [['apps/v1', 'Deployment'], ['apps/v1', 'ReplicaSet'], ['apps/v1', 'DaemonSet'], ['batch/v1', 'Job']]) {
      const m = meta(apiVersion, kind);
      assert.equal(metaAt(m, 'spec.template.spec')?.fields, podSpec, kind);
      assert.equal(metaAt(m, 'spec.template.spec.containers.env')?.mergeKey, 'name', kind);
      assert.equal(metaAt(m, 'spec.template.metadata.finalizers')?.strategy, 'merge', kind);
      assert.deepEqual(metaAt(m, 'status.conditions'), { strategy: 'merge', mergeKey: 'type' }, kind);
    }
    assert.deepEqual(metaAt(meta('apps/v1', 'Deployment'), 'spec.strategy'), { strategy: 'retainKeys' });
    assert.equal(metaAt(meta('apps/v1', 'DaemonSet'), 'spec.updateStrategy'), undefined);
  });
});

describe('other kinds', () => {
  test('node: conditions and addresses by type, podCIDRs a merged set, taints replaced', () => {
    const node = meta('v1', 'Node');
    assert.deepEqual(metaAt(node, 'status.conditions'), { strategy: 'merge', mergeKey: 'type' });
    assert.deepEqual(metaAt(node, 'status.addresses'), { strategy: 'merge', mergeKey: 'type' });
    assert.deepEqual(metaAt(node, 'spec.podCIDRs'), { strategy: 'merge' });
    assert.equal(metaAt(node, 'spec.taints'), undefined);
    assert.equal(metaAt(node, 'status.images'), undefined);
  });

  test('service ports by port; namespace conditions by type; endpoints and slices replace their lists', () => {
    assert.deepEqual(metaAt(meta('v1', 'Service'), 'spec.ports'), { strategy: 'merge', mergeKey: 'port' });
    assert.deepEqual(metaAt(meta('v1', 'Service'), 'status.conditions'), { strategy: 'merge', mergeKey: 'type' });
    assert.deepEqual(metaAt(meta('v1', 'Namespace'), 'status.conditions'), { strategy: 'merge', mergeKey: 'type' });
    assert.equal(metaAt(meta('v1', 'Namespace'), 'spec.finalizers'), undefined);
    assert.equal(metaAt(meta('v1', 'Endpoints'), 'subsets'), undefined);
    assert.equal(metaAt(meta('discovery.k8s.io/v1', 'EndpointSlice'), 'endpoints'), undefined);
  });
});
