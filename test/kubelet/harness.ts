// What the kubelet tests share: a real API server, the kubelet as a real process
// (`node --import tsx kubelet/main.ts ...`), typed clients, and polling helpers. Each test file uses
// its own node IPs and pod CIDR (127.1.<n>.x and 127.64.<n>.0/24) so files can run side by side.
import { request } from 'undici';
import type { PodInput } from '../../shared/api/pod.ts';
import { resources } from '../../shared/api/registry.ts';
import { ApiClient } from '../../shared/client/api-client.ts';
import { ResourceClient, type ObjectOf } from '../../shared/client/resource-client.ts';
import { startApiServer, type ApiServerProcess } from '../helpers/apiserver.ts';
import { startComponent, type ComponentProcess } from '../fixtures/component-process.ts';

export type Pod = ObjectOf<typeof resources.pods>;
export type Node = ObjectOf<typeof resources.nodes>;
export type Lease = ObjectOf<typeof resources.leases>;
export type Event = ObjectOf<typeof resources.events>;

export interface Api {
  client: ApiClient;
  pods: ResourceClient<Pod>;
  nodes: ResourceClient<Node>;
  leases: ResourceClient<Lease>;
  events: ResourceClient<Event>;
}

export function apiFor(url: string): Api {
  const client = new ApiClient({ servers: [url], maxAttempts: 2 });
  return {
    client,
    pods: new ResourceClient<Pod>(client, resources.pods),
    nodes: new ResourceClient<Node>(client, resources.nodes),
    leases: new ResourceClient<Lease>(client, resources.leases),
    events: new ResourceClient<Event>(client, resources.events),
  };
}

/** Starts `kubelet/main.ts` against `apiUrl` and waits until its (first) node serves. */
export function startKubelet(apiUrl: string, args: string[]): Promise<ComponentProcess> {
  return startComponent('kubelet/main.ts', ['--master', apiUrl, '--port', '0', '--image-pull-duration', '50ms', ...args], { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
}

export interface Cluster extends Api {
  apiserver: ApiServerProcess;
  kubelet: ComponentProcess;
  nodeName: string;
  stop(): Promise<void>;
}

/** An API server and one kubelet (node `nodeName` on `nodeIP`), with spec.podCIDR set on the Node. */
export async function startCluster(options: { nodeName: string; nodeIP: string; podCIDR?: string; args?: string[] }): Promise<Cluster> {
  const apiserver = await startApiServer();
  const api = apiFor(apiserver.url);
  const kubelet = await startKubelet(apiserver.url, ['--hostname-override', options.nodeName, '--node-ip', options.nodeIP, ...(options.args ?? [])]);
  await until(() => api.nodes.get('', options.nodeName).catch(() => undefined), `node ${options.nodeName} registered`);
  if (options.podCIDR) await setPodCIDR(api, options.nodeName, options.podCIDR);
  const cluster: Cluster = {
    ...api, apiserver, kubelet, nodeName: options.nodeName,
    // The current processes: a test may have restarted either.
    async stop() {
      await cluster.kubelet.kill();
      await api.client.close();
      await cluster.apiserver.cleanup();
    },
  };
  return cluster;
}

/** Plays the node IPAM controller's part. */
export function setPodCIDR(api: Api, nodeName: string, cidr: string): Promise<Node> {
  return api.nodes.patch('', nodeName, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, 'strategic');
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Polls `check` until it returns something truthy; fails with `what` (and the last value) after timeoutMs. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 20_000, everyMs = 100): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await check();
      if (last) return last as Truthy<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export type PodSpecInput = NonNullable<PodInput['spec']>;

/** A pod bound to `nodeName` (as if scheduled); the server fills in the defaults. */
export function podSpec(name: string, nodeName: string, spec: PodSpecInput): Pod {
  return { metadata: { name, namespace: 'default' }, spec: { nodeName, ...spec } } as Pod;
}

export const containerStatus = (pod: Pod, name: string) =>
  [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s) => s.name === name);

export const condition = (pod: Pod, type: string) => pod.status?.conditions?.find((c) => c.type === type);

/** Events about an object, in the order they were first seen. */
export async function eventsAbout(api: Api, name: string, namespace = 'default'): Promise<Event[]> {
  const list = await api.events.list(namespace, { fieldSelector: `involvedObject.name=${name}` });
  return list.items.sort((a, b) => String(a.firstTimestamp).localeCompare(String(b.firstTimestamp)));
}

/** A plain HTTP GET; resolves with status and body, or the connection error's code. */
export async function httpGet(url: string): Promise<{ status: number; body: string } | { error: string }> {
  try {
    const res = await request(url, { signal: AbortSignal.timeout(2000) });
    return { status: res.statusCode, body: await res.body.text() };
  } catch (err) {
    return { error: (err as { code?: string }).code ?? (err as Error).message };
  }
}
