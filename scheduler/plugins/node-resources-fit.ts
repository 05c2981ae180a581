// NodeResourcesFit (filter): the pod must fit in what the node has allocatable less what its bound and
// assumed pods request, for the pod count and every resource the pod requests (fitsRequest). All
// shortfalls are reported, each as its own reason.
import type { FilterPlugin } from '../framework.ts';

const TOO_MANY_PODS = 'Too many pods';

export const nodeResourcesFit: FilterPlugin = {
  name: 'NodeResourcesFit',
  preFilter(pod) {
    const req = pod.requests;
    const nothing = pod.requestsNothing;
    return (node) => {
      let reasons: string[] | null = null;
      if (node.podCount + 1 > node.allowedPodNumber) reasons = [TOO_MANY_PODS];
      if (nothing) return reasons;
      const alloc = node.allocatable;
      const used = node.requested;
      if (req.milliCpu > 0 && req.milliCpu > alloc.milliCpu - used.milliCpu) (reasons ??= []).push('Insufficient cpu');
      if (req.memory > 0 && req.memory > alloc.memory - used.memory) (reasons ??= []).push('Insufficient memory');
      if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) (reasons ??= []).push('Insufficient ephemeral-storage');
      if (req.scalars) {
        for (const [name, v] of req.scalars) {
          if (v > 0 && v > (alloc.scalars?.get(name) ?? 0) - (used.scalars?.get(name) ?? 0)) (reasons ??= []).push(`Insufficient ${name}`);
        }
      }
      return reasons;
    };
  },
};
