// Periodic compaction, as kube-apiserver's etcd compactor does it: every interval, forget the history
// older than the revision that was current one interval ago. So a client can resume a watch from any
// revision it saw within the last interval (the "compaction window"), and history never grows without bound.
import type { Backend } from './interface.ts';
import type { Logger } from '../../shared/log.ts';

export function startCompactor(backend: Backend, intervalMs: number, logger: Logger): () => void {
  if (intervalMs <= 0) return () => {};
  let previous = backend.currentRevision();
  const timer = setInterval(() => {
    const target = previous;
    previous = backend.currentRevision();
    if (target <= backend.compactedRevision()) return;
    backend.compact(target).then(
      () => logger.info({ revision: target }, 'compacted store history'),
      (err) => logger.error({ err, revision: target }, 'compaction failed'),
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
