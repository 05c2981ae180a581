// Kinds whose only specialities are their field selectors (or nothing at all).
import type { KubeObject } from '../object.ts';
import type { Strategy } from '../strategy.ts';

type Fields = Record<string, unknown>;
const field = (obj: KubeObject, path: string): string => {
  let v: unknown = obj;
  for (const part of path.split('.')) v = v && typeof v === 'object' ? (v as Fields)[part] : undefined;
  return v === undefined || v === null ? '' : String(v);
};

export const eventStrategy: Strategy = {
  selectableFields(obj) {
    const out: Record<string, string> = {};
    for (const f of ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'])
      out[f] = f === 'source' ? field(obj, 'source.component') : field(obj, f);
    return out;
  },
};

export const nodeStrategy: Strategy = {
  hasGeneration: false,
  selectableFields(obj) {
    return { 'spec.unschedulable': field(obj, 'spec.unschedulable') || 'false' };
  },
};

export const secretStrategy: Strategy = {
  selectableFields(obj) {
    return { type: field(obj, 'type') };
  },
};

/** kube's leaseStrategy sets no generation, though a Lease has a spec. */
export const leaseStrategy: Strategy = { hasGeneration: false };

/** kube's endpointSliceStrategy keeps a generation, though an EndpointSlice has no spec. */
export const endpointSliceStrategy: Strategy = { hasGeneration: true };

export const plainStrategy: Strategy = {};
