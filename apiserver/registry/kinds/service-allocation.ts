// What kube's service REST storage does around a write (pkg/registry/core/service/storage/alloc.go and
// rest.go) for a single-stack IPv4 cluster: the IP family fields, ClusterIPs from the service CIDR and
// NodePorts from the node port range, with kube's field errors. Values are taken from the stored ranges
// (stored-range.ts) before the Service is written and given back when the write fails, when an update
// drops them, and after a delete.
import { goValue } from '../../../shared/api/field-errors.ts';
import { internal, invalid, type StatusCause } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/log.ts';
import { AllocationError, type NodePortAllocator, type RangeAllocator, type ServiceIPAllocator } from '../ip-allocator.ts';
import type { StoredRange } from '../stored-range.ts';
import type { FinishWrite } from '../strategy.ts';

interface PortShape { name?: string; protocol?: string; port?: number; nodePort?: number }
interface SpecShape {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  selector?: Record<string, string>;
  ports?: PortShape[];
  externalTrafficPolicy?: string;
  healthCheckNodePort?: number;
  allocateLoadBalancerNodePorts?: boolean;
}
/** The fields of a Service that allocation reads, loose enough for a not yet defaulted request body. */
export interface ServiceShape { metadata: { name?: string; namespace?: string }; spec?: SpecShape }

const NONE = 'None';
const typeOf = (svc: ServiceShape) => svc.spec?.type ?? 'ClusterIP';
const needsClusterIP = (svc: ServiceShape) => typeOf(svc) !== 'ExternalName';
const needsNodePort = (svc: ServiceShape) => typeOf(svc) === 'NodePort' || typeOf(svc) === 'LoadBalancer';
const needsHealthCheckNodePort = (svc: ServiceShape) => typeOf(svc) === 'LoadBalancer' && svc.spec?.externalTrafficPolicy === 'Local';
const shouldAllocateNodePorts = (svc: ServiceShape) =>
  typeOf(svc) === 'NodePort' || (typeOf(svc) === 'LoadBalancer' && svc.spec?.allocateLoadBalancerNodePorts !== false);
const isHeadless = (svc: ServiceShape) => svc.spec?.clusterIPs?.length === 1 && svc.spec.clusterIPs[0] === NONE;
const sameStrings = (a: string[] | undefined, b: string[] | undefined) => (a ?? []).length === (b ?? []).length && (a ?? []).every((x, i) => x === b![i]);
const familyOf = (ip: string) => (ip.includes(':') ? 'IPv6' : 'IPv4');

export const ownerOf = (svc: ServiceShape) => `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;

/** The ClusterIPs and node ports (health check port included) a Service holds. */
export interface HeldValues { ips: string[]; ports: number[] }

export function valuesOf(svc: ServiceShape): HeldValues {
  const spec = svc.spec;
  const ips = needsClusterIP(svc) ? (spec?.clusterIPs ?? []).filter((ip) => ip && ip !== NONE) : [];
  const ports = needsNodePort(svc) ? (spec?.ports ?? []).map((p) => p.nodePort ?? 0).filter(Boolean) : [];
  if (needsHealthCheckNodePort(svc) && spec?.healthCheckNodePort) ports.push(spec.healthCheckNodePort);
  return { ips, ports };
}

const without = <T>(values: T[], kept: T[]) => values.filter((v) => !kept.includes(v));

const invalidCause = (field: string, value: unknown, detail: string): StatusCause =>
  ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${goValue(value)}: ${detail}` });

