// Finding the API server: --master (a comma-separated list here) wins over the kubeconfig's current
// context, whose cluster server is used otherwise; TLS and credentials in the file are read past.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiServersFrom, parseKubeconfig } from '../../shared/client/kubeconfig.ts';

const KUBECONFIG = `
apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: AAAA}
- name: k8ts
  cluster: {server: "http://127.0.0.1:8080/"}
users: [{name: k8ts, user: {token: secret}}]
contexts:
- {name: prod, context: {cluster: other, user: k8ts}}
- {name: local, context: {cluster: k8ts, user: k8ts, namespace: team-a}}
current-context: local
`;

describe('kubeconfig', () => {
  test('the current context selects the cluster server and namespace', () => {
    assert.deepEqual(parseKubeconfig(KUBECONFIG), { context: 'local', server: 'http://127.0.0.1:8080', namespace: 'team-a' });
    assert.deepEqual(parseKubeconfig(KUBECONFIG.replace('current-context: local', 'current-context: prod')),
      { context: 'prod', server: 'https://10.0.0.1:6443', namespace: undefined });
  });

  test('explains what is missing', () => {
    assert.throws(() => parseKubeconfig('apiVersion: v1\nkind: Config\n', 'f.yaml'), /f\.yaml: no current-context is set/);
    assert.throws(() => parseKubeconfig(KUBECONFIG.replace('current-context: local', 'current-context: gone')), /context "gone" does not exist/);
    assert.throws(() => parseKubeconfig(KUBECONFIG.replace('cluster: k8ts, user', 'cluster: nope, user')), /cluster "nope" of context "local" does not exist/);
  });

  test('--master wins and may list several servers; otherwise --kubeconfig; otherwise nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-kubeconfig-'));
    try {
      const file = join(dir, 'config');
      writeFileSync(file, KUBECONFIG);
      assert.deepEqual(apiServersFrom({ kubeconfig: file }), ['http://127.0.0.1:8080']);
      assert.deepEqual(apiServersFrom({ master: 'http://a:1, http://b:2/', kubeconfig: file }), ['http://a:1', 'http://b:2']);
      assert.deepEqual(apiServersFrom({ master: '', kubeconfig: '' }), []);
      assert.throws(() => apiServersFrom({ kubeconfig: join(dir, 'missing') }), /ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
