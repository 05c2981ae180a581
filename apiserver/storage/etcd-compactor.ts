// Periodic compaction on etcd, as kube-apiserver's etcd3 compactor does it (storage/etcd3/compact.go):
// several API servers share one etcd, so they must not each compact on their own clock. Every
// interval each one runs a round of the compact_rev_key protocol (EtcdBackend.compactRound); one wins
// and compacts at the revision that was current one round ago, the rest learn the new logical clock.
// If the winner dies, another wins a round or two later: the window is one interval normally and
// under two intervals after a failover.
import type { Logger } from '../../shared/log.ts';
import type { EtcdBackend } from './etcd-backend.ts';

export function startEtcdCompactor(backend: EtcdBackend, intervalMs: number, logger: Pick<Logger, 'info' | 'error'>): () => void {
  if (intervalMs <= 0) return () => {};
  let compactTime = 0;
  let revision = 0;
  let running = false;
  const timer = setInterval(() => {
    if (running) return; // a round slower than the interval: skip rather than pile up
    running = true;
    backend.compactRound(compactTime, revision).then(
      (round) => {
        if (round.compacted) logger.info({ revision, compactTime: round.compactTime }, 'compacted etcd history');
        ({ compactTime, revision } = round);
      },
      (err) => logger.error({ err, revision }, 'etcd compaction failed'),
    ).finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
