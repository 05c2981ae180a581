// The real kubectl's `create` subcommands POST protobuf (client-go's typed clientset). Each object created that
// way must equal what kubectl renders client-side (`--dry-run=client -o json`), and equal the same object sent
// as JSON (`kubectl create -f`), apart from its identity (uid, resourceVersion, timestamps).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';

const kubectlMissing = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status !== 0;
const PROTOBUF_REQUEST = 'Content-Type: application/vnd.kubernetes.protobuf';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every value kubectl rendered is in the stored object; `null` and `{}` stand for "unset" (the server may drop them). */
function assertContains(actual: unknown, expected: unknown, path = ''): void {
  if (expected === null) return;
  if (isObject(expected)) {
    if (Object.keys(expected).length === 0 && actual === undefined) return;
    assert.ok(isObject(actual), `${path}: expected an object, got ${JSON.stringify(actual)}`);
    for (const [k, v] of Object.entries(expected)) assertContains(actual[k], v, `${path}.${k}`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    expected.forEach((v, i) => assertContains(actual[i], v, `${path}[${i}]`));
    return;
  }
  assert.deepEqual(actual, expected, path);
}

/**
 * The object without what differs between two creations of it: identity, times, its namespace and (for
 * namespaces) name, and what the server allocates afresh each time (a Service's ClusterIPs and NodePorts).
 */
function identityFree(object: Json): unknown {
  const metadata = object.metadata as Json;
  const placeholders = new Map<unknown, string>([[metadata.uid, '<uid>'], [metadata.name, '<name>']]);
  const spec = isObject(object.spec) ? object.spec : {};
  if (typeof spec.clusterIP === 'string' && spec.clusterIP !== 'None') placeholders.set(spec.clusterIP, '<clusterIP>');
  for (const port of Array.isArray(spec.ports) ? spec.ports : []) if (isObject(port) && port.nodePort !== undefined) placeholders.set(port.nodePort, '<nodePort>');
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return placeholders.get(v) ?? v;
  };
  const { uid, resourceVersion, creationTimestamp, namespace, managedFields, ...rest } = metadata;
  return walk({ ...object, metadata: rest });
}

describe('kubectl create sends protobuf, the server stores what JSON would have given', { skip: kubectlMissing ? 'kubectl is not on PATH' : false }, () => {
  let server: ApiServerProcess;
  let workDir: string;

  const kubectl = (args: string[], input?: string) => new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('kubectl', ['--server', server.url, ...args], { env: { ...process.env, KUBECONFIG: join(workDir, 'no-kubeconfig') } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`kubectl ${args.join(' ')} exited ${code}:\n${stderr}`))));
    child.stdin.end(input ?? '');
  });

  before(async () => {
    server = await startApiServer();
    workDir = mkdtempSync(join(tmpdir(), 'k8ts-kubectl-pb-'));
    writeFileSync(join(workDir, 'blob.bin'), Buffer.from([0, 1, 2, 0xfe, 0xff, 0x80]));
    for (const ns of ['pb', 'js']) await kubectl(['create', 'namespace', ns]);
  });
  after(async () => {
    await server?.cleanup();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  /** Creates via protobuf in `pb` and via JSON in `js`, and compares. `resource` is what `kubectl get` takes. */
  async function check(args: string[], resource: string, namespaced = true) {
    const ns = (n: string) => (namespaced ? ['-n', n] : []);
    // Flags go before a `--` (after it comes the container command).
    const dashes = args.indexOf('--');
    const withFlags = (flags: string[]) => (dashes < 0 ? [...args, ...flags] : [...args.slice(0, dashes), ...flags, ...args.slice(dashes)]);
    const rendered = JSON.parse((await kubectl(withFlags([...ns('pb'), '--dry-run=client', '-o', 'json']))).stdout) as Json;

    const created = await kubectl(withFlags([...ns('pb'), '-v=8']));
    assert.ok(created.stderr.includes(PROTOBUF_REQUEST), `kubectl ${args.join(' ')} did not send protobuf`);
    const viaProtobuf = JSON.parse((await kubectl(['get', resource, ...ns('pb'), '-o', 'json'])).stdout) as Json;
    assertContains(viaProtobuf, rendered);

    const asJson = structuredClone(rendered) as { metadata: Json };
    if (namespaced) asJson.metadata.namespace = 'js';
    else asJson.metadata.name = `${asJson.metadata.name}-json`;
    const sentAsJson = await kubectl(['create', '-f', '-', '-v=8'], JSON.stringify(asJson));
    assert.ok(!sentAsJson.stderr.includes(PROTOBUF_REQUEST), 'kubectl create -f is expected to send JSON');
    const jsonResource = namespaced ? resource : `${resource}-json`;
    const viaJson = JSON.parse((await kubectl(['get', jsonResource, ...ns('js'), '-o', 'json'])).stdout) as Json;
    assert.deepEqual(identityFree(viaProtobuf), identityFree(viaJson));
  }

  test('create configmap: data and binaryData', async () => {
    await check(['create', 'configmap', 'c1', '--from-literal=a=b', '--from-literal=z=multi\nline', `--from-file=bin=${join(workDir, 'blob.bin')}`], 'configmap/c1');
  });

  test('create secret generic and docker-registry: bytes data, type', async () => {
    await check(['create', 'secret', 'generic', 's1', '--from-literal=user=admin', '--from-literal=password=s3cr3t!'], 'secret/s1');
    await check(['create', 'secret', 'docker-registry', 'reg', '--docker-username=u', '--docker-password=p', '--docker-server=example.com'], 'secret/reg');
  });

  test('create deployment: replicas, ports, template, strategy', async () => {
    await check(['create', 'deployment', 'web', '--image=nginx', '--replicas=2', '--port=80'], 'deployment/web');
    await check(['create', 'deployment', 'zero', '--image=busybox', '--replicas=0', '--', 'sleep', '3600'], 'deployment/zero');
    await check(['create', 'deployment', 'multi', '--image=nginx', '--image=redis'], 'deployment/multi');
  });

  test('create service: clusterip with IntOrString targetPort, nodeport, headless, externalname', async () => {
    await check(['create', 'service', 'clusterip', 's', '--tcp=80:8080', '--tcp=443:8443'], 'service/s');
    await check(['create', 'service', 'nodeport', 'np', '--tcp=5678:8080'], 'service/np');
    await check(['create', 'service', 'clusterip', 'h', '--clusterip=None'], 'service/h');
    await check(['create', 'service', 'externalname', 'ex', '--external-name=example.com'], 'service/ex');
  });

  test('create job: command and restartPolicy', async () => {
    await check(['create', 'job', 'j', '--image=busybox', '--', 'echo', 'hi'], 'job/j');
  });

  test('create namespace', async () => {
    await check(['create', 'namespace', 'proto-ns'], 'namespace/proto-ns', false);
  });

  test('a malformed protobuf body is a 400 BadRequest Status', async () => {
    const res = await fetch(`${server.url}/api/v1/namespaces/pb/configmaps`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.kubernetes.protobuf' }, body: Buffer.from('not protobuf'),
    });
    assert.equal(res.status, 400);
    const status = await res.json() as Json;
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'BadRequest');
    assert.match(String(status.message), /could not be decoded as protobuf: provided data does not appear to be a protobuf message/);
  });
});
