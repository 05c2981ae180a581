// Resource amounts as the scheduler counts them (framework.Resource): CPU in millicores, memory and
// ephemeral storage in bytes, anything else (extended resources, hugepages) as a named integer. A pod's
// request is what resourcehelper.PodRequests computes: the sum of its containers, raised to what any
// init container needs while it runs (sidecars, restartPolicy Always, keep running alongside), plus the
// pod's overhead.
import type { Container, PodSpec } from '../shared/api/core.ts';
import { cpuMillis, memoryBytes } from '../shared/api/quantity.ts';

export interface Resources {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended and hugepages resources; absent when there are none. */
  scalars?: Map<string, number>;
}

export const emptyResources = (): Resources => ({ milliCpu: 0, memory: 0, ephemeralStorage: 0 });

// Kube's defaults for a container that requests no CPU or memory, used only for scoring
// (schedutil.DefaultMilliCPURequest / DefaultMemoryRequest) so such pods still spread.
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const IGNORED = new Set(['pods']);

// The same few quantity strings ("100m", "128Mi") repeat across thousands of pods: parse each once.
const parsed = new Map<string, number>();
function amount(name: string, q: string): number {
  const key = name === 'cpu' ? `c${q}` : `v${q}`;
  let v = parsed.get(key);
  if (v === undefined) {
    v = name === 'cpu' ? cpuMillis(q) : memoryBytes(q);
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(key, v);
  }
  return v;
}

export function addList(into: Resources, list: Record<string, string> | undefined): void {
  if (!list) return;
  for (const name in list) {
    const q = list[name];
    switch (name) {
      case 'cpu': into.milliCpu += amount(name, q); break;
      case 'memory': into.memory += amount(name, q); break;
      case 'ephemeral-storage': into.ephemeralStorage += amount(name, q); break;
      default:
        if (IGNORED.has(name)) break;
        into.scalars ??= new Map();
        into.scalars.set(name, (into.scalars.get(name) ?? 0) + amount(name, q));
    }
  }
}

export function addResources(into: Resources, r: Resources, sign = 1): void {
  into.milliCpu += sign * r.milliCpu;
  into.memory += sign * r.memory;
  into.ephemeralStorage += sign * r.ephemeralStorage;
  if (r.scalars) {
    into.scalars ??= new Map();
    for (const [name, v] of r.scalars) into.scalars.set(name, (into.scalars.get(name) ?? 0) + sign * v);
  }
}

function maxInto(into: Resources, r: Resources): void {
  into.milliCpu = Math.max(into.milliCpu, r.milliCpu);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  if (r.scalars) {
    into.scalars ??= new Map();
    for (const [name, v] of r.scalars) into.scalars.set(name, Math.max(into.scalars.get(name) ?? 0, v));
  }
}

const copyOf = (r: Resources): Resources => ({ ...r, scalars: r.scalars && new Map(r.scalars) });

/** One container's requests; with `nonZero`, missing CPU and memory requests count as kube's defaults. */
function containerRequests(c: Container, nonZero: boolean): Resources {
  const r = emptyResources();
  const requests = c.resources?.requests;
  addList(r, requests);
  if (nonZero) {
    if (requests?.cpu === undefined) r.milliCpu = DEFAULT_MILLI_CPU_REQUEST;
    if (requests?.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/** What the pod needs of a node (resourcehelper.PodRequests); `nonZero` as for scoring. */
export function podRequests(spec: Pick<PodSpec, 'containers' | 'initContainers' | 'overhead'>, nonZero = false): Resources {
  const total = emptyResources();
  for (const c of spec.containers) addResources(total, containerRequests(c, nonZero));
  if (spec.initContainers?.length) {
    const sidecars = emptyResources();
    const initPeak = emptyResources();
    for (const c of spec.initContainers) {
      const r = containerRequests(c, nonZero);
      if (c.restartPolicy === 'Always') {
        // A sidecar runs from its start to the pod's end, beside everything after it.
        addResources(total, r);
        addResources(sidecars, r);
        maxInto(initPeak, sidecars);
      } else {
        const whileRunning = copyOf(r);
        addResources(whileRunning, sidecars);
        maxInto(initPeak, whileRunning);
      }
    }
    maxInto(total, initPeak);
  }
  addList(total, spec.overhead);
  return total;
}

/** A node's allocatable amounts, plus its pod capacity. */
export function allocatableOf(list: Record<string, string> | undefined): { resources: Resources; pods: number } {
  const resources = emptyResources();
  addList(resources, list);
  return { resources, pods: list?.pods !== undefined ? amount('pods', list.pods) : 0 };
}

export const isZero = (r: Resources): boolean =>
  r.milliCpu === 0 && r.memory === 0 && r.ephemeralStorage === 0 && (!r.scalars || [...r.scalars.values()].every((v) => v === 0));
