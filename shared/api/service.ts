// core/v1 Service, with SetDefaults_Service and ValidateService. ClusterIP/NodePort allocation and the IP
// family fields (ipFamilies, ipFamilyPolicy) are filled in by the registry, not by defaulting.
import { z } from 'zod';
import { Protocol, validatePortNumOrName } from './container.ts';
import { always, kubeChecks, Printed } from './field-errors.ts';
import { Condition, IntOrString, ObjectMeta, StringMap, validateLabels } from './meta.ts';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidPortNum } from './names.ts';

export const ServiceType = z.enum(['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']);
export type ServiceType = z.infer<typeof ServiceType>;
export const TrafficPolicy = z.enum(['Cluster', 'Local']);
export const IPFamily = z.enum(['IPv4', 'IPv6']);
export const IPFamilyPolicy = z.enum(['SingleStack', 'PreferDualStack', 'RequireDualStack']);

export const ServicePort = z.object({
  name: z.string().optional(),
  protocol: Protocol.default('TCP'),
  appProtocol: z.string().optional(),
  port: z.number().int(),
  targetPort: IntOrString.optional(),
  nodePort: z.number().int().optional(),
}).overwrite((p) => {
  // An unset (or zero) targetPort is the service port itself.
  if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  return p;
});
export type ServicePort = z.infer<typeof ServicePort>;

const defaultClientIPTimeoutSeconds = 10800;
const maxClientIPTimeoutSeconds = 86400;

export const SessionAffinityConfig = z.object({
  clientIP: z.object({ timeoutSeconds: z.number().int().optional() }).optional(),
});

export const ServiceSpec = z.object({
  ports: z.array(ServicePort).optional(),
  selector: StringMap.optional(),
  clusterIP: z.string().optional(),
  clusterIPs: z.array(z.string()).optional(),
  type: ServiceType.default('ClusterIP'),
  externalIPs: z.array(z.string()).optional(),
  sessionAffinity: z.enum(['ClientIP', 'None']).default('None'),
  loadBalancerIP: z.string().optional(),
  loadBalancerSourceRanges: z.array(z.string()).optional(),
  externalName: z.string().optional(),
  externalTrafficPolicy: TrafficPolicy.optional(),
  healthCheckNodePort: z.number().int().optional(),
  publishNotReadyAddresses: z.boolean().optional(),
  sessionAffinityConfig: SessionAffinityConfig.optional(),
  ipFamilies: z.array(IPFamily).optional(),
  ipFamilyPolicy: IPFamilyPolicy.optional(),
  allocateLoadBalancerNodePorts: z.boolean().optional(),
  loadBalancerClass: z.string().optional(),
  internalTrafficPolicy: TrafficPolicy.optional(),
  trafficDistribution: z.string().optional(),
}).overwrite((s) => {
  if (s.sessionAffinity === 'None') delete s.sessionAffinityConfig;
  else if (s.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    s.sessionAffinityConfig = { clientIP: { timeoutSeconds: defaultClientIPTimeoutSeconds } };
  }
  if (isExternallyAccessible(s)) s.externalTrafficPolicy ??= 'Cluster';
  if (s.type !== 'ExternalName') s.internalTrafficPolicy ??= 'Cluster';
  if (s.type === 'LoadBalancer') s.allocateLoadBalancerNodePorts ??= true;
  return s;
});
export type ServiceSpec = z.infer<typeof ServiceSpec>;

/** Reachable from outside the cluster: NodePort, LoadBalancer, or ClusterIP with external IPs. */
export const isExternallyAccessible = (s: Pick<ServiceSpec, 'type' | 'externalIPs'>) =>
  s.type === 'LoadBalancer' || s.type === 'NodePort' || (s.type === 'ClusterIP' && (s.externalIPs?.length ?? 0) > 0);

export const LoadBalancerIngress = z.object({
  ip: z.string().optional(),
  hostname: z.string().optional(),
  ipMode: z.string().optional(),
  ports: z.array(z.object({ port: z.number().int(), protocol: Protocol.default('TCP'), error: z.string().optional() })).optional(),
});

export const ServiceStatus = z.object({
  loadBalancer: z.object({ ingress: z.array(LoadBalancerIngress).optional() }).prefault({}),
  conditions: z.array(Condition).optional(),
});

