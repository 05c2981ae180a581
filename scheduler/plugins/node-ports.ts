// NodePorts: a host port (protocol, port, host IP) the pod asks for must be free on the node; 0.0.0.0
// clashes with every address.
import type { FilterPlugin } from '../framework.ts';

const REASONS = ["node(s) didn't have free ports for the requested pod ports"] as const;

export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  preFilter(pod) {
    const wanted = pod.hostPorts;
    if (wanted.length === 0) return null;
    return (node) => {
      if (node.usedPorts.size === 0) return null;
      for (const p of wanted) if (node.portConflicts(p.ip, p.protocolPort)) return REASONS;
      return null;
    };
  },
};