/** kube's normalizeClusterIPs: keeps clusterIP and clusterIPs in step for clients that set only one. */
export function normalizeClusterIPs(svc: ServiceShape, old?: ServiceShape): void {
  const spec = (svc.spec ??= {});
  if (!old) {
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  const before = old.spec ?? {};
  if (before.clusterIPs?.length && !spec.clusterIPs?.length && before.clusterIP === spec.clusterIP) spec.clusterIPs = before.clusterIPs;
  if (before.clusterIP !== spec.clusterIP && sameStrings(before.clusterIPs, spec.clusterIPs)) {
    if (before.clusterIP && !spec.clusterIP) delete spec.clusterIPs;
    else spec.clusterIPs = [spec.clusterIP!];
  }
}

/** kube's patchAllocatedValues: an update that leaves allocated values blank keeps them (no read-modify-write needed). */
export function patchAllocatedValues(svc: ServiceShape, old: ServiceShape): void {
  const spec = (svc.spec ??= {});
  const before = old.spec ?? {};
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!spec.clusterIP) spec.clusterIP = before.clusterIP;
    if (!spec.clusterIPs?.length && before.clusterIPs?.length) spec.clusterIPs = before.clusterIPs;
  }
  if (needsNodePort(old) && needsNodePort(svc)) {
    const inNew = new Set((spec.ports ?? []).map((p) => p.nodePort).filter(Boolean));
    const used = new Set((before.ports ?? []).map((p) => p.nodePort).filter((n) => n && inNew.has(n)));
    const byName = new Map((before.ports ?? []).map((p) => [p.name ?? '', p.nodePort]));
    for (const p of spec.ports ?? []) {
      const previous = byName.get(p.name ?? '');
      if (!p.nodePort && previous && !used.has(previous)) p.nodePort = previous;
    }
  }
  if (needsHealthCheckNodePort(old) && needsHealthCheckNodePort(svc) && !spec.healthCheckNodePort) spec.healthCheckNodePort = before.healthCheckNodePort;
}

