// Printers for the simpler core/v1 kinds: namespaces, services, endpoints, configmaps, secrets,
// serviceaccounts.
import { formatLabels } from '../../shared/selectors/label-selector-object.ts';
import { ageColumn, column, nameColumn } from './columns.ts';
import { since } from './duration.ts';
import { printer, type ObjectMetaView, type PrintContext, type PrintedRow } from './types.ts';

const nameAndAge = (m: ObjectMetaView | undefined, ctx: PrintContext) => [m?.name ?? '', since(m?.creationTimestamp, ctx.now)] as const;

export interface NamespaceView { metadata?: ObjectMetaView; status?: { phase?: string } }

export const namespacePrinter = printer<NamespaceView>(
  [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  (ns, ctx) => {
    const [name, age] = nameAndAge(ns.metadata, ctx);
    return { cells: [name, ns.status?.phase ?? '', age] };
  },
);

export interface ServicePortView { port?: number; nodePort?: number; protocol?: string }

export interface ServiceView {
  metadata?: ObjectMetaView;
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[] | null;
    externalIPs?: string[] | null;
    externalName?: string;
    ports?: ServicePortView[] | null;
    selector?: Record<string, string> | null;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] | null } };
}

// loadBalancerStatusStringer: kube clips to 16 characters unless wide, and the server always prints wide.
const LOAD_BALANCER_WIDTH = 16;
function loadBalancerAddresses(svc: ServiceView, wide: boolean): string {
  const set = new Set<string>();
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip) set.add(ing.ip);
    else if (ing.hostname) set.add(ing.hostname);
  }
  let r = [...set].sort().join(',');
  if (!wide && r.length > LOAD_BALANCER_WIDTH) r = `${r.slice(0, LOAD_BALANCER_WIDTH - 3)}...`;
  return r;
}

function externalIP(svc: ServiceView, wide: boolean): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(svc, wide);
      if (externalIPs.length) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** makePortString: `80/TCP`, `80:30080/TCP`, comma-separated. */
export const servicePorts = (ports: readonly ServicePortView[] | null | undefined) =>
  (ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');

const SERVICE_SPEC_DOC = {
  type: 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
  clusterIP: 'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
  externalIPs: 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.',
  ports: 'The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
  selector: 'Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/',
};

export function printService(svc: ServiceView, ctx: PrintContext): PrintedRow {
  const [name, age] = nameAndAge(svc.metadata, ctx);
  // kube reads clusterIPs[0]; clusterIP holds the same address when clusterIPs was not filled in.
  const clusterIP = svc.spec?.clusterIPs?.[0] || svc.spec?.clusterIP || '<none>';
  const cells = [name, svc.spec?.type ?? 'ClusterIP', clusterIP, externalIP(svc, ctx.wide), servicePorts(svc.spec?.ports) || '<none>', age];
  if (ctx.wide) cells.push(formatLabels(svc.spec?.selector));
  return { cells };
}

export const servicePrinter = printer<ServiceView>(
  [
    nameColumn(),
    column('Type', 'string', SERVICE_SPEC_DOC.type),
    column('Cluster-IP', 'string', SERVICE_SPEC_DOC.clusterIP),
    column('External-IP', 'string', SERVICE_SPEC_DOC.externalIPs),
    column('Port(s)', 'string', SERVICE_SPEC_DOC.ports),
    ageColumn(),
    column('Selector', 'string', SERVICE_SPEC_DOC.selector, 1),
  ],
  printService,
);

export interface EndpointsView {
  metadata?: ObjectMetaView;
  subsets?: { addresses?: { ip?: string }[] | null; ports?: { name?: string; port?: number }[] | null }[] | null;
}

const joinHostPort = (host: string, port: number | undefined) => (host.includes(':') ? `[${host}]:${port ?? 0}` : `${host}:${port ?? 0}`);

/** formatEndpoints: the first three `ip:port` pairs, then "+ N more...". */
export function formatEndpoints(ep: EndpointsView): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      // A headless service may have no ports.
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip ?? '');
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(a.ip ?? '', port.port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsPrinter = printer<EndpointsView>(
  [
    nameColumn(),
    column('Endpoints', 'string', 'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.'),
    ageColumn(),
  ],
  (ep, ctx) => {
    const [name, age] = nameAndAge(ep.metadata, ctx);
    return { cells: [name, formatEndpoints(ep), age] };
  },
);

export interface ConfigMapView { metadata?: ObjectMetaView; data?: Record<string, string> | null; binaryData?: Record<string, string> | null }

export const configMapPrinter = printer<ConfigMapView>(
  [
    nameColumn(),
    column('Data', 'string', "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process."),
    ageColumn(),
  ],
  (cm, ctx) => {
    const [name, age] = nameAndAge(cm.metadata, ctx);
    return { cells: [name, Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age] };
  },
);

export interface SecretView { metadata?: ObjectMetaView; type?: string; data?: Record<string, string> | null }

export const secretPrinter = printer<SecretView>(
  [
    nameColumn(),
    column('Type', 'string', 'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types'),
    column('Data', 'string', "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4"),
    ageColumn(),
  ],
  (s, ctx) => {
    const [name, age] = nameAndAge(s.metadata, ctx);
    return { cells: [name, s.type ?? '', Object.keys(s.data ?? {}).length, age] };
  },
);
