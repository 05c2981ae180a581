// core/v1 Endpoints: the addresses behind a Service, grouped in subsets sharing the same ports.
// (Kubernetes also rejects loopback and link-local addresses; simulated nodes may well use loopback
// addresses, so that check is deliberately left out.)
import { z } from 'zod';
import { Protocol } from './container.ts';
import { always, kubeChecks } from './field-errors.ts';
import { ObjectMeta, ObjectReference } from './meta.ts';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidPortNum } from './names.ts';

export const EndpointAddress = z.object({
  ip: z.string(),
  hostname: z.string().optional(),
  nodeName: z.string().optional(),
  targetRef: ObjectReference.optional(),
});
export type EndpointAddress = z.infer<typeof EndpointAddress>;

export const EndpointPort = z.object({
  name: z.string().optional(),
  port: z.number().int(),
  protocol: Protocol.default('TCP'),
  appProtocol: z.string().optional(),
});
export type EndpointPort = z.infer<typeof EndpointPort>;

export const EndpointSubset = z.object({
  addresses: z.array(EndpointAddress).optional(),
  notReadyAddresses: z.array(EndpointAddress).optional(),
  ports: z.array(EndpointPort).optional(),
});
export type EndpointSubset = z.infer<typeof EndpointSubset>;

export const Endpoints = z.object({
  apiVersion: z.literal('v1').default('v1'),
  kind: z.literal('Endpoints').default('Endpoints'),
  metadata: ObjectMeta.prefault({}),
  subsets: z.array(EndpointSubset).optional(),
}).superRefine(kubeChecks((ep, errs) => {
  ep.subsets?.forEach((ss, i) => {
    const path = ['subsets', i];
    if (!ss.addresses?.length && !ss.notReadyAddresses?.length) errs.required(path, 'must specify `addresses` or `notReadyAddresses`');
    for (const field of ['addresses', 'notReadyAddresses'] as const) {
      ss[field]?.forEach((a, j) => {
        errs.invalidEach([...path, field, j, 'ip'], a.ip, isValidIP(a.ip));
        if (a.hostname) errs.invalidEach([...path, field, j, 'hostname'], a.hostname, isDNS1123Label(a.hostname));
        if (a.nodeName) errs.invalidEach([...path, field, j, 'nodeName'], a.nodeName, isDNS1123Subdomain(a.nodeName));
      });
    }
    const ports = ss.ports ?? [];
    ports.forEach((p, j) => {
      const pp = [...path, 'ports', j];
      if (ports.length > 1 && !p.name) errs.required([...pp, 'name']);
      else if (p.name) errs.invalidEach([...pp, 'name'], p.name, isDNS1123Label(p.name));
      errs.invalidEach([...pp, 'port'], p.port, isValidPortNum(p.port));
      if (p.appProtocol) errs.invalidEach([...pp, 'appProtocol'], p.appProtocol, isQualifiedName(p.appProtocol));
    });
  });
}), always);
export type Endpoints = z.infer<typeof Endpoints>;
export type EndpointsInput = z.input<typeof Endpoints>;
