// The descriptor tables: the notation parses, every message they reach is described, every top-level kind
// has a message, and a sample of fields matches k8s.io/api's generated.proto and types.go.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MESSAGES, messageDescriptor, messageForKind, parseField } from '../../shared/protobuf/descriptors.ts';

describe('protobuf descriptors', () => {
  test('the notation: pointers, slices, maps, qualified messages, options', () => {
    assert.deepEqual(parseField('1 replicas *int32 omitempty', 'apps.v1.DeploymentSpec'),
      { number: 1, name: 'replicas', omitEmpty: true, inline: false, cardinality: 'pointer', value: { scalar: 'int32' } });
    assert.deepEqual(parseField('2 containers []Container', 'core.v1.PodSpec'),
      { number: 2, name: 'containers', omitEmpty: false, inline: false, cardinality: 'repeated', value: { message: 'core.v1.Container' } });
    assert.deepEqual(parseField('1 limits map[string]resource.Quantity omitempty', 'core.v1.ResourceRequirements'),
      { number: 1, name: 'limits', omitEmpty: true, inline: false, cardinality: 'map', mapKey: 'string', value: { message: 'resource.Quantity' } });
    assert.deepEqual(parseField('2 volumeSource VolumeSource inline', 'core.v1.Volume'),
      { number: 2, name: 'volumeSource', omitEmpty: false, inline: true, cardinality: 'single', value: { message: 'core.v1.VolumeSource' } });
    assert.throws(() => parseField('0 x string', 'm.M'), /bad field/);
    assert.throws(() => parseField('1 x string sometimes', 'm.M'), /bad option/);
  });

  test('every referenced message is described', () => {
    for (const m of MESSAGES.values()) {
      for (const f of m.fields) if ('message' in f.value) assert.ok(MESSAGES.has(f.value.message), `${m.name}.${f.name} -> ${f.value.message}`);
    }
    assert.ok(MESSAGES.size > 200);
  });

  test('top-level kinds map to their messages', () => {
    const kinds: Array<[string, string, string]> = [
      ['v1', 'Namespace', 'core.v1.Namespace'], ['v1', 'Node', 'core.v1.Node'], ['v1', 'Pod', 'core.v1.Pod'],
      ['v1', 'Service', 'core.v1.Service'], ['v1', 'Endpoints', 'core.v1.Endpoints'], ['v1', 'ConfigMap', 'core.v1.ConfigMap'],
      ['v1', 'Secret', 'core.v1.Secret'], ['v1', 'Event', 'core.v1.Event'], ['v1', 'Binding', 'core.v1.Binding'],
      ['apps/v1', 'Deployment', 'apps.v1.Deployment'], ['apps/v1', 'ReplicaSet', 'apps.v1.ReplicaSet'], ['apps/v1', 'DaemonSet', 'apps.v1.DaemonSet'],
      ['batch/v1', 'Job', 'batch.v1.Job'], ['coordination.k8s.io/v1', 'Lease', 'coordination.v1.Lease'],
      ['discovery.k8s.io/v1', 'EndpointSlice', 'discovery.v1.EndpointSlice'], ['autoscaling/v1', 'Scale', 'autoscaling.v1.Scale'],
      ['meta.k8s.io/v1', 'DeleteOptions', 'meta.v1.DeleteOptions'], ['v1', 'DeleteOptions', 'meta.v1.DeleteOptions'],
    ];
    for (const [apiVersion, kind, message] of kinds) {
      assert.equal(messageForKind(apiVersion, kind), message);
      assert.ok(MESSAGES.has(message), message);
    }
    assert.equal(messageForKind('v1', 'Deployment'), undefined);
  });

  test('a sample of field numbers and JSON options from generated.proto and types.go', () => {
    const field = (message: string, number: number) => messageDescriptor(message).byNumber.get(number);
    assert.equal(field('meta.v1.ObjectMeta', 17)?.name, 'managedFields');
    assert.equal(field('meta.v1.OwnerReference', 5)?.name, 'apiVersion');
    assert.equal(field('core.v1.PodSpec', 2)?.name, 'containers');
    assert.equal(field('core.v1.PodSpec', 34)?.name, 'ephemeralContainers');
    assert.equal(field('core.v1.Container', 19)?.name, 'envFrom');
    assert.equal(field('core.v1.VolumeSource', 19)?.name, 'configMap');
    assert.equal(field('core.v1.ConfigMap', 4)?.name, 'immutable');
    assert.equal(field('core.v1.Secret', 4)?.name, 'stringData');
    assert.deepEqual(field('core.v1.ServicePort', 4)?.value, { message: 'intstr.IntOrString' });
    assert.equal(field('core.v1.ServicePort', 3)?.omitEmpty, false); // json:"port"
    assert.equal(field('core.v1.ServicePort', 5)?.omitEmpty, true); // json:"nodePort,omitempty"
    assert.equal(field('apps.v1.DeploymentSpec', 1)?.cardinality, 'pointer'); // Replicas *int32
    assert.equal(field('apps.v1.DeploymentSpec', 9)?.name, 'progressDeadlineSeconds');
    assert.equal(field('batch.v1.JobSpec', 6)?.name, 'template');
    assert.equal(field('discovery.v1.EndpointSlice', 4)?.name, 'addressType');
    assert.equal(field('coordination.v1.LeaseSpec', 4)?.name, 'renewTime');
    assert.deepEqual(field('coordination.v1.LeaseSpec', 4)?.value, { message: 'meta.v1.MicroTime' });
  });
});
