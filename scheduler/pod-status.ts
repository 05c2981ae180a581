// What the scheduler writes about a pod it could not place: the PodScheduled=False condition (through
// a strategic merge patch of pods/status, as kube's util.PatchPodStatus, guarded by the pod's UID)
// and the FailedScheduling event's text (kube truncates event notes to 1024 bytes).
import type { Pod, PodCondition } from '../shared/api/core.ts';

export const NOTE_LENGTH_LIMIT = 1024;

export function truncateMessage(message: string): string {
  if (message.length <= NOTE_LENGTH_LIMIT) return message;
  const suffix = ' ...';
  return message.slice(0, NOTE_LENGTH_LIMIT - suffix.length) + suffix;
}

const nowTimestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The patch that sets PodScheduled=False with `reason` and `message`, or null when the pod already says
 * exactly that (kube's UpdatePodCondition: the transition time moves only when the status changes).
 */
export function podScheduledFalsePatch(pod: Pod, reason: string, message: string): unknown | null {
  const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (current && current.status === 'False' && current.reason === reason && current.message === message) return null;
  const condition: Omit<PodCondition, 'lastProbeTime'> & { lastProbeTime: null } = {
    type: 'PodScheduled',
    status: 'False',
    lastProbeTime: null,
    lastTransitionTime: current?.status === 'False' && current.lastTransitionTime ? current.lastTransitionTime : nowTimestamp(),
    reason,
    message,
  };
  return { metadata: { uid: pod.metadata.uid }, status: { conditions: [condition] } };
}
