import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../shared/api/registry.ts';
import { unknownFields, validateObject } from '../../shared/api/validation.ts';

function check(type: Parameters<typeof validateObject>[0], input: Record<string, unknown>): string[] {
  const result = validateObject(type, input);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.causes));
  return unknownFields(input, result.value);
}

describe('unknownFields', () => {
  test('reports dropped keys with their paths', () => {
    const fields = check(resources.deployments, {
      apiVersion: 'apps/v1', kind: 'Deployment', bogus: true,
      metadata: { name: 'web', namespace: 'default', lables: { a: 'b' } },
      spec: {
        replica: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'Always', ports: [{ containerPort: 80, nmae: 'http' }] }] } },
      },
    });
    assert.deepEqual(fields, ['bogus', 'metadata.lables', 'spec.replica', 'spec.template.spec.containers[0].ports[0].nmae']);
  });

  test('maps and preserved subtrees are not reported', () => {
    const fields = check(resources.pods, {
      metadata: { name: 'p', namespace: 'default', labels: { anything: 'goes' }, annotations: { 'x/y': 'z' }, managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }] },
      spec: {
        containers: [{ name: 'c', image: 'nginx', securityContext: { runAsUser: 1000, capabilities: { add: ['NET_ADMIN'] } } }],
        securityContext: { fsGroup: 2000 },
        volumes: [{ name: 'n', nfs: { server: 'nfs', path: '/' } }],
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] } },
        nodeSelector: { disk: 'ssd' },
      },
    });
    assert.deepEqual(fields, []);
  });

  test('null values and fields removed by defaulting are known', () => {
    assert.deepEqual(check(resources.secrets, { metadata: { name: 's', namespace: 'd', creationTimestamp: null }, stringData: { a: 'b' } }), []);
    assert.deepEqual(check(resources.services, { metadata: { name: 's', namespace: 'd' }, spec: { ports: [{ port: 80 }], sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } } }), []);
  });
});
