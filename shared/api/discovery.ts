// discovery.k8s.io/v1 EndpointSlice: the scalable successor of Endpoints, read by kube-proxy.
import { z } from 'zod';
import { isIP } from 'node:net';
import { Protocol } from './container.ts';
import { always, kubeChecks } from './field-errors.ts';
import { Loose, ObjectMeta, ObjectReference, StringMap } from './meta.ts';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from './names.ts';

/** Sorted, as Kubernetes lists them in errors. */
export const AddressType = z.enum(['FQDN', 'IPv4', 'IPv6']);
export type AddressType = z.infer<typeof AddressType>;

export const EndpointConditions = z.object({
  ready: z.boolean().optional(),
  serving: z.boolean().optional(),
  terminating: z.boolean().optional(),
});

export const Endpoint = z.object({
  addresses: z.array(z.string()),
  conditions: EndpointConditions.prefault({}),
  hostname: z.string().optional(),
  targetRef: ObjectReference.optional(),
  deprecatedTopology: StringMap.optional(),
  nodeName: z.string().optional(),
  zone: z.string().optional(),
  hints: Loose.optional(),
});
export type Endpoint = z.infer<typeof Endpoint>;

// discovery/v1 defaults a port's name to "" and its protocol to TCP.
export const EndpointSlicePort = z.object({
  name: z.string().default(''),
  protocol: Protocol.default('TCP'),
  port: z.number().int().optional(),
  appProtocol: z.string().optional(),
});
export type EndpointSlicePort = z.infer<typeof EndpointSlicePort>;

const maxEndpoints = 1000;
const maxAddresses = 100;
const maxPorts = 100;

function validateAddress(type: AddressType, address: string): string[] {
  if (type === 'IPv4') return isIP(address) === 4 ? [] : ['must be a valid IPv4 address'];
  if (type === 'IPv6') return isIP(address) === 6 ? [] : ['must be a valid IPv6 address'];
  const name = address.replace(/\.$/, '');
  const errs = isDNS1123Subdomain(name);
  if (errs.length) return errs;
  return name.split('.').length < 2 ? ['should be a domain with at least two segments separated by dots'] : [];
}

export const EndpointSlice = z.object({
  apiVersion: z.literal('discovery.k8s.io/v1').default('discovery.k8s.io/v1'),
  kind: z.literal('EndpointSlice').default('EndpointSlice'),
  metadata: ObjectMeta.prefault({}),
  addressType: AddressType,
  endpoints: z.array(Endpoint).default(() => []),
  ports: z.array(EndpointSlicePort).optional(),
}).superRefine(kubeChecks((slice, errs) => {
  if (slice.endpoints.length > maxEndpoints) errs.tooMany(['endpoints'], slice.endpoints.length, maxEndpoints);
  slice.endpoints.forEach((ep, i) => {
    const path = ['endpoints', i];
    if (ep.addresses.length === 0) errs.required([...path, 'addresses'], 'must contain at least 1 address');
    else if (ep.addresses.length > maxAddresses) errs.tooMany([...path, 'addresses'], ep.addresses.length, maxAddresses);
    ep.addresses.forEach((a, j) => errs.invalidEach([...path, 'addresses', j], a, validateAddress(slice.addressType, a)));
    if (ep.hostname) errs.invalidEach([...path, 'hostname'], ep.hostname, isDNS1123Label(ep.hostname));
    if (ep.nodeName) errs.invalidEach([...path, 'nodeName'], ep.nodeName, isDNS1123Subdomain(ep.nodeName));
  });
  const ports = slice.ports ?? [];
  if (ports.length > maxPorts) errs.tooMany(['ports'], ports.length, maxPorts);
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = ['ports', i];
    if (p.name) errs.invalidEach([...path, 'name'], p.name, isDNS1123Label(p.name));
    if (names.has(p.name)) errs.duplicate([...path, 'name'], p.name);
    names.add(p.name);
    if (p.appProtocol) errs.invalidEach([...path, 'appProtocol'], p.appProtocol, isQualifiedName(p.appProtocol));
  });
}), always);
export type EndpointSlice = z.infer<typeof EndpointSlice>;
export type EndpointSliceInput = z.input<typeof EndpointSlice>;
