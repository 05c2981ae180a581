// Service ClusterIPs out of --service-cluster-ip-range and NodePorts out of --service-node-port-range
// (kube's ipallocator and portallocator) over an allocation bitmap, with kube's error texts: the
// registry quotes them to clients. An allocator is a view of one snapshot of the range; the truth is
// the RangeAllocation object in storage (stored-range.ts).
import { isIPv4 } from 'node:net';
import { AllocationBitmap } from './range-allocator.ts';

/** What an allocator starts from: a stored snapshot, or another view's bitmap to copy; empty without. */
export type BitmapSource = Uint8Array | AllocationBitmap;

export type AllocationFailure = 'NotInRange' | 'Allocated' | 'Full';

export class AllocationError extends Error {
  constructor(readonly reason: AllocationFailure, message: string) {
    super(message);
    this.name = 'AllocationError';
  }
}

/** kube's calculateRangeOffset: the size of the band kept for static (user-chosen) values. */
function staticBandOf(rangeSize: number, min: number, max: number, step: number): number {
  if (rangeSize < min) return 0;
  return Math.max(min, Math.min(max, Math.floor(rangeSize / step)));
}

/** Values of one kind laid out on a bitmap: what is shared by the IP and the port allocator. */
export abstract class RangeAllocator<T> {
  /** The range as RangeAllocation.range stores it: a CIDR, or `first-last` for ports. */
  abstract readonly range: string;
  abstract readonly bits: AllocationBitmap;
  abstract offsetOf(value: T): number | undefined;
  abstract valueAt(n: number): T;
  protected abstract notInRange(value: T): string;
  protected abstract readonly allocatedMessage: string;

  get used(): number {
    return this.bits.used;
  }

  contains(value: T): boolean {
    return this.offsetOf(value) !== undefined;
  }

  has(value: T): boolean {
    const n = this.offsetOf(value);
    return n !== undefined && this.bits.has(n);
  }

  allocate(value: T): void {
    const n = this.offsetOf(value);
    if (n === undefined) throw new AllocationError('NotInRange', this.notInRange(value));
    if (!this.bits.allocate(n)) throw new AllocationError('Allocated', this.allocatedMessage);
  }

  allocateNext(): T {
    const n = this.bits.allocateNext();
    if (n === undefined) throw new AllocationError('Full', 'range is full');
    return this.valueAt(n);
  }

  /** Values outside the range are ignored, as kube's Release does. */
  release(value: T): void {
    const n = this.offsetOf(value);
    if (n !== undefined) this.bits.release(n);
  }

  /** The values allocated through this view (not those it was made with). */
  get taken(): T[] {
    return this.bits.taken.map((n) => this.valueAt(n));
  }

  values(): T[] {
    return [...this.bits.numbers()].map((n) => this.valueAt(n));
  }
}

const ipToNumber = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
const numberToIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/** An IPv4 service CIDR without its network and broadcast addresses, as kube's bitmap allocator has it. */
export class ServiceIPAllocator extends RangeAllocator<string> {
  readonly range: string;
  readonly bits: AllocationBitmap;
  private readonly base: number;
  protected readonly allocatedMessage = 'provided IP is already allocated';

  constructor(cidr: string, from?: BitmapSource) {
    super();
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr.trim());
    const prefix = m ? Number(m[2]) : NaN;
    if (!m || !isIPv4(m[1]) || !(prefix >= 1 && prefix <= 30)) throw new Error(`invalid service cluster IP range ${JSON.stringify(cidr)} (want an IPv4 CIDR of /30 or larger, e.g. 10.96.0.0/12)`);
    const total = 2 ** (32 - prefix);
    this.base = Math.floor(ipToNumber(m[1]) / total) * total;
    this.range = `${numberToIp(this.base)}/${prefix}`;
    this.bits = new AllocationBitmap(total - 2, staticBandOf(total, 16, 256, 16), from);
  }

  get family(): 'IPv4' {
    return 'IPv4';
  }

  offsetOf(ip: string): number | undefined {
    if (!isIPv4(ip)) return undefined;
    const n = ipToNumber(ip) - this.base - 1;
    return n >= 0 && n < this.bits.size ? n : undefined;
  }

  valueAt(n: number): string {
    return numberToIp(this.base + 1 + n);
  }

  protected notInRange(ip: string): string {
    return `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.range}`;
  }
}

/** A node port range written as kube's net.ParsePortRange reads it: `30000-32767`, `30000+2768` or `30000`. */
export class NodePortAllocator extends RangeAllocator<number> {
  readonly range: string;
  readonly bits: AllocationBitmap;
  private readonly first: number;
  protected readonly allocatedMessage = 'provided port is already allocated';

  constructor(spec: string, from?: BitmapSource) {
    super();
    const m = /^(\d+)(?:([-+])(\d+))?$/.exec(spec.trim());
    if (!m) throw new Error(`invalid service node port range ${JSON.stringify(spec)} (want e.g. 30000-32767)`);
    const first = Number(m[1]);
    const size = m[2] === '-' ? Number(m[3]) - first + 1 : m[2] === '+' ? Number(m[3]) : 1;
    if (first < 1 || size < 1 || first + size - 1 > 65535) throw new Error(`invalid service node port range ${JSON.stringify(spec)}`);
    this.first = first;
    this.range = `${first}-${first + size - 1}`;
    this.bits = new AllocationBitmap(size, staticBandOf(size, 16, 128, 32), from);
  }

  offsetOf(port: number): number | undefined {
    const n = port - this.first;
    return Number.isInteger(n) && n >= 0 && n < this.bits.size ? n : undefined;
  }

  valueAt(n: number): number {
    return this.first + n;
  }

  protected notInRange(): string {
    return `provided port is not in the valid range. The range of valid ports is ${this.range}`;
  }
}
