// The real kubectl against Service allocation: kubectl create service with requested node ports and
// ClusterIPs (and kube's refusals, word for word), kubectl apply of a manifest without a clusterIP
// twice (unchanged: the allocated values are kept), the CLUSTER-IP and PORT(S) columns, and a patch
// that tries to move the ClusterIP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { kubectlFor, kubectlMissing, type Kubectl } from '../helpers/kubectl.ts';

let server: ApiServerProcess;
let kubectl: Kubectl;
before(async () => {
  if (kubectlMissing) return;
  server = await startApiServer();
  kubectl = kubectlFor(server.url);
});
after(async () => { await server?.cleanup(); });

test('kubectl create service, apply, get and patch with allocated ClusterIPs and NodePorts', { skip: kubectlMissing }, async () => {
  assert.equal(await kubectl.run('create', 'service', 'nodeport', 'web', '--tcp=80:8080', '--node-port=30555'), 'service/web created\n');
  const taken = await kubectl.tryRun('create', 'service', 'nodeport', 'web2', '--tcp=80:8080', '--node-port=30555');
  assert.equal(taken.code, 1);
  assert.equal(taken.stderr, 'error: failed to create NodePort service: Service "web2" is invalid: spec.ports[0].nodePort: Invalid value: 30555: provided port is already allocated\n');

  assert.equal(await kubectl.run('create', 'service', 'clusterip', 'fixed', '--tcp=80:8080', '--clusterip=127.96.0.10'), 'service/fixed created\n');
  const again = await kubectl.tryRun('create', 'service', 'clusterip', 'fixed2', '--tcp=80:8080', '--clusterip=127.96.0.10');
  assert.equal(again.stderr, 'error: failed to create ClusterIP service: Service "fixed2" is invalid: spec.clusterIPs: Invalid value: []string{"127.96.0.10"}: failed to allocate IP 127.96.0.10: provided IP is already allocated\n');
  const outside = await kubectl.tryRun('create', 'service', 'clusterip', 'outside', '--tcp=80:8080', '--clusterip=10.0.0.1');
  assert.equal(outside.stderr, 'error: failed to create ClusterIP service: Service "outside" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.1"}: failed to allocate IP 10.0.0.1: the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 127.96.0.0/12\n');
  assert.equal(await kubectl.run('create', 'service', 'clusterip', 'headless', '--clusterip=None'), 'service/headless created\n');

  const manifest = join(mkdtempSync(join(tmpdir(), 'k8ts-svc-')), 'svc.yaml');
  writeFileSync(manifest, 'apiVersion: v1\nkind: Service\nmetadata: {name: applied}\nspec:\n  type: NodePort\n  selector: {app: x}\n  ports: [{name: http, port: 80, targetPort: 8080}]\n');
  assert.equal(await kubectl.run('apply', '-f', manifest), 'service/applied created\n');
  assert.equal(await kubectl.run('apply', '-f', manifest), 'service/applied unchanged\n');

  const table = await kubectl.run('get', 'svc', 'fixed', 'headless', 'web');
  assert.match(table, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n/);
  assert.match(table, /\nfixed\s+ClusterIP\s+127\.96\.0\.10\s+<none>\s+80\/TCP\s/);
  assert.match(table, /\nheadless\s+ClusterIP\s+None\s+<none>\s+<none>\s/);
  assert.match(table, /\nweb\s+NodePort\s+127\.(9[6-9]|10\d|11[01])\.\d+\.\d+\s+<none>\s+80:30555\/TCP\s/);

  const moved = await kubectl.tryRun('patch', 'svc', 'fixed', '-p', '{"spec":{"clusterIP":"127.96.0.11"}}');
  assert.equal(moved.code, 1);
  assert.equal(moved.stderr, 'The Service "fixed" is invalid: spec.clusterIPs[0]: Invalid value: []string{"127.96.0.11"}: may not change once set\n');
  assert.equal(await kubectl.run('patch', 'svc', 'fixed', '-p', '{"spec":{"type":"NodePort"}}'), 'service/fixed patched\n');
  assert.match(await kubectl.run('get', 'svc', 'fixed', '--no-headers'), /^fixed\s+NodePort\s+127\.96\.0\.10\s+<none>\s+80:3\d{4}\/TCP\s/);
});
