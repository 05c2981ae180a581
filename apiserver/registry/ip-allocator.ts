// Service ClusterIPs out of --service-cluster-ip-range and NodePorts out of --service-node-port-range
// (kube's ipallocator and portallocator), with kube's error texts: the registry quotes them to clients.
import { isIPv4 } from 'node:net';
import { RangeAllocator } from './range-allocator.ts';

export type AllocationFailure = 'NotInRange' | 'Allocated' | 'Full';

export class AllocationError extends Error {
  constructor(readonly reason: AllocationFailure, message: string) {
    super(message);
    this.name = 'AllocationError';
  }
}

const ipToNumber = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
const numberToIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/** kube's calculateRangeOffset: the size of the band kept for static (user-chosen) values. */
function staticBandOf(rangeSize: number, min: number, max: number, step: number): number {
  if (rangeSize < min) return 0;
  return Math.max(min, Math.min(max, Math.floor(rangeSize / step)));
}

/** An IPv4 service CIDR without its network and broadcast addresses, as kube's bitmap allocator has it. */
export class ServiceIPAllocator {
  readonly cidr: string;
  private readonly base: number;
  private readonly bits: RangeAllocator;

  constructor(cidr: string) {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr.trim());
    const prefix = m ? Number(m[2]) : NaN;
    if (!m || !isIPv4(m[1]) || !(prefix >= 1 && prefix <= 30)) throw new Error(`invalid service cluster IP range ${JSON.stringify(cidr)} (want an IPv4 CIDR of /30 or larger, e.g. 10.96.0.0/12)`);
    const total = 2 ** (32 - prefix);
    this.base = Math.floor(ipToNumber(m[1]) / total) * total;
    this.cidr = `${numberToIp(this.base)}/${prefix}`;
    this.bits = new RangeAllocator(total - 2, staticBandOf(total, 16, 256, 16));
  }

  get family(): 'IPv4' {
    return 'IPv4';
  }

  get used(): number {
    return this.bits.used;
  }

  private indexOf(ip: string): number | undefined {
    if (!isIPv4(ip)) return undefined;
    const i = ipToNumber(ip) - this.base - 1;
    return i >= 0 && i < this.bits.size ? i : undefined;
  }

  contains(ip: string): boolean {
    return this.indexOf(ip) !== undefined;
  }

  allocate(ip: string, owner: string): void {
    const i = this.indexOf(ip);
    if (i === undefined) throw new AllocationError('NotInRange', `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr}`);
    if (!this.bits.allocate(i, owner)) throw new AllocationError('Allocated', 'provided IP is already allocated');
  }

  allocateNext(owner: string): string {
    const i = this.bits.allocateNext(owner);
    if (i === undefined) throw new AllocationError('Full', 'range is full');
    return numberToIp(this.base + 1 + i);
  }

  ownerOf(ip: string): string | undefined {
    const i = this.indexOf(ip);
    return i === undefined ? undefined : this.bits.ownerOf(i);
  }

  /** Makes `owner` hold exactly `ips` (those outside the range are ignored); returns the ones others hold. */
  reconcile(owner: string, ips: string[]): string[] {
    const wanted = ips.map((ip) => this.indexOf(ip)).filter((i): i is number => i !== undefined);
    return this.bits.reconcile(owner, wanted).map((i) => numberToIp(this.base + 1 + i));
  }
}

/** A node port range written as kube's net.ParsePortRange reads it: `30000-32767`, `30000+2768` or `30000`. */
export class NodePortAllocator {
  readonly range: string;
  private readonly first: number;
  private readonly bits: RangeAllocator;

  constructor(spec: string) {
    const m = /^(\d+)(?:([-+])(\d+))?$/.exec(spec.trim());
    if (!m) throw new Error(`invalid service node port range ${JSON.stringify(spec)} (want e.g. 30000-32767)`);
    const first = Number(m[1]);
    const size = m[2] === '-' ? Number(m[3]) - first + 1 : m[2] === '+' ? Number(m[3]) : 1;
    if (first < 1 || size < 1 || first + size - 1 > 65535) throw new Error(`invalid service node port range ${JSON.stringify(spec)}`);
    this.first = first;
    this.range = `${first}-${first + size - 1}`;
    this.bits = new RangeAllocator(size, staticBandOf(size, 16, 128, 32));
  }

  get used(): number {
    return this.bits.used;
  }

  private indexOf(port: number): number | undefined {
    const i = port - this.first;
    return Number.isInteger(i) && i >= 0 && i < this.bits.size ? i : undefined;
  }

  allocate(port: number, owner: string): void {
    const i = this.indexOf(port);
    if (i === undefined) throw new AllocationError('NotInRange', `provided port is not in the valid range. The range of valid ports is ${this.range}`);
    if (!this.bits.allocate(i, owner)) throw new AllocationError('Allocated', 'provided port is already allocated');
  }

  allocateNext(owner: string): number {
    const i = this.bits.allocateNext(owner);
    if (i === undefined) throw new AllocationError('Full', 'range is full');
    return this.first + i;
  }

  ownerOf(port: number): string | undefined {
    const i = this.indexOf(port);
    return i === undefined ? undefined : this.bits.ownerOf(i);
  }

  reconcile(owner: string, ports: number[]): number[] {
    const wanted = ports.map((p) => this.indexOf(p)).filter((i): i is number => i !== undefined);
    return this.bits.reconcile(owner, wanted).map((i) => this.first + i);
  }
}
