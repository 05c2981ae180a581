// Static pods from --pod-manifest-path: each file (YAML or JSON, dot-files ignored) holds one Pod.
// As kube's file source does, the pod is named <name>-<nodeName>, lives in "default" unless it says
// otherwise, runs on this node, tolerates every NoExecute taint, and gets a uid that is a hash of
// its content (so the same manifest keeps its uid across kubelet restarts) with the config.*
// annotations that mark where it came from.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Pod, podQOSClass } from '../../shared/api/pod.ts';
import type { Logger } from '../../shared/log.ts';

export const CONFIG_HASH = 'kubernetes.io/config.hash';
export const CONFIG_MIRROR = 'kubernetes.io/config.mirror';
export const CONFIG_SOURCE = 'kubernetes.io/config.source';
export const CONFIG_SEEN = 'kubernetes.io/config.seen';

/** One manifest file as the static pod this node runs. */
export function staticPodOf(text: string, file: string, nodeName: string): Pod {
  const doc = parse(text) as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object') throw new Error('not a pod manifest');
  if (doc.kind !== undefined && doc.kind !== 'Pod') throw new Error(`kind is ${String(doc.kind)}, want Pod`);
  const parsed = Pod.safeParse(doc);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const pod = parsed.data;
  const hash = createHash('md5').update(file).update(nodeName).update(JSON.stringify(pod)).digest('hex');
  pod.metadata.name = `${pod.metadata.name}-${nodeName}`.toLowerCase();
  pod.metadata.namespace ||= 'default';
  pod.metadata.uid = hash;
  pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [CONFIG_HASH]: hash, [CONFIG_SOURCE]: 'file', [CONFIG_SEEN]: new Date().toISOString() };
  pod.spec.nodeName = nodeName;
  pod.spec.tolerations = [...(pod.spec.tolerations ?? []), { operator: 'Exists', effect: 'NoExecute' }];
  pod.status = { qosClass: podQOSClass(pod.spec) };
  return pod;
}

/** Every valid static pod in the directory, by uid; bad manifests are logged and skipped. */
export function readManifests(dir: string, nodeName: string, logger: Logger): Map<string, Pod> {
  const pods = new Map<string, Pod>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    logger.warn({ path: dir, err: (err as Error).message }, 'cannot read the static pod manifest path');
    return pods;
  }
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      const pod = staticPodOf(readFileSync(file, 'utf8'), file, nodeName);
      pods.set(pod.metadata.uid!, pod);
    } catch (err) {
      logger.warn({ file, err: (err as Error).message }, 'invalid static pod manifest; skipped');
    }
  }
  return pods;
}