/** kube's ValidateServiceClusterIPsRelatedFields, less what the schema already checks. */
function validateClusterIPsRelatedFields(svc: ServiceShape): StatusCause[] {
  const spec = svc.spec!;
  const causes: StatusCause[] = [];
  const ips = spec.clusterIPs ?? [];
  if (spec.clusterIP) {
    if (ips.length === 0) causes.push({ reason: 'FieldValueRequired', field: 'spec.clusterIPs', message: 'Required value' });
    else if (ips[0] !== spec.clusterIP) causes.push(invalidCause('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  } else if (ips.length) causes.push(invalidCause('spec.clusterIPs', ips, 'must be empty when `clusterIP` is not specified'));
  (spec.ipFamilies ?? []).forEach((family, i, all) => {
    if (all.indexOf(family) !== i) causes.push({ reason: 'FieldValueDuplicate', field: `spec.ipFamilies[${i}]`, message: `Duplicate value: ${goValue(family)}` });
  });
  if (ips.length > 1 && ips.includes(NONE)) causes.push(invalidCause('spec.clusterIPs', ips, "'None' must be the first and only value"));
  if (ips.length > 2) causes.push(invalidCause('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  else if (ips.length === 2 && familyOf(ips[0]) === familyOf(ips[1])) causes.push(invalidCause('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'));
  if (!isHeadless(svc)) {
    ips.forEach((ip, i) => {
      const family = spec.ipFamilies?.[i];
      if (family && family !== familyOf(ip)) causes.push(invalidCause(`spec.clusterIPs[${i}]`, ip, `expected an ${family} value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return causes;
}

/** kube's initIPFamilyFields on a cluster whose only service IP family is IPv4. */
export function initIPFamilyFields(svc: ServiceShape, old?: ServiceShape): StatusCause[] {
  if (!needsClusterIP(svc)) return [];
  const spec = svc.spec!;
  const selectorless = Object.keys(spec.selector ?? {}).length === 0;
  spec.ipFamilyPolicy ??= old?.spec?.ipFamilyPolicy ?? (spec.clusterIP === NONE && selectorless ? 'RequireDualStack' : 'SingleStack');
  let causes = validateClusterIPsRelatedFields(svc);
  if (causes.length) return causes;
  const policy = spec.ipFamilyPolicy;
  if (policy === 'SingleStack') {
    if (spec.clusterIPs?.length === 2) causes.push(invalidCause('spec.ipFamilyPolicy', policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    if (spec.ipFamilies?.length === 2) causes.push(invalidCause('spec.ipFamilyPolicy', policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
  }
  const families = (spec.ipFamilies ??= []);
  (spec.clusterIPs ?? []).some((ip, i) => {
    if (ip === NONE) return true;
    if (i < families.length) return false;
    if (familyOf(ip) === 'IPv4') families.push('IPv4');
    else causes.push(invalidCause(`spec.clusterIPs[${i}]`, spec.clusterIPs, `${familyOf(ip)} is not configured on this cluster`));
    return false;
  });
  if (causes.length) return causes;
  if (spec.clusterIP === NONE && selectorless) {
    // Headless and selectorless: kube allows any families here and fills in the other one.
    if (families.length === 0) families.push('IPv4');
    if (families.length < 2 && policy !== 'SingleStack') families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
    return [];
  }
  if (policy === 'RequireDualStack') causes.push(invalidCause('spec.ipFamilyPolicy', policy, 'this cluster is not configured for dual-stack services'));
  families.forEach((family, i) => {
    if (family !== 'IPv4') causes.push(invalidCause(`spec.ipFamilies[${i}]`, family, 'not configured on this cluster'));
  });
  if (families.length === 0) families.push('IPv4');
  return causes;
}

/** kube's validateUpgradeDowngradeClusterIPs: the allocated ClusterIPs never change. */
export function validateClusterIPsUpdate(svc: ServiceShape, old: ServiceShape): StatusCause[] {
  if (!needsClusterIP(svc) || !needsClusterIP(old) || (isHeadless(svc) && isHeadless(old))) return [];
  const before = old.spec?.clusterIPs ?? [];
  const after = svc.spec?.clusterIPs ?? [];
  const causes: StatusCause[] = [];
  if (before.length === after.length) {
    before.forEach((ip, i) => {
      if (ip !== after[i]) causes.push(invalidCause(`spec.clusterIPs[${i}]`, after, 'may not change once set'));
    });
  } else if (before.length > after.length) {
    if (after.length === 0) causes.push(invalidCause('spec.clusterIPs[0]', after, 'primary clusterIP can not be unset'));
    else if (after[0] !== before[0]) causes.push(invalidCause('spec.clusterIPs[0]', after, 'may not change once set'));
  } else if (before.length && after[0] !== before[0]) causes.push(invalidCause('spec.clusterIPs[0]', after, 'may not change once set'));
  return causes;
}

export class ServiceAllocators {
  constructor(
    readonly ips: StoredRange<string, ServiceIPAllocator>,
    readonly nodePorts: StoredRange<number, NodePortAllocator>,
    private readonly logger?: Logger,
  ) {}

  /** ClusterIPs for a Service that needs them: the requested ones if free and in range, else fresh ones. */
  allocateClusterIPs(svc: ServiceShape, range: ServiceIPAllocator): StatusCause[] {
    if (!needsClusterIP(svc) || isHeadless(svc)) return [];
    const spec = svc.spec!;
    const ips = (spec.clusterIPs ??= []);
    for (const [i, family] of (spec.ipFamilies ?? ['IPv4']).entries()) {
      if (family !== range.family) continue;
      const requested = ips[i] ?? '';
      if (!requested) {
        try {
          ips[i] = range.allocateNext();
        } catch (err) {
          throw internal(`failed to allocate a serviceIP: ${(err as Error).message}`);
        }
        continue;
      }
      try {
        range.allocate(requested);
      } catch (err) {
        if (!(err instanceof AllocationError)) throw err;
        return [invalidCause('spec.clusterIPs', ips, `failed to allocate IP ${requested}: ${err.message}`)];
      }
    }
    spec.clusterIP = ips[0];
    return [];
  }

  /**
   * kube's initNodePorts and updateNodePorts: requested ports if free, fresh ones for blanks; ports of one
   * service port number are shared; ports the Service held before (`held`) are its own already.
   */
  allocateNodePorts(svc: ServiceShape, range: NodePortAllocator, held: number[]): StatusCause[] {
    if (!needsNodePort(svc)) return [];
    const ports = svc.spec!.ports ?? [];
    const byServicePort = new Map<number, number>();
    for (const [i, p] of ports.entries()) {
      if (!p.nodePort && !shouldAllocateNodePorts(svc)) continue;
      const shared = byServicePort.get(p.port ?? 0);
      const wanted = p.nodePort || (shared ?? ports.find((q) => q.port === p.port && q.nodePort)?.nodePort);
      if (wanted) {
        p.nodePort = wanted;
        if (wanted === shared || held.includes(wanted)) continue;
        try {
          range.allocate(wanted);
        } catch (err) {
          if (!(err instanceof AllocationError)) throw err;
          return [invalidCause(`spec.ports[${i}].nodePort`, wanted, err.message)];
        }
      } else {
        try {
          p.nodePort = range.allocateNext();
        } catch (err) {
          throw internal(`failed to allocate a nodePort: ${(err as Error).message}`);
        }
      }
      if (!byServicePort.has(p.port ?? 0)) byServicePort.set(p.port ?? 0, p.nodePort);
    }
    return [];
  }

  /** LoadBalancer with externalTrafficPolicy Local: a node port for load balancers' health checks. */
  allocateHealthCheckNodePort(svc: ServiceShape, range: NodePortAllocator, old?: ServiceShape): StatusCause[] {
    if (!needsHealthCheckNodePort(svc)) return [];
    const spec = svc.spec!;
    const previous = old && needsHealthCheckNodePort(old) ? old.spec?.healthCheckNodePort : undefined;
    if (previous && spec.healthCheckNodePort !== previous)
      return [invalidCause('spec.healthCheckNodePort', spec.healthCheckNodePort ?? 0, 'cannot change healthCheckNodePort on loadBalancer service with externalTraffic=Local during update')];
    if (previous) return [];
    try {
      if (spec.healthCheckNodePort) range.allocate(spec.healthCheckNodePort);
      else spec.healthCheckNodePort = range.allocateNext();
    } catch (err) {
      throw internal(`failed to allocate requested HealthCheck NodePort ${spec.healthCheckNodePort ?? 0}: ${(err as Error).message}`);
    }
    return [];
  }

  /**
   * Runs `allocate` on a draft of `range` and stores what it took. After a conflict it runs again from
   * the request as it came, not with the values an earlier attempt filled in.
   */
  private take<T, A extends RangeAllocator<T>>(range: StoredRange<T, A>, svc: ServiceShape, dryRun: boolean, allocate: (draft: A) => StatusCause[]): Promise<T[]> {
    const request = structuredClone(svc.spec);
    return range.change((draft) => {
      svc.spec = structuredClone(request);
      const causes = allocate(draft);
      if (causes.length) throw invalid('', 'Service', svc.metadata.name ?? '', causes);
    }, { dryRun });
  }

  /** ClusterIPs, then node ports (kube's order); what the first step took is given back when the second fails. */
  private async allocate(svc: ServiceShape, old: ServiceShape | undefined, dryRun: boolean): Promise<HeldValues> {
    const held = old ? valuesOf(old) : { ips: [], ports: [] };
    const taken: HeldValues = { ips: [], ports: [] };
    try {
      // An update keeps its ClusterIPs (validateClusterIPsUpdate); only one leaving ExternalName gets some.
      if ((!old || !needsClusterIP(old)) && needsClusterIP(svc) && !isHeadless(svc))
        taken.ips = await this.take(this.ips, svc, dryRun, (draft) => this.allocateClusterIPs(svc, draft));
      if (needsNodePort(svc))
        taken.ports = await this.take(this.nodePorts, svc, dryRun, (draft) => {
          const causes = this.allocateNodePorts(svc, draft, held.ports);
          return causes.length ? causes : this.allocateHealthCheckNodePort(svc, draft, old);
        });
    } catch (err) {
      await this.release(taken);
      throw err;
    }
    return taken;
  }

  /** kube's allocateCreate: the IP family fields, then the values; the function returned gives them back if the Service was not stored. */
  async beginCreate(svc: ServiceShape, dryRun: boolean): Promise<FinishWrite> {
    normalizeClusterIPs(svc);
    const causes = initIPFamilyFields(svc);
    if (causes.length) throw invalid('', 'Service', svc.metadata.name ?? '', causes);
    const taken = await this.allocate(svc, undefined, dryRun);
    return async (stored) => {
      if (!stored) await this.release(taken);
    };
  }

  /** kube's allocateUpdate (after validateUpdate): new values now; once stored, the old ones the Service dropped are freed. */
  async beginUpdate(svc: ServiceShape, old: ServiceShape, dryRun: boolean): Promise<FinishWrite> {
    const taken = await this.allocate(svc, old, dryRun);
    return async (stored) => {
      if (!stored) return this.release(taken);
      const before = valuesOf(old);
      const after = valuesOf(svc);
      await this.release({ ips: without(before.ips, after.ips), ports: without(before.ports, after.ports) });
    };
  }

  /** Gives values back. A failure is only logged, as kube does: the repair frees what stays marked. */
  async release({ ips, ports }: HeldValues): Promise<void> {
    try {
      if (ips.length) await this.ips.change((draft) => ips.forEach((ip) => draft.release(ip)), { verifyUnchanged: true });
      if (ports.length) await this.nodePorts.change((draft) => ports.forEach((port) => draft.release(port)), { verifyUnchanged: true });
    } catch (err) {
      this.logger?.warn({ err, ips, ports }, 'releasing service allocations failed; the repair will free them');
    }
  }
}
