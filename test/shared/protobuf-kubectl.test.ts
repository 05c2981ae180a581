// Golden check against Go itself: the real kubectl POSTs protobuf to a capturing server, and the decoded body must
// equal, exactly, the JSON kubectl renders for the same command (`--dry-run=client -o json`), with Go's nulls
// left out (the decoder's one documented difference).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeKubernetesProtobuf } from '../../shared/protobuf/decode.ts';

const kubectlMissing = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status !== 0;

const withoutNulls = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)]));
  return v;
};

describe('protobuf bodies from the real kubectl decode to its own JSON', { skip: kubectlMissing ? 'kubectl is not on PATH' : false }, () => {
  let server: Server;
  let url: string;
  let workDir: string;
  const captured: Buffer[] = [];

  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'k8ts-pb-golden-'));
    writeFileSync(join(workDir, 'blob.bin'), Buffer.from([0, 1, 2, 0xfe, 0xff]));
    writeFileSync(join(workDir, 'app.env'), 'MODE=prod\nLEVEL=3\n');
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.method === 'POST' && req.headers['content-type'] === 'application/vnd.kubernetes.protobuf') {
          captured.push(body);
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(decodeKubernetesProtobuf(body).object));
          return;
        }
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const kubectl = (args: string[]) => new Promise<string>((resolve, reject) => {
    const child = spawn('kubectl', ['--server', url, ...args], { env: { ...process.env, KUBECONFIG: join(workDir, 'no-kubeconfig') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`kubectl ${args.join(' ')} exited ${code}:\n${stderr}`))));
  });

  async function golden(args: string[]) {
    const dashes = args.indexOf('--');
    const withFlags = (flags: string[]) => (dashes < 0 ? [...args, ...flags] : [...args.slice(0, dashes), ...flags, ...args.slice(dashes)]);
    const rendered = JSON.parse(await kubectl(withFlags(['-n', 'ns1', '--dry-run=client', '-o', 'json'])));
    captured.length = 0;
    await kubectl(withFlags(['-n', 'ns1']));
    assert.equal(captured.length, 1, `kubectl ${args.join(' ')} sent ${captured.length} protobuf bodies`);
    assert.deepEqual(decodeKubernetesProtobuf(captured[0]).object, withoutNulls(rendered));
  }

  const cases: string[][] = [
    ['create', 'configmap', 'c1', '--from-literal=a=b', '--from-file=bin=BLOB'],
    ['create', 'configmap', 'c2', '--from-env-file=ENV'],
    ['create', 'secret', 'generic', 's1', '--from-literal=user=admin', '--type=Opaque'],
    ['create', 'secret', 'docker-registry', 'reg', '--docker-username=u', '--docker-password=p', '--docker-email=e@x.io'],
    ['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3', '--port=8080'],
    ['create', 'deployment', 'zero', '--image=busybox', '--replicas=0', '--', 'sh', '-c', 'sleep 1'],
    ['create', 'namespace', 'x'],
    ['create', 'service', 'clusterip', 's', '--tcp=80:8080', '--tcp=443:https'],
    ['create', 'service', 'nodeport', 'np', '--tcp=5678:8080', '--node-port=30080'],
    ['create', 'service', 'loadbalancer', 'lb', '--tcp=80'],
    ['create', 'service', 'externalname', 'ex', '--external-name=example.com', '--tcp=80'],
    ['create', 'job', 'j', '--image=busybox', '--', 'echo', 'hi'],
  ];
  for (const args of cases) {
    test(args.join(' '), async () => {
      await golden(args.map((a) => a.replace('BLOB', join(workDir, 'blob.bin')).replace('ENV', join(workDir, 'app.env'))));
    });
  }
});
