// The pod-CIDR pool of node IPAM (kube's nodeipam/ipam/cidrset): the cluster CIDR cut into subnets of
// the node mask size, a bitmap of the used ones, and a cursor so that allocation goes round the range
// instead of handing a just-released subnet straight back out. IPv4 only.

/** kube refuses more than 2^16 subnets per cluster CIDR (clusterSubnetMaxDiff). */
const MAX_SUBNET_BITS = 16;

interface Ipv4Net { base: number; prefix: number }

function parseIpv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}

const formatIpv4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const maskOf = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** An IPv4 CIDR with its host bits cleared; throws when it is not one. */
export function parseIpv4Cidr(cidr: string): Ipv4Net {
  const [ip, bits, extra] = cidr.split('/');
  const addr = parseIpv4(ip ?? '');
  const prefix = /^\d{1,2}$/.test(bits ?? '') ? Number(bits) : NaN;
  if (addr === undefined || extra !== undefined || !(prefix >= 0 && prefix <= 32)) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(cidr)}`);
  return { base: (addr & maskOf(prefix)) >>> 0, prefix };
}

export class CidrSet {
  private readonly cluster: Ipv4Net;
  readonly subnetPrefix: number;
  /** How many subnets the cluster CIDR holds. */
  readonly size: number;
  private readonly used: Uint8Array;
  private usedCount = 0;
  private nextCandidate = 0;

  constructor(clusterCIDR: string, subnetPrefix: number) {
    this.cluster = parseIpv4Cidr(clusterCIDR);
    if (!Number.isInteger(subnetPrefix) || subnetPrefix < this.cluster.prefix || subnetPrefix > 32) {
      throw new Error(`node CIDR mask size ${subnetPrefix} must be between the cluster CIDR's (${this.cluster.prefix}) and 32`);
    }
    if (subnetPrefix - this.cluster.prefix > MAX_SUBNET_BITS) {
      throw new Error(`node CIDR mask size ${subnetPrefix} is too big for cluster CIDR ${clusterCIDR}: at most ${MAX_SUBNET_BITS} bits more than its mask`);
    }
    this.subnetPrefix = subnetPrefix;
    this.size = 2 ** (subnetPrefix - this.cluster.prefix);
    this.used = new Uint8Array(this.size);
  }

  get allocated(): number {
    return this.usedCount;
  }

  private cidrAt(index: number): string {
    return `${formatIpv4((this.cluster.base + index * 2 ** (32 - this.subnetPrefix)) >>> 0)}/${this.subnetPrefix}`;
  }

  /** The subnet indexes a CIDR covers, or undefined when it lies outside the cluster CIDR. */
  private indexRange(cidr: string): [number, number] | undefined {
    const net = parseIpv4Cidr(cidr);
    const start = Math.max(net.base, this.cluster.base);
    const end = Math.min(net.base + 2 ** (32 - net.prefix) - 1, this.cluster.base + 2 ** (32 - this.cluster.prefix) - 1);
    if (start > end) return undefined;
    const step = 2 ** (32 - this.subnetPrefix);
    return [Math.floor((start - this.cluster.base) / step), Math.floor((end - this.cluster.base) / step)];
  }

  /** The next free subnet after the last one handed out, or undefined when the range is exhausted. */
  allocateNext(): string | undefined {
    for (let i = 0; i < this.size; i++) {
      const candidate = (this.nextCandidate + i) % this.size;
      if (this.used[candidate]) continue;
      this.used[candidate] = 1;
      this.usedCount++;
      this.nextCandidate = (candidate + 1) % this.size;
      return this.cidrAt(candidate);
    }
    return undefined;
  }

  /** Marks every subnet the CIDR overlaps as used; false when it is outside the cluster CIDR. */
  occupy(cidr: string): boolean {
    const range = this.indexRange(cidr);
    if (!range) return false;
    for (let i = range[0]; i <= range[1]; i++) {
      if (!this.used[i]) this.usedCount++;
      this.used[i] = 1;
    }
    return true;
  }

  release(cidr: string): void {
    const range = this.indexRange(cidr);
    if (!range) return;
    for (let i = range[0]; i <= range[1]; i++) {
      if (this.used[i]) this.usedCount--;
      this.used[i] = 0;
    }
  }
}
