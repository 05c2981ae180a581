// Pod IPs from the node's podCIDR, as host-local IPAM hands them out: .1 is the node's gateway, the
// network and broadcast addresses are never used, and allocation goes round-robin from the last IP
// given so a freed IP is not reused at once (endpoints that still point at it see it fail, not another pod).

const toInt = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
const toIP = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

export function parseCIDR(cidr: string): { base: number; size: number } | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
  if (!m || Number(m[2]) > 30) return undefined;
  const size = 2 ** (32 - Number(m[2]));
  return { base: toInt(m[1]) - (toInt(m[1]) % size), size };
}

/** The IP `offset` addresses after `ip` (for --node-ip counting up with --nodes). */
export const addToIP = (ip: string, offset: number) => toIP(toInt(ip) + offset);

export class PodIPAllocator {
  private range?: { base: number; size: number };
  private cidr = '';
  /** Absolute addresses (as integers) by pod, and the set of them. */
  private readonly byPod = new Map<string, number>();
  private readonly used = new Set<number>();
  private next = 2;

  /** Sets the podCIDR (from the Node, or --pod-cidr); IPs already handed out stay. */
  setCIDR(cidr: string): boolean {
    if (cidr === this.cidr) return false;
    const range = parseCIDR(cidr);
    if (!range) return false;
    this.cidr = cidr;
    this.range = range;
    return true;
  }

  get podCIDR(): string {
    return this.cidr;
  }

  /** The pod's IP (the same on every call); `preferred` is kept when it is free and in range. Undefined: no CIDR yet, or full. */
  allocate(podKey: string, preferred?: string): string | undefined {
    const have = this.byPod.get(podKey);
    if (have !== undefined) return toIP(have);
    const range = this.range;
    if (!range) return undefined;
    const wanted = preferred ? toInt(preferred) - range.base : -1;
    let offset: number | undefined;
    if (wanted >= 2 && wanted < range.size - 1 && !this.used.has(range.base + wanted)) offset = wanted;
    for (let i = 0; offset === undefined && i < range.size; i++) {
      const candidate = this.next;
      this.next = this.next + 1 >= range.size - 1 ? 2 : this.next + 1;
      if (!this.used.has(range.base + candidate)) offset = candidate;
    }
    if (offset === undefined) return undefined;
    const ip = range.base + offset;
    this.used.add(ip);
    this.byPod.set(podKey, ip);
    return toIP(ip);
  }

  release(podKey: string): void {
    const offset = this.byPod.get(podKey);
    if (offset === undefined) return;
    this.byPod.delete(podKey);
    this.used.delete(offset);
  }
}
