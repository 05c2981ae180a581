// Runs the real kubectl against a test server. Tests that need it skip, saying why, when it is absent.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const kubectlMissing: string | false = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0
  ? false
  : 'SKIPPED: kubectl is not on PATH (install kubectl v1.32 to run the kubectl compatibility tests)';
if (kubectlMissing) console.error(kubectlMissing);

export interface Kubectl {
  kubeconfig: string;
  /** Runs kubectl; resolves with stdout, rejects with stderr on a non-zero exit. */
  run(...args: string[]): Promise<string>;
  /** Runs kubectl and returns exit code, stdout and stderr without throwing. */
  tryRun(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Starts a long-running kubectl (e.g. `get -w`); its stdout accumulates in `output`. */
  start(...args: string[]): { output: () => string; stop: () => void };
}

export function kubectlFor(serverUrl: string, namespace = 'default'): Kubectl {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-kubectl-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, [
    'apiVersion: v1', 'kind: Config',
    `clusters: [{name: k8ts, cluster: {server: "${serverUrl}"}}]`,
    'users: [{name: k8ts, user: {}}]',
    `contexts: [{name: k8ts, context: {cluster: k8ts, user: k8ts, namespace: ${namespace}}}]`,
    'current-context: k8ts', '',
  ].join('\n'));
  // A private cache dir so discovery and OpenAPI caches from other servers never leak in.
  const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'cache') };
  const tryRun = (...args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('kubectl', args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
  return {
    kubeconfig,
    tryRun,
    async run(...args) {
      const r = await tryRun(...args);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
    start(...args) {
      const child = spawn('kubectl', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { out += d; });
      return { output: () => out, stop: () => child.kill('SIGTERM') };
    },
  };
}

/** Polls `check` until it is true (for output of a long-running kubectl); rejects after timeoutMs. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
