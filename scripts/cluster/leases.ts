// Who leads: the kube-system Leases of the replicated control-plane components, read from the API and
// told apart by the identities the replicas printed when they started.
import { getJSON } from './readiness.ts';

export const LEADER_LEASES = [
  { lease: 'kube-scheduler', kind: 'scheduler' },
  { lease: 'kube-controller-manager', kind: 'controller-manager' },
] as const;

export interface LeaseView {
  holderIdentity?: string;
  renewTime?: string;
  acquireTime?: string;
  leaseTransitions?: number;
  leaseDurationSeconds?: number;
}

export async function readLease(apiServerURL: string, name: string, namespace = 'kube-system'): Promise<LeaseView | undefined> {
  const lease = await getJSON<{ spec?: LeaseView }>(`${apiServerURL}/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`);
  return lease?.spec;
}

/** The process name whose recorded identity is `identity`, if any. */
export function processOfIdentity(identities: Record<string, string>, identity: string | undefined): string | undefined {
  if (!identity) return undefined;
  return Object.entries(identities).find(([, id]) => id === identity)?.[0];
}