/** core.ServicePort as Go's %#v prints the (protocol, port) keys used to detect duplicates. */
const goServicePortKey = (protocol: string, port: number) =>
  new Printed(`core.ServicePort{Name:"", Protocol:"${protocol}", AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`);

export const Service = z.object({
  apiVersion: z.literal('v1').default('v1'),
  kind: z.literal('Service').default('Service'),
  metadata: ObjectMeta.prefault({}),
  spec: ServiceSpec.prefault({}),
  status: ServiceStatus.prefault({}),
}).superRefine(kubeChecks((svc, errs) => {
  const spec = svc.spec;
  const name = svc.metadata.name;
  // Service names become DNS names and environment variables: they must be DNS-1035 labels (start with a
  // letter). The generic DNS-1123 label check reports the other mistakes.
  if (name && isDNS1123Label(name).length === 0) errs.invalidEach(['metadata', 'name'], name, isDNS1035Label(name));

  const headless = spec.clusterIP === 'None';
  const ports = spec.ports ?? [];
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.required(['spec', 'ports']);

  const names = new Set<string>();
  const keys = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const path = ['spec', 'ports', i];
    if (ports.length > 1 && !p.name) errs.required([...path, 'name']);
    else if (p.name) {
      errs.invalidEach([...path, 'name'], p.name, isDNS1123Label(p.name));
      if (names.has(p.name)) errs.duplicate([...path, 'name'], p.name);
      names.add(p.name);
    }
    errs.invalidEach([...path, 'port'], p.port, isValidPortNum(p.port));
    if (p.targetPort !== undefined) validatePortNumOrName(p.targetPort, errs, [...path, 'targetPort']);
    if (p.appProtocol) errs.invalidEach([...path, 'appProtocol'], p.appProtocol, isQualifiedName(p.appProtocol));
    const key = `${p.protocol}/${p.port}`;
    if (keys.has(key)) errs.duplicate(path, goServicePortKey(p.protocol, p.port));
    keys.add(key);
    if (p.nodePort) {
      if (spec.type === 'ClusterIP') errs.forbidden([...path, 'nodePort'], "may not be used when `type` is 'ClusterIP'");
      errs.invalidEach([...path, 'nodePort'], p.nodePort, isValidPortNum(p.nodePort));
      const nodeKey = `${p.protocol}/${p.nodePort}`;
      if (nodePorts.has(nodeKey)) errs.duplicate([...path, 'nodePort'], p.nodePort);
      nodePorts.add(nodeKey);
    }
  });

  validateLabels(spec.selector, errs, ['spec', 'selector']);

  if (spec.clusterIP && spec.clusterIP !== 'None') errs.invalidEach(['spec', 'clusterIP'], spec.clusterIP, isValidIP(spec.clusterIP));
  spec.clusterIPs?.forEach((ip, i) => {
    if (!(i === 0 && ip === 'None')) errs.invalidEach(['spec', 'clusterIPs', i], ip, isValidIP(ip));
  });
  spec.externalIPs?.forEach((ip, i) => errs.invalidEach(['spec', 'externalIPs', i], ip, isValidIP(ip)));

  if (spec.type === 'ExternalName') {
    if (spec.clusterIPs?.length) errs.forbidden(['spec', 'clusterIPs'], 'may not be set for ExternalName services');
    const cname = (spec.externalName ?? '').replace(/\.$/, '');
    if (cname) errs.invalidEach(['spec', 'externalName'], cname, isDNS1123Subdomain(cname));
    else errs.required(['spec', 'externalName']);
  }

  if (!isExternallyAccessible(spec) && spec.externalTrafficPolicy) {
    errs.invalid(['spec', 'externalTrafficPolicy'], spec.externalTrafficPolicy, 'may only be set for externally-accessible services');
  }

  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (spec.sessionAffinity === 'ClientIP' && timeout !== undefined && (timeout <= 0 || timeout > maxClientIPTimeoutSeconds)) {
    errs.invalid(['spec', 'sessionAffinityConfig', 'clientIP', 'timeoutSeconds'], timeout, `must be greater than 0 and less than ${maxClientIPTimeoutSeconds}`);
  }
}), always);
export type Service = z.infer<typeof Service>;
export type ServiceInput = z.input<typeof Service>;
